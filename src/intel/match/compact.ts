/**
 * @module Compact sets for the bulk of any large indicator set: hex hashes and single IPv4
 * addresses, kept in typed arrays with open addressing instead of one JavaScript object (and map
 * entry) per indicator. A million indicators then add almost nothing for the garbage collector to
 * trace during a scan, so a scan's cost does not grow with the size of the set through GC either.
 * Values map to a dense index; per-index data sits in typed arrays as well.
 */
import type { IndicatorAttrs, IndicatorType } from '../model.js';
import type { Entry, SourceRef } from './matcher.js';

const EMPTY = -1;

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

/** Fixed-length lower-case hex strings (hashes) → index. */
export class HexIndex {
  readonly #bytes: number;
  #data: Uint8Array<ArrayBuffer> = new Uint8Array(1024);
  #count = 0;
  #table: Int32Array<ArrayBuffer> = new Int32Array(0);
  #mask = 0;
  readonly #scratch: Uint8Array;

  constructor(hexChars: number) {
    this.#bytes = hexChars / 2;
    this.#scratch = new Uint8Array(this.#bytes);
  }

  get size(): number {
    return this.#count;
  }

  /** Adds a value (already validated hex of the right length); returns its index. */
  add(hex: string): number {
    const need = (this.#count + 1) * this.#bytes;
    if (need > this.#data.length) {
      const grown = new Uint8Array(Math.max(need, this.#data.length * 2));
      grown.set(this.#data);
      this.#data = grown;
    }
    decode(hex, this.#data, this.#count * this.#bytes);
    return this.#count++;
  }

  build(): void {
    const cap = nextPow2(this.#count * 2);
    this.#table = new Int32Array(cap).fill(EMPTY);
    this.#mask = cap - 1;
    for (let i = 0; i < this.#count; i++) {
      let slot = this.#hashAt(this.#data, i * this.#bytes) & this.#mask;
      while (this.#table[slot] !== EMPTY) slot = (slot + 1) & this.#mask;
      this.#table[slot] = i;
    }
  }

  #hashAt(buf: Uint8Array, off: number): number {
    // Hashes are uniformly distributed: their first bytes are a good hash already.
    return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  }

  /** Index of a hex value (any case), or -1. */
  get(hex: string): number {
    if (this.#count === 0 || hex.length !== this.#bytes * 2) return -1;
    if (!decode(hex, this.#scratch, 0)) return -1;
    let slot = this.#hashAt(this.#scratch, 0) & this.#mask;
    for (;;) {
      const i = this.#table[slot]!;
      if (i === EMPTY) return -1;
      if (this.#equals(i)) return i;
      slot = (slot + 1) & this.#mask;
    }
  }

  #equals(i: number): boolean {
    const off = i * this.#bytes;
    for (let k = 0; k < this.#bytes; k++) if (this.#data[off + k] !== this.#scratch[k]) return false;
    return true;
  }

  /** The value at an index, as lower-case hex. */
  value(i: number): string {
    return Buffer.from(this.#data.buffer, this.#data.byteOffset + i * this.#bytes, this.#bytes).toString('hex');
  }
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function decode(hex: string, out: Uint8Array, off: number): boolean {
  for (let i = 0; i < hex.length; i += 2) {
    const hi = nibble(hex.charCodeAt(i));
    const lo = nibble(hex.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return false;
    out[off + i / 2] = (hi << 4) | lo;
  }
  return true;
}

/** Unsigned 32-bit keys (IPv4 addresses) → index. */
export class U32Index {
  #keys: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  #count = 0;
  #table: Int32Array<ArrayBuffer> = new Int32Array(0);
  #mask = 0;

  get size(): number {
    return this.#count;
  }

  add(key: number): number {
    if (this.#count >= this.#keys.length) {
      const grown = new Uint32Array(this.#keys.length * 2);
      grown.set(this.#keys);
      this.#keys = grown;
    }
    this.#keys[this.#count] = key;
    return this.#count++;
  }

  build(): void {
    const cap = nextPow2(this.#count * 2);
    this.#table = new Int32Array(cap).fill(EMPTY);
    this.#mask = cap - 1;
    for (let i = 0; i < this.#count; i++) {
      let slot = mix(this.#keys[i]!) & this.#mask;
      while (this.#table[slot] !== EMPTY) slot = (slot + 1) & this.#mask;
      this.#table[slot] = i;
    }
  }

  get(key: number): number {
    if (this.#count === 0) return -1;
    let slot = mix(key) & this.#mask;
    for (;;) {
      const i = this.#table[slot]!;
      if (i === EMPTY) return -1;
      if (this.#keys[i] === key) return i;
      slot = (slot + 1) & this.#mask;
    }
  }

  key(i: number): number {
    return this.#keys[i]!;
  }
}

/** A 32-bit integer mix (addresses are not uniformly distributed). */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Interned sets of sources: compact indicators keep the number of their set. */
export class SourceSets {
  readonly sets: SourceRef[][] = [];
  readonly #refIds = new Map<SourceRef, number>();
  readonly #ids = new Map<string, number>();

  idOf(sources: SourceRef[]): number {
    let key = '';
    for (const r of sources) {
      let id = this.#refIds.get(r);
      if (id === undefined) this.#refIds.set(r, (id = this.#refIds.size));
      key += `${id},`;
    }
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(sources);
      this.#ids.set(key, id);
    }
    return id;
  }
}

/**
 * String-keyed indicators (domains, URLs, paths, agents...) without an object per indicator: the
 * key maps to a dense number, per-number data sits in typed arrays; `get` makes the
 * {@link Entry} on a hit. Same `get`/`size` as a `Map<string, Entry>`.
 */
export class StringGroup {
  readonly #ids = new Map<string, number>();
  readonly #values: string[] = [];
  #sets = new Int32Array(256);
  readonly #display = new Map<number, string>();
  readonly #attrs = new Map<number, IndicatorAttrs>();

  constructor(
    readonly type: IndicatorType,
    readonly sources: SourceSets,
  ) {}

  get size(): number {
    return this.#values.length;
  }

  set(key: string, e: Entry): void {
    const i = this.#values.length;
    this.#ids.set(key, i);
    this.#values.push(key);
    if (i >= this.#sets.length) {
      const grown = new Int32Array(this.#sets.length * 2);
      grown.set(this.#sets);
      this.#sets = grown;
    }
    this.#sets[i] = this.sources.idOf(e.sources);
    if (e.display !== e.value) this.#display.set(i, e.display);
    if (e.attrs) this.#attrs.set(i, e.attrs);
  }

  get(key: string): Entry | undefined {
    const i = this.#ids.get(key);
    if (i === undefined) return undefined;
    const value = this.#values[i]!;
    return { type: this.type, value, display: this.#display.get(i) ?? value, attrs: this.#attrs.get(i) ?? null, sources: this.sources.sets[this.#sets[i]!]! };
  }
}

/**
 * Indicators of one type held compactly (hashes, single IPv4 addresses): the value in a typed
 * index, the rest in parallel typed arrays or sparse maps; an {@link Entry} is only made on a hit.
 */
export class CompactGroup<I extends HexIndex | U32Index> {
  readonly index: I;
  #sets = new Int32Array(1024);
  readonly #display = new Map<number, string>();
  readonly #attrs = new Map<number, IndicatorAttrs>();

  constructor(
    readonly type: IndicatorType,
    index: I,
    readonly valueOf: (index: I, i: number) => string,
  ) {
    this.index = index;
  }

  add(i: number, e: Entry, set: number): void {
    if (i >= this.#sets.length) {
      const grown = new Int32Array(this.#sets.length * 2);
      grown.set(this.#sets);
      this.#sets = grown;
    }
    this.#sets[i] = set;
    if (e.display !== e.value) this.#display.set(i, e.display);
    if (e.attrs) this.#attrs.set(i, e.attrs);
  }

  entry(i: number, sets: readonly SourceRef[][]): Entry {
    const value = this.valueOf(this.index, i);
    return { type: this.type, value, display: this.#display.get(i) ?? value, attrs: this.#attrs.get(i) ?? null, sources: sets[this.#sets[i]!]! };
  }
}
