/**
 * @module A small seeded random generator (sfc32 seeded through cyrb128), so that a seed always
 * produces the same demo. Each log stream gets its own generator derived from the seed and the
 * stream's name, so streams can be written in any order or concurrently without changing output.
 * Not for anything security-related.
 */

/** 128-bit string hash (cyrb128) used to derive the four sfc32 state words. */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Two characters of ALNUM per entry, 62 * 62 pairs, picked with 12 random bits (slightly uneven). */
const ALNUM_PAIRS: readonly string[] = Array.from({ length: 4096 }, (_, i) => ALNUM[(i >>> 6) % 62]! + ALNUM[i % 62]!);

// GUIDs are written into one scratch buffer and read back as a single flat string: about a
// quarter cheaper than concatenating hex pieces, and they are made for nearly every row.
const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const GUID_BUF = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

function put4(b: Buffer, at: number, v: number): void {
  b[at] = HEX_CODES[(v >>> 12) & 15]!;
  b[at + 1] = HEX_CODES[(v >>> 8) & 15]!;
  b[at + 2] = HEX_CODES[(v >>> 4) & 15]!;
  b[at + 3] = HEX_CODES[v & 15]!;
}

function put8(b: Buffer, at: number, v: number): void {
  put4(b, at, v >>> 16);
  put4(b, at + 4, v & 0xffff);
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** @param seed any text; `Rng.derive(seed, 'HttpProxy/Owa')` for a per-stream generator. */
  constructor(seed: string) {
    [this.#a, this.#b, this.#c, this.#d] = cyrb128(seed);
    for (let i = 0; i < 12; i++) this.u32();
  }

  static derive(seed: string, name: string): Rng {
    return new Rng(`${seed}\u0000${name}`);
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const v = items[Math.floor(this.next() * items.length)];
    if (v === undefined) throw new RangeError('pick from an empty list');
    return v;
  }

  /** `bytes` random bytes as lower-case hex. */
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i += 4) {
      const v = this.u32();
      s += HEX[v & 255]! + HEX[(v >>> 8) & 255]! + HEX[(v >>> 16) & 255]! + HEX[v >>> 24]!;
    }
    return s.slice(0, bytes * 2);
  }

  /** A random GUID, lower-case, `8-4-4-4-12`. */
  guid(): string {
    const b = GUID_BUF;
    const a = this.u32();
    const c = this.u32();
    const d = this.u32();
    const e = this.u32();
    put8(b, 0, a);
    put4(b, 9, c >>> 16);
    put4(b, 14, (c & 0x0fff) | 0x4000);
    put4(b, 19, ((d >>> 16) & 0x3fff) | 0x8000);
    put4(b, 24, d & 0xffff);
    put8(b, 28, e);
    return b.toString('latin1', 0, 36);
  }

  /** `n` characters from [A-Za-z0-9]. */
  alnum(n: number): string {
    let s = '';
    while (s.length < n) {
      const v = this.u32();
      s += ALNUM_PAIRS[v & 4095]! + ALNUM_PAIRS[(v >>> 12) & 4095]!;
    }
    return s.length === n ? s : s.slice(0, n);
  }

  /**
   * Picks from a weighted table. `cumulative` must be ascending cumulative weights ending at the
   * total (see `cumulate`).
   */
  weighted<T>(items: readonly T[], cumulative: readonly number[]): T {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x < cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    const v = items[lo];
    if (v === undefined) throw new RangeError('weighted pick from an empty list');
    return v;
  }
}

/** Ascending cumulative sums of `weights`, for `Rng.weighted`. */
export function cumulate(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** A weighted table built once and sampled many times. */
export class WeightedTable<T> {
  readonly items: readonly T[];
  readonly #cum: readonly number[];

  constructor(entries: readonly (readonly [T, number])[]) {
    this.items = entries.map((e) => e[0]);
    this.#cum = cumulate(entries.map((e) => e[1]));
  }

  sample(rng: Rng): T {
    return rng.weighted(this.items, this.#cum);
  }
}
