/**
 * @module Puts results that arrive in any order back into plan order. A parallel scan gets each
 * file's result whenever its thread finishes it; applying them as they come would order the
 * diagnostics, the hits of a host and the first-seen facts (a coverage row's kind, a group's
 * install folder) by timing. Held results wait only until every earlier one is in.
 */
export class InOrder<T> {
  readonly #held: (T | undefined)[];
  readonly #apply: (index: number, value: T) => void;
  #next = 0;

  /** `count` results, indices 0..count-1, each handed to `apply` once, in index order. */
  constructor(count: number, apply: (index: number, value: T) => void) {
    this.#held = new Array<T | undefined>(count);
    this.#apply = apply;
  }

  /** Results applied so far (all of them once `done`). */
  get applied(): number {
    return this.#next;
  }

  get done(): boolean {
    return this.#next === this.#held.length;
  }

  /** Takes result `index`; applies it and every held result after it that is now in order. */
  put(index: number, value: T): void {
    if (index < this.#next || index >= this.#held.length || this.#held[index] !== undefined) throw new RangeError(`result ${index} given twice or out of range`);
    this.#held[index] = value;
    for (let v = this.#held[this.#next]; v !== undefined; v = this.#held[this.#next]) {
      this.#held[this.#next] = undefined;
      this.#apply(this.#next, v);
      this.#next += 1;
    }
  }
}
