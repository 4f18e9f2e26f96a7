/**
 * @module Opens the next few files of a plan while the current one is parsed. A triage folder
 * holds thousands of small hourly logs; reading them strictly one after the other leaves the
 * parser waiting on every open, stat and read round trip. Prefetching a bounded window overlaps
 * that I/O with parsing; memory stays bounded by the window (small files are read whole, large
 * ones only open their stream).
 */
import type { Readable } from 'node:stream';
import type { TreeEntry } from '../inputs/tree.js';

/** How many files ahead are opened. */
const WINDOW = 8;

export class Prefetcher {
  readonly #entries: readonly TreeEntry[];
  readonly #pending = new Map<number, Promise<Readable>>();
  #next = 0;

  constructor(entries: readonly TreeEntry[]) {
    this.#entries = entries;
  }

  /**
   * Returns an opener for entry `index` (which reuses the prefetched stream the first time it is
   * called, and opens afresh after that), and starts opening the entries after it.
   */
  take(index: number): () => Promise<Readable> {
    this.#fill(index);
    let first = this.#pending.get(index);
    this.#pending.delete(index);
    const entry = this.#entries[index]!;
    return () => {
      const p = first ?? entry.open();
      first = undefined;
      return p;
    };
  }

  #fill(from: number): void {
    this.#next = Math.max(this.#next, from);
    while (this.#next < from + WINDOW && this.#next < this.#entries.length) {
      const i = this.#next++;
      // Files on disk are read synchronously by their parser: nothing to overlap, and a buffer
      // read ahead would only wait as garbage.
      if (this.#entries[i]!.openSync) continue;
      const p = this.#entries[i]!.open();
      // The error is seen by whoever awaits the opener; this only keeps an early failure of a
      // file not yet reached from counting as an unhandled rejection.
      p.catch(() => undefined);
      this.#pending.set(i, p);
    }
  }
}
