/**
 * @module Runs a detector's {@link ColumnProbe} on a raw line of a tabular log (IIS W3C, Exchange
 * CSV), for the line scanner: a line that holds no prefilter literal is still handed over when a
 * probe says one of its values might match (see `LineVisitor.probe`).
 *
 * The values are cut out of the bytes the way the parser cuts them out of the decoded line
 * (`separatorEnds` for W3C, `csvValueEnds` for CSV); separators and quotes are ASCII, which never
 * occurs inside a UTF-8 sequence, so byte and character positions agree. Only the values up to
 * the last one a probe reads are walked. Where cutting a value out exactly would take more than
 * this (a CSV value with a doubled quote or text after its closing quote, a W3C line's trailing
 * non-ASCII blanks) the line is simply handed over.
 */
import type { ColumnProbe } from '../../core/detector.js';
import type { Columns } from '../../core/record.js';

const QUOTE = 34;
const COMMA = 44;
const SPACE = 32;
const DASH = 45;

export type ColumnSyntax = 'w3c' | 'csv';

/** Bindings by probe list and header: a triage folder holds thousands of logs with the same few headers. */
const bound = new WeakMap<readonly ColumnProbe[], WeakMap<Columns, BoundColumnProbe>>();

/** One or more probes bound to the columns of one header. */
export class BoundColumnProbe {
  /** For each value position up to the last one read: the (probe, column) pairs reading it. */
  readonly #readers: readonly (readonly (readonly [ColumnProbe, number])[] | undefined)[];
  readonly #csv: boolean;

  private constructor(readers: readonly (readonly (readonly [ColumnProbe, number])[] | undefined)[], syntax: ColumnSyntax) {
    this.#readers = readers;
    this.#csv = syntax === 'csv';
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
    return new BoundColumnProbe(Array.from(readers), syntax);
  }

  /** Whether a probe might match the line `buf[start, end)` (no line terminator). */
  test(buf: Buffer, start: number, end: number): boolean {
    const readers = this.#readers;
    const last = readers.length - 1;
    if (last < 0) return false;
    const csv = this.#csv;
    const sep = csv ? COMMA : SPACE;
    if (!csv && buf[end - 1] === SPACE && end > start) {
      // The parser trims a W3C line that ends in a space (JavaScript's trimEnd).
      while (end > start && isAsciiBlank(buf[end - 1] as number)) end--;
      if (end > start && (buf[end - 1] as number) >= 0x80) return true; // perhaps a Unicode blank
    }
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
        ve = j;
        p = j + 1;
        // IIS writes `-` for an empty value.
        if (!csv && ve - vs === 1 && buf[vs] === DASH) ve = vs;
      }
      if (wanted !== undefined) {
        for (let r = 0; r < wanted.length; r++) {
          const [probe, k] = wanted[r]!;
          if (probe.test(k, buf, vs, ve)) return true;
        }
      }
    }
    return false;
  }
}

function isAsciiBlank(b: number): boolean {
  return b === SPACE || (b >= 9 && b <= 13);
}
