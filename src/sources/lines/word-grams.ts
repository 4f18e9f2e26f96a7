/**
 * @module The q-gram filter of `qgram.ts` with four-byte grams read as aligned 32-bit words: for
 * literal sets whose every literal has at least {@link WORD_MIN_LENGTH} bytes (exhunt's own
 * HttpProxy and IIS literals). Literals of 5 and 6 bytes (IIS's `/ecp/`) register byte pairs,
 * looked up in the low half of the same words: a 5-byte literal holds four consecutive pairs,
 * one of which starts on an aligned address.
 *
 * Why: the byte filter loads and combines three bytes per probe; here one probe is one load from
 * a `Uint32Array` over the data, which makes the loop about twice as fast (measured on generated
 * HttpProxy logs: 4.5-5 GB/s for the bare loop against 1.8 GB/s). The stride is 4, so every
 * aligned word is probed: an occurrence of a literal of `n >= 7` bytes holds four consecutive
 * four-byte grams, one of which starts on an address divisible by 4, and that gram lies wholly
 * inside the occurrence, so searching `[from, to)` never needs a probe outside it. Each literal
 * registers the four consecutive grams where it is rarest in a sample of the data, in every ASCII
 * case spelling (at most 16 per gram); a probe that hits verifies the literals behind it.
 *
 * Little-endian machines only (every platform Node supports today); {@link wordGramsUsable} says
 * whether this one is.
 */
import { COMMONNESS, FOLD, spellings, verifyBytes as verify, type GramProbe } from './qgram.js';

/** Bytes per gram and stride. */
const Q = 4;
/** Literals shorter than this (5 or 6 bytes) register byte pairs, the low half of a word. */
const QUAD_MIN_LENGTH = 2 * Q - 1;
/** Shortest literal the word filter can find: a pair plus the stride, less one. */
export const WORD_MIN_LENGTH = 2 + Q - 1;
const BITS = 18;

export interface WordGramSet {
  /** Four-byte grams (hashed) of the literals of 7 bytes or more. */
  readonly filter: Uint8Array;
  readonly buckets: readonly (readonly GramProbe[] | undefined)[];
  /** Byte pairs (a word's low half) of the 5- and 6-byte literals, or null when there are none. */
  readonly pairs: Uint8Array | null;
  readonly pairBuckets: readonly (readonly GramProbe[] | undefined)[];
  readonly literals: readonly string[];
}

export function wordGramsUsable(): boolean {
  return new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
}

function hashWord(w: number): number {
  return Math.imul(w, 0x9e3779b1) >>> (32 - BITS);
}

/** The little-endian word of four bytes. */
function wordOf(a: number, b: number, c: number, d: number): number {
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

/** Hashed counts of the folded four-byte grams and of the byte pairs of a sample, or null without one. */
function countGrams(sample: Uint8Array | undefined): { readonly quads: Uint32Array; readonly pairs: Uint32Array } | null {
  if (!sample || sample.length < 4096) return null;
  const quads = new Uint32Array(1 << BITS);
  const pairs = new Uint32Array(1 << 16);
  const f = new Uint8Array(sample.length);
  for (let i = 0; i < f.length; i++) f[i] = FOLD[sample[i]!]!;
  for (let i = 0; i + Q <= f.length; i++) (quads[hashWord(wordOf(f[i]!, f[i + 1]!, f[i + 2]!, f[i + 3]!))] as number)++;
  for (let i = 0; i + 2 <= f.length; i++) (pairs[f[i]! | (f[i + 1]! << 8)] as number)++;
  return { quads, pairs };
}

/**
 * Compiles lower-case ASCII literals of at least {@link WORD_MIN_LENGTH} bytes; `sample` (bytes
 * of the data to search) picks the grams each literal registers. Exact whatever the sample.
 */
export function buildWordGrams(literals: readonly string[], sample?: Uint8Array): WordGramSet {
  const filter = new Uint8Array(1 << BITS);
  const buckets: GramProbe[][] = [];
  let pairs: Uint8Array | null = null;
  const pairBuckets: GramProbe[][] = [];
  const counts = countGrams(sample);
  for (const literal of literals) {
    const bytes = Buffer.from(literal, 'latin1');
    if (bytes.length < WORD_MIN_LENGTH) throw new Error(`word grams need literals of ${WORD_MIN_LENGTH} bytes or more: ${literal}`);
    const quad = bytes.length >= QUAD_MIN_LENGTH;
    const q = quad ? Q : 2;
    const cost = (i: number): number => {
      let own = 1;
      for (let j = 0; j < q; j++) own *= COMMONNESS[bytes[i + j]!]!;
      if (!counts) return own;
      const seen = quad ? counts.quads[hashWord(wordOf(bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!))]! : counts.pairs[bytes[i]! | (bytes[i + 1]! << 8)]!;
      return seen * 4096 + own;
    };
    // The Q consecutive grams (one starts on every alignment) where the literal is rarest.
    let best = 0;
    let bestCost = Infinity;
    for (let o = 0; o + q + Q - 1 <= bytes.length; o++) {
      let c = 0;
      for (let j = 0; j < Q; j++) c += cost(o + j);
      if (c < bestCost) {
        bestCost = c;
        best = o;
      }
    }
    for (let j = 0; j < Q; j++) {
      const probe: GramProbe = { bytes, offset: best + j };
      const at = best + j;
      const register = (table: Uint8Array, lists: GramProbe[][], key: number): void => {
        table[key] = 1;
        const bucket = (lists[key] ??= []);
        if (!bucket.includes(probe)) bucket.push(probe);
      };
      for (const a of spellings(bytes[at]!))
        for (const b of spellings(bytes[at + 1]!)) {
          if (!quad) {
            register((pairs ??= new Uint8Array(1 << 16)), pairBuckets, a | (b << 8));
            continue;
          }
          for (const c of spellings(bytes[at + 2]!)) for (const d of spellings(bytes[at + 3]!)) register(filter, buckets, hashWord(wordOf(a, b, c, d)));
        }
    }
  }
  return { filter, buckets, pairs, pairBuckets, literals };
}

/** Word views of the buffers searched, by their memory (the line reader reuses one buffer). */
const views = new WeakMap<ArrayBufferLike, Uint32Array>();

/**
 * The 32-bit words of `t`'s memory: byte `i` of `t` is in word `(t.byteOffset + i) >>> 2`, in
 * its low bits first (little-endian, see {@link wordGramsUsable}).
 */
export function wordsOf(t: Uint8Array): Uint32Array {
  let w = views.get(t.buffer);
  if (w === undefined) {
    w = new Uint32Array(t.buffer, 0, t.buffer.byteLength >>> 2);
    views.set(t.buffer, w);
  }
  return w;
}

/**
 * Start of an occurrence of some literal lying wholly in `t[from, to)`, or -1; like `firstIn` of
 * `qgram.ts`, always one in the first line that holds any (literals never span a line feed).
 */
export function firstInWords(set: WordGramSet, t: Uint8Array, from: number, to: number): number {
  const words = wordsOf(t);
  const base = t.byteOffset;
  const filter = set.filter;
  // Aligned words wholly inside [from, to), as indexes into `words`.
  const last = ((base + to) >>> 2) - 1;
  const pairs = set.pairs;
  if (pairs === null) {
    for (let k = (base + from + 3) >>> 2; k <= last; k++) {
      const h = Math.imul(words[k] as number, 0x9e3779b1) >>> (32 - BITS);
      if (filter[h] === 0) continue;
      const found = verify(set.buckets[h]!, t, k * 4 - base, from, to);
      if (found !== -1) return found;
    }
    return -1;
  }
  // With short literals, the word's first two bytes are looked up as a pair too (a second read
  // of the same word); a hit on both verifies both and keeps the earlier occurrence.
  const first = (base + from + 3) >>> 2;
  for (let k = first; k <= last; k++) {
    const w = words[k] as number;
    const h = Math.imul(w, 0x9e3779b1) >>> (32 - BITS);
    const pair = w & 0xffff;
    if (filter[h] === 0 && pairs[pair] === 0) continue;
    let found = filter[h] === 0 ? -1 : verify(set.buckets[h]!, t, k * 4 - base, from, to);
    if (pairs[pair] !== 0) {
      const other = verify(set.pairBuckets[pair]!, t, k * 4 - base, from, to);
      if (other !== -1 && (found === -1 || other < found)) found = other;
    }
    if (found !== -1) return found;
  }
  // A pair may start in the last two bytes before `to`, in a word that reaches past it (and
  // perhaps past the buffer's memory): that pair is read byte by byte.
  const tail = ((base + to - 2) >>> 2) * 4 - base;
  if (tail > (last * 4 - base) && tail >= from && to - tail >= 2) {
    const pair = (t[tail] as number) | ((t[tail + 1] as number) << 8);
    if (pairs[pair] !== 0) return verify(set.pairBuckets[pair]!, t, tail, from, to);
  }
  return -1;
}
