/**
 * @module A sampled q-gram filter: finds which of many lower-case ASCII literals occur in bytes or
 * in a string, ignoring ASCII case. It is the search behind the line prefilter when there are
 * more literals than one RegExp handles well, and behind the per-detector literal gate.
 *
 * Why this and not Wu-Manber or Aho-Corasick: in JavaScript every byte the loop touches costs a
 * few nanoseconds, so the search must skip. Wu-Manber skips by at most (shortest literal - 2)
 * bytes, and rule packs such as SigmaHQ's web rules hold 3-byte literals (`={{`), which left it at
 * about 120 MB/s on IIS logs. Here the text is probed only every `s` bytes (the stride): a literal
 * of at least `q + s - 1` bytes always has one of `s` consecutive q-grams starting on a probed
 * position, so each literal registers those `s` q-grams (taken where it is least common) and a
 * probe that hits one verifies the literals behind it. Literals long enough register byte
 * triples; only those too short for triples at the stride register pairs (pairs are common in
 * any text, so a pair table alone fires on several percent of the probes). Measured on the generated IIS and HttpProxy
 * logs: 880 and 1,200 MB/s for exhunt's own literals (Wu-Manber: 620 and 790), 430 MB/s for 274
 * literals with SigmaHQ's web rules (Wu-Manber: 120).
 *
 * Exact: a hit is always verified byte by byte, and every occurrence is found (see `firstIn`).
 */

/** ASCII lower-casing of a byte (other bytes unchanged). */
export const FOLD = new Uint8Array(256);
for (let i = 0; i < 256; i++) FOLD[i] = i >= 65 && i <= 90 ? i + 32 : i;

const TRIPLE_BITS = 18;
/** Longer strides register more q-grams per literal, which makes the filter fire more often. */
const MAX_STRIDE = 6;

interface Probe extends GramProbe {
  /** Index of the literal in the list given to `buildQGrams`. */
  readonly id: number;
}

/** Registered q-grams of one size: a filter (non-zero where one hashes) and the probes by hash. */
interface Table {
  readonly filter: Uint8Array;
  readonly buckets: readonly (readonly Probe[] | undefined)[];
}

export interface QGramSet {
  /** Stride: every `s`-th position is probed. */
  readonly s: number;
  /** Byte pairs of the literals too short for triples at this stride, or null when none is. */
  readonly pairs: Table | null;
  /** Byte triples of the other literals, or null when there are none. */
  readonly triples: Table | null;
  readonly literals: readonly string[];
}

/** Hashes of the bytes (or char codes) at a position; the same functions for bytes and strings. */
function hash2(a: number, b: number): number {
  return ((a & 0xff) << 8) | (b & 0xff);
}
/** Multiplicative hashing: a weak mix here made common triples collide with literals' rare ones. */
function hash3(a: number, b: number, c: number): number {
  return Math.imul(((a & 0xff) << 16) | ((b & 0xff) << 8) | (c & 0xff), 0x9e3779b1) >>> (32 - TRIPLE_BITS);
}
function hashAt(q: 2 | 3, t: Uint8Array, i: number): number {
  return q === 2 ? hash2(t[i] as number, t[i + 1] as number) : hash3(t[i] as number, t[i + 1] as number, t[i + 2] as number);
}

/**
 * How common a folded byte is in web and Exchange logs, roughly (higher = more common). Used to
 * register each literal's rarest q-grams when no sample of the data is at hand.
 */
function commonness(b: number): number {
  if (b >= 48 && b <= 57) return 8; // digits: times, addresses, ports, ids
  if (' ./-:,+=&%_'.includes(String.fromCharCode(b))) return 6;
  if ('etaoinsr'.includes(String.fromCharCode(b))) return 5;
  if ('hldcumfpgwy'.includes(String.fromCharCode(b))) return 4;
  if (b >= 97 && b <= 122) return 2;
  return 1;
}
/**
 * `commonness` by byte: tables are built once per thread, before V8 optimizes, for hundreds of
 * literals. The word-gram filter (`word-grams.ts`) registers its grams by the same estimate.
 */
export const COMMONNESS = Uint8Array.from({ length: 256 }, (_, b) => commonness(b));

/** The byte and, for a lower-case ASCII letter, its upper-case spelling. */
export function spellings(b: number): readonly number[] {
  return b >= 97 && b <= 122 ? [b, b - 32] : [b];
}

/**
 * The stride for literals whose shortest is `minLength` bytes (at least 2): as long as triples
 * still fit the shortest (`minLength - 2`), except that 2- and 3-byte literals force pairs at
 * stride `minLength - 1`.
 */
export function qgramStride(minLength: number): number {
  if (minLength >= 4) return Math.min(MAX_STRIDE, minLength - 2);
  return Math.max(1, minLength - 1);
}

class TableBuilder {
  readonly filter: Uint8Array;
  readonly buckets: Probe[][] = [];
  used = false;

  constructor(readonly q: 2 | 3) {
    this.filter = new Uint8Array(q === 2 ? 1 << 16 : 1 << TRIPLE_BITS);
  }

  /** Registers the q-gram at `offset` of a literal, in every ASCII case spelling it may stand in the text. */
  add(probe: Probe): void {
    this.used = true;
    const { bytes, offset } = probe;
    for (const a of spellings(bytes[offset] as number)) {
      for (const b of spellings(bytes[offset + 1] as number)) {
        const hs = this.q === 2 ? [hash2(a, b)] : spellings(bytes[offset + 2] as number).map((c) => hash3(a, b, c));
        for (const h of hs) {
          this.filter[h] = 1;
          const bucket = (this.buckets[h] ??= []);
          if (!bucket.includes(probe)) bucket.push(probe);
        }
      }
    }
  }

  table(): Table | null {
    return this.used ? { filter: this.filter, buckets: this.buckets } : null;
  }
}

/**
 * Compiles lower-case ASCII literals of at least 2 bytes. `sample` (bytes of the data to be
 * searched) lets each literal register its q-grams where they are rarest in that data; without
 * it a fixed estimate of byte frequencies is used. Either way the result is exact.
 */
export function buildQGrams(literals: readonly string[], sample?: Uint8Array): QGramSet {
  const minLength = Math.min(...literals.map((l) => l.length));
  if (!(minLength >= 2)) throw new Error('q-gram literals need at least 2 bytes each');
  const s = qgramStride(minLength);
  const counts = sample && sample.length >= 4096 ? countQGrams(sample) : null;
  // Counts in the sample first; the fixed estimate breaks ties (q-grams the sample lacks).
  const cost = (q: 2 | 3, p: Uint8Array, i: number): number => {
    let c = 1;
    for (let j = 0; j < q; j++) c *= COMMONNESS[p[i + j] as number] as number;
    return counts ? (counts[q === 2 ? 0 : 1][hashAt(q, p, i)] as number) * 1024 + c : c;
  };
  const tables = { 2: new TableBuilder(2), 3: new TableBuilder(3) } as const;
  literals.forEach((literal, id) => {
    const bytes = Buffer.from(literal, 'latin1');
    const q: 2 | 3 = bytes.length >= s + 2 ? 3 : 2;
    // The window of s consecutive q-grams that is least common.
    let best = 0;
    let bestCost = Infinity;
    for (let o = 0; o + q + s - 1 <= bytes.length; o++) {
      let c = 0;
      for (let j = 0; j < s; j++) c += cost(q, bytes, o + j);
      if (c < bestCost) {
        bestCost = c;
        best = o;
      }
    }
    for (let j = 0; j < s; j++) tables[q].add({ bytes, offset: best + j, id });
  });
  return { s, pairs: tables[2].table(), triples: tables[3].table(), literals };
}

/**
 * How often each (hashed) pair and triple occurs in the sample, case folded. One plain loop: it
 * runs once per table, before V8 has optimized much, and a folded copy made with
 * `Uint8Array.from` and a mapping function took 20-40 ms of a scan thread per 256 KB sample.
 */
function countQGrams(sample: Uint8Array): [Uint32Array, Uint32Array] {
  const pairs = new Uint32Array(1 << 16);
  const triples = new Uint32Array(1 << TRIPLE_BITS);
  const n = sample.length;
  if (n < 2) return [pairs, triples];
  let a = FOLD[sample[0] as number] as number;
  let b = FOLD[sample[1] as number] as number;
  // hash2 and hash3 by hand (bytes need no masking): calls cost half again in unoptimized code.
  (pairs[(a << 8) | b] as number)++;
  for (let i = 2; i < n; i++) {
    const c = FOLD[sample[i] as number] as number;
    (pairs[(b << 8) | c] as number)++;
    (triples[Math.imul((a << 16) | (b << 8) | c, 0x9e3779b1) >>> (32 - TRIPLE_BITS)] as number)++;
    a = b;
    b = c;
  }
  return [pairs, triples];
}

/** A registered gram of a literal, as the verification needs it (the word-gram filter shares it). */
export interface GramProbe {
  /** The literal, lower-case bytes. */
  readonly bytes: Uint8Array;
  /** Where the registered gram starts in the literal. */
  readonly offset: number;
}

/**
 * Verifies the probes of one bucket at probe position `i`: the earliest occurrence lying wholly
 * in `t[from, to)` of a literal whose registered gram starts at `i`, or -1.
 */
export function verifyBytes(bucket: readonly GramProbe[], t: Uint8Array, i: number, from: number, to: number): number {
  let found = -1;
  for (const p of bucket) {
    const st = i - p.offset;
    const n = p.bytes.length;
    if (st < from || st + n > to || (found !== -1 && st >= found)) continue;
    let j = 0;
    while (j < n && FOLD[t[st + j] as number] === p.bytes[j]) j++;
    if (j === n) found = st;
  }
  return found;
}

/**
 * Start of an occurrence of some literal lying wholly in `t[from, to)`, or -1. Not always the
 * first occurrence, but always one in the first line that holds any (literals never span a line
 * feed), which is what the line prefilter needs: an occurrence registers `s` consecutive q-grams
 * inside itself, one of which starts on a probed position, and probes run in order, so an
 * occurrence in an earlier line is probed, and returned, first.
 */
export function firstIn(set: QGramSet, t: Uint8Array, from: number, to: number): number {
  const { s, pairs, triples } = set;
  if (pairs === null && triples !== null) {
    // The common case, kept apart so the loop holds one table lookup.
    const f3 = triples.filter;
    if (s === 2 && to - from >= 3) {
      // Stride 2: consecutive triples share a byte, so each probe loads two new ones.
      let c = t[from] as number;
      for (let i = from; i + 3 <= to; i += 2) {
        const a = c;
        const b = t[i + 1] as number;
        c = t[i + 2] as number;
        const h = Math.imul((a << 16) | (b << 8) | c, 0x9e3779b1) >>> (32 - TRIPLE_BITS);
        if (f3[h] === 0) continue;
        const found = verifyBytes(triples.buckets[h]!, t, i, from, to);
        if (found !== -1) return found;
      }
      return -1;
    }
    return firstTriple(triples, s, t, from, to);
  }
  for (let i = from; i + 2 <= to; i += s) {
    let found = -1;
    if (pairs !== null) {
      const h = ((t[i] as number) << 8) | (t[i + 1] as number);
      if (pairs.filter[h] !== 0) found = verifyBytes(pairs.buckets[h]!, t, i, from, to);
    }
    if (triples !== null && i + 3 <= to) {
      const h = hash3(t[i] as number, t[i + 1] as number, t[i + 2] as number);
      if (triples.filter[h] !== 0) {
        const other = verifyBytes(triples.buckets[h]!, t, i, from, to);
        if (other !== -1 && (found === -1 || other < found)) found = other;
      }
    }
    if (found !== -1) return found;
  }
  return -1;
}

/**
 * `firstIn` for triples alone at a stride of 3 or more. Two probes a round, tested with one
 * branch (most probes miss both): 345 -> 290 ms over the 1 GB demo's IIS logs with SigmaHQ's
 * webserver literals. Probes are still verified in order.
 */
function firstTriple(triples: Table, s: number, t: Uint8Array, from: number, to: number): number {
  const f3 = triples.filter;
  let i = from;
  for (; i + s + 3 <= to; i += 2 * s) {
    const j = i + s;
    const h = Math.imul(((t[i] as number) << 16) | ((t[i + 1] as number) << 8) | (t[i + 2] as number), 0x9e3779b1) >>> (32 - TRIPLE_BITS);
    const k = Math.imul(((t[j] as number) << 16) | ((t[j + 1] as number) << 8) | (t[j + 2] as number), 0x9e3779b1) >>> (32 - TRIPLE_BITS);
    if (((f3[h] as number) | (f3[k] as number)) === 0) continue;
    if (f3[h] !== 0) {
      const found = verifyBytes(triples.buckets[h]!, t, i, from, to);
      if (found !== -1) return found;
    }
    if (f3[k] !== 0) {
      const found = verifyBytes(triples.buckets[k]!, t, j, from, to);
      if (found !== -1) return found;
    }
  }
  if (i + 3 <= to) {
    const h = hash3(t[i] as number, t[i + 1] as number, t[i + 2] as number);
    if (f3[h] !== 0) return verifyBytes(triples.buckets[h]!, t, i, from, to);
  }
  return -1;
}

/** Verifies the probes of one bucket at `i` in a string, reporting every literal that occurs. */
function verifyString(bucket: readonly Probe[], text: string, i: number, found: (id: number) => void): void {
  for (const p of bucket) {
    const st = i - p.offset;
    const n = p.bytes.length;
    if (st < 0 || st + n > text.length) continue;
    let j = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(st + j);
      if ((c < 128 ? (FOLD[c] as number) : -1) !== p.bytes[j]) break;
    }
    if (j === n) found(p.id);
  }
}

/** Calls `found` with the index of every literal that occurs in `text` (possibly more than once). */
export function allInString(set: QGramSet, text: string, found: (id: number) => void): void {
  const { s, pairs, triples } = set;
  if (pairs === null && triples !== null) {
    // The common case, kept apart so the loop holds one table lookup (0.7 -> 0.6 µs per IIS line
    // with SigmaHQ's webserver literals). Char codes are not masked to bytes: any hash stays in
    // the table, and one from a character past ASCII can only send a probe to be verified in vain.
    const f3 = triples.filter;
    for (let i = 0; i + 3 <= text.length; i += s) {
      const h = Math.imul((text.charCodeAt(i) << 16) | (text.charCodeAt(i + 1) << 8) | text.charCodeAt(i + 2), 0x9e3779b1) >>> (32 - TRIPLE_BITS);
      if (f3[h] !== 0) verifyString(triples.buckets[h]!, text, i, found);
    }
    return;
  }
  for (let i = 0; i + 2 <= text.length; i += s) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    if (pairs !== null) {
      const h = hash2(a, b);
      if (pairs.filter[h] !== 0) verifyString(pairs.buckets[h]!, text, i, found);
    }
    if (triples !== null && i + 3 <= text.length) {
      const h = hash3(a, b, text.charCodeAt(i + 2));
      if (triples.filter[h] !== 0) verifyString(triples.buckets[h]!, text, i, found);
    }
  }
}
