/**
 * @module Runs a detector's {@link ColumnProbe} on a raw line of a tabular log (IIS W3C, Exchange
 * CSV), for the line scanner: a line that holds no prefilter literal is still handed over when a
 * probe says one of its values might match (see `LineVisitor.probe`).
 *
 * The values are cut out of the bytes the way the parser cuts them out of the decoded line
 * (`separatorEnds` for W3C, `csvValueEnds` for CSV); separators and quotes are ASCII, which never
 * occurs inside a UTF-8 sequence, so byte and character positions agree. Only the values a probe
 * reads, and those before them, are walked: a CSV line from its start, skipping values a 32-bit
 * word at a time while no quote is in sight; a W3C line from whichever end is nearer. Where
 * cutting a value out exactly would take more than this (a CSV value with a doubled quote or text
 * after its closing quote, a W3C line's trailing non-ASCII blanks) the line is simply handed over.
 * Every line this probe lets through, like every line with a literal, is parsed and matched in
 * full, so the probe can only cost time, never a finding, as long as it passes every line whose
 * values might match (tested against the parsers' own cutting on random lines).
 */
import type { ColumnProbe } from '../../core/detector.js';
import type { Columns } from '../../core/record.js';
import { wordGramsUsable, wordsOf } from '../lines/word-grams.js';

const QUOTE = 34;
const COMMA = 44;
const SPACE = 32;
const DASH = 45;

export type ColumnSyntax = 'w3c' | 'csv';

/** Whether CSV values may be skipped four bytes at a time (little-endian words). */
const WORDS = wordGramsUsable();

/** Bindings by probe list and header: a triage folder holds thousands of logs with the same few headers. */
const bound = new WeakMap<readonly ColumnProbe[], WeakMap<Columns, BoundColumnProbe>>();

/** One or more probes bound to the columns of one header. */
export class BoundColumnProbe {
  /** For each value position up to the last one read: the (probe, column) pairs reading it. */
  readonly #readers: readonly (readonly (readonly [ColumnProbe, number])[] | undefined)[];
  readonly #csv: boolean;
  /** Columns the header names. */
  readonly #width: number;
  /**
   * W3C values never hold a space, so a line can be cut from its end as well; from there when
   * the columns read lie nearer the end (IIS's `c-ip` and `cs(User-Agent)` are 6 and 5 values
   * from it, behind the long query string from the front).
   */
  readonly #fromEnd: boolean;
  /** The first column read. */
  readonly #first: number;
  /** The columns read, in order. */
  readonly #read: readonly number[];

  private constructor(readers: readonly (readonly (readonly [ColumnProbe, number])[] | undefined)[], syntax: ColumnSyntax, width: number) {
    this.#readers = readers;
    this.#csv = syntax === 'csv';
    this.#width = width;
    this.#first = readers.findIndex((r) => r !== undefined);
    this.#read = readers.flatMap((r, i) => (r !== undefined ? [i] : []));
    this.#fromEnd = !this.#csv && this.#first !== -1 && width - 1 - this.#first < readers.length - 1;
  }

  /**
   * Binds probes to a header. Columns the header lacks are never read (the record has no such
   * value either), so a probe none of whose columns exists never lets a line through.
   */
  static bind(probes: readonly ColumnProbe[], columns: Columns, syntax: ColumnSyntax): BoundColumnProbe {
    let byColumns = bound.get(probes);
    if (!byColumns) bound.set(probes, (byColumns = new WeakMap()));
    let b = byColumns.get(columns);
    if (!b || b.#csv !== (syntax === 'csv')) byColumns.set(columns, (b = BoundColumnProbe.#bind(probes, columns, syntax)));
    return b;
  }

  static #bind(probes: readonly ColumnProbe[], columns: Columns, syntax: ColumnSyntax): BoundColumnProbe {
    const readers: [ColumnProbe, number][][] = [];
    for (const p of probes) {
      p.columns.forEach((name, k) => {
        const i = columns.indexOf(name);
        if (i !== undefined) (readers[i] ??= []).push([p, k]);
      });
    }
    return new BoundColumnProbe(Array.from(readers), syntax, columns.names.length);
  }

  /** Whether a probe might match the line `buf[start, end)` (no line terminator). */
  test(buf: Buffer, start: number, end: number): boolean {
    if (this.#readers.length === 0) return false;
    const csv = this.#csv;
    if (!csv && buf[end - 1] === SPACE && end > start) {
      // The parser trims a W3C line that ends in a space (JavaScript's trimEnd).
      while (end > start && isAsciiBlank(buf[end - 1] as number)) end--;
      if (end > start && (buf[end - 1] as number) >= 0x80) return true; // perhaps a Unicode blank
    }
    if (this.#fromEnd) return this.#testFromEnd(buf, start, end);
    if (csv && WORDS) return this.#testCsvWords(buf, start, end);
    return this.#walk(buf, start, end);
  }

  /**
   * `test` for a CSV line, skipping the values between those read four bytes at a time: a word's
   * commas are counted at once. A double quote anywhere on the way hands the line to `#walk`,
   * which reads quoting exactly (quotes are rare in Exchange logs but for user agents).
   */
  #testCsvWords(buf: Buffer, start: number, end: number): boolean {
    const readers = this.#readers;
    const words = wordsOf(buf);
    const base = buf.byteOffset;
    let p = start;
    let col = 0;
    for (const target of this.#read) {
      if (target > col) {
        p = skipValues(buf, words, base, p, end, target - col);
        if (p === NOT_ENOUGH) return false; // fewer values than the header names: not a record
        if (p === QUOTED) return this.#walk(buf, start, end);
      }
      if (buf[p] === QUOTE && p < end) return this.#walk(buf, start, end);
      const next = skipValues(buf, words, base, p, end, 1);
      if (next === QUOTED) return this.#walk(buf, start, end);
      if (ask(readers[target]!, buf, p, next === NOT_ENOUGH ? end : next - 1)) return true;
      if (next === NOT_ENOUGH) return false; // the line ends here; a later column read is missing
      p = next;
      col = target + 1;
    }
    return false;
  }

  /** `test` byte by byte, reading CSV quoting exactly. */
  #walk(buf: Buffer, start: number, end: number): boolean {
    const readers = this.#readers;
    const last = readers.length - 1;
    const csv = this.#csv;
    const sep = csv ? COMMA : SPACE;
    let p = start;
    for (let col = 0; col <= last; col++) {
      if (p > end) return false; // fewer values than the header names: the row is not a record
      const wanted = readers[col];
      let vs = p;
      let ve: number;
      if (csv && buf[p] === QUOTE) {
        // A quoted value: commas up to the closing quote are text.
        let j = p + 1;
        let doubled = false;
        for (;;) {
          if (j >= end) return true; // no closing quote on this line: let the parser decide
          if (buf[j] === QUOTE) {
            if (buf[j + 1] === QUOTE && j + 1 < end) {
              doubled = true;
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        let next = j + 1;
        if (wanted !== undefined && (doubled || (next < end && buf[next] !== COMMA))) return true;
        vs = p + 1;
        ve = j;
        while (next < end && buf[next] !== COMMA) next++;
        p = next + 1;
      } else {
        let j = p;
        while (j < end && buf[j] !== sep) j++;
        ve = csv ? j : w3cValueEnd(buf, vs, j);
        p = j + 1;
      }
      if (wanted !== undefined && ask(wanted, buf, vs, ve)) return true;
    }
    return false;
  }

  /**
   * `test` for a W3C line (trimmed already), walking its values from the last one back. A line
   * with another number of values than the header names is not a record, so reading its values
   * by position from either end is as good as any.
   */
  #testFromEnd(buf: Buffer, start: number, end: number): boolean {
    const readers = this.#readers;
    let ve = end;
    for (let col = this.#width - 1; col >= 0; col--) {
      if (ve < start) return false; // fewer values than the header names
      let vs = ve;
      while (vs > start && buf[vs - 1] !== SPACE) vs--;
      const wanted = col < readers.length ? readers[col] : undefined;
      if (wanted !== undefined && ask(wanted, buf, vs, w3cValueEnd(buf, vs, ve))) return true;
      if (col <= this.#first) return false;
      ve = vs - 1;
    }
    return false;
  }
}

/** Whether one of the probes reading a value says it might match. */
function ask(readers: readonly (readonly [ColumnProbe, number])[], buf: Buffer, start: number, end: number): boolean {
  for (let r = 0; r < readers.length; r++) {
    const [probe, k] = readers[r]!;
    if (probe.test(k, buf, start, end)) return true;
  }
  return false;
}

/** The end of a W3C value as the record reads it: IIS writes `-` for an empty value. */
function w3cValueEnd(buf: Buffer, start: number, end: number): number {
  return end - start === 1 && buf[start] === DASH ? start : end;
}

/** {@link skipValues}: the line ends before that many commas. */
const NOT_ENOUGH = -1;
/** {@link skipValues}: a double quote stands before them. */
const QUOTED = -2;

/** Bit 7 of each byte of `v` that is zero (exact: no borrow from one byte into the next). */
function zeroBytes(v: number): number {
  return ~(((v & 0x7f7f7f7f) + 0x7f7f7f7f) | v) & 0x80808080;
}

/**
 * The position after the `n`-th comma from `p` in `buf[p, end)`, or {@link NOT_ENOUGH}, or
 * {@link QUOTED} when a double quote comes first. Whole words of the line are read at once.
 */
function skipValues(buf: Buffer, words: Uint32Array, base: number, p: number, end: number, n: number): number {
  while (p < end && ((base + p) & 3) !== 0) {
    const c = buf[p++];
    if (c === QUOTE) return QUOTED;
    if (c === COMMA && --n === 0) return p;
  }
  const lastWord = ((base + end) >>> 2) - 1;
  let k = (base + p) >>> 2;
  for (; k <= lastWord; k++) {
    const w = words[k] as number;
    if (zeroBytes(w ^ 0x22222222) !== 0) break; // a quote: read this word byte by byte
    const commas = zeroBytes(w ^ 0x2c2c2c2c);
    if (commas !== 0) {
      const count = Math.imul(commas >>> 7, 0x01010101) >>> 24;
      if (count >= n) break; // the n-th comma is in this word
      n -= count;
    }
  }
  p = Math.max(p, k * 4 - base);
  while (p < end) {
    const c = buf[p++];
    if (c === QUOTE) return QUOTED;
    if (c === COMMA && --n === 0) return p;
  }
  return NOT_ENOUGH;
}

/** Whether byte `b` is a blank JavaScript's `trimEnd` removes (ASCII ones; see `test`). */
function isAsciiBlank(b: number): boolean {
  return b === SPACE || (b >= 9 && b <= 13);
}
