/**
 * @module Aho–Corasick multi-pattern search: all patterns found in one pass over the text, in
 * time linear in the text plus the matches, whatever the number of patterns. Used for log
 * substrings and for the literals that prefilter regex indicators. Patterns and text are
 * compared as given (callers lower-case both for case-insensitive search).
 */

export class AhoCorasick<T> {
  /** Per node: children by UTF-16 code unit. */
  readonly #next: Map<number, number>[] = [new Map<number, number>()];
  #fail: Int32Array = new Int32Array(0);
  /** Per node: values of the patterns ending here (including via failure links after build). */
  readonly #out: (T[] | undefined)[] = [undefined];
  #built = false;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(pattern: string, value: T): void {
    if (this.#built) throw new Error('AhoCorasick: add after build');
    if (pattern === '') return;
    let node = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      let n = this.#next[node]!.get(c);
      if (n === undefined) {
        n = this.#next.length;
        this.#next.push(new Map<number, number>());
        this.#out.push(undefined);
        this.#next[node]!.set(c, n);
      }
      node = n;
    }
    (this.#out[node] ??= []).push(value);
    this.#size++;
  }

  build(): this {
    const fail = new Int32Array(this.#next.length);
    const queue: number[] = [];
    for (const child of this.#next[0]!.values()) {
      fail[child] = 0;
      queue.push(child);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const node = queue[qi]!;
      for (const [c, child] of this.#next[node]!) {
        let f = fail[node]!;
        while (f !== 0 && !this.#next[f]!.has(c)) f = fail[f]!;
        const target = this.#next[f]!.get(c);
        fail[child] = target !== undefined && target !== child ? target : 0;
        const inherited = this.#out[fail[child]];
        if (inherited) this.#out[child] = [...(this.#out[child] ?? []), ...inherited];
        queue.push(child);
      }
    }
    this.#fail = fail;
    this.#built = true;
    return this;
  }

  /**
   * Calls `onMatch` for every occurrence (value, index after the match). Return `false` from
   * `onMatch` to stop early.
   */
  search(text: string, onMatch: (value: T, end: number) => boolean | void): void {
    if (!this.#built) this.build();
    if (this.#size === 0) return;
    const next = this.#next;
    const fail = this.#fail;
    const out = this.#out;
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let n = next[node]!.get(c);
      while (n === undefined && node !== 0) {
        node = fail[node]!;
        n = next[node]!.get(c);
      }
      node = n ?? 0;
      const o = out[node];
      if (o) for (const v of o) if (onMatch(v, i + 1) === false) return;
    }
  }
}
