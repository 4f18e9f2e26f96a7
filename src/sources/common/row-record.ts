/**
 * @module Rows of tabular logs (Exchange CSV, IIS W3C) as records that keep their line and cut a
 * value out of it only when a detector asks for it.
 *
 * A record is made only for lines the prefilter let through, and most of those still match no
 * rule after reading two or three of their fields; splitting every such line into its 20 to 73
 * values (and allocating them) was the largest part of a scan's parsing time. The parser finds
 * where the values end in one pass (it needs their count to reject malformed rows anyway), and
 * the record reads them from there. For any field name it answers exactly what a
 * `TabularRecord` built from the split values answers (`get` case-insensitively, `undefined` for
 * a name that is neither a column nor an extra field; `fields()` in column order, then extras;
 * `values()` the column values, then the extras').
 */
import type { Columns, LogRecord } from '../../core/record.js';
import type { Origin, RecordKind } from '../../core/origin.js';

/** The value of the cell `text[start, end)`, as the format reads it (unquoted, `-` as empty...). */
export type CellReader = (text: string, start: number, end: number) => string;

/** Derived fields beside the columns (ECP's EventData pairs), computed on first use. */
export type ExtraFields = (row: RowRecord) => Readonly<Record<string, string>> | undefined;

export class RowRecord implements LogRecord {
  readonly kind: RecordKind;
  readonly origin: Origin;
  readonly time: string | null;
  readonly columns: Columns;
  readonly #text: string;
  readonly #ends: readonly number[];
  readonly #read: CellReader;
  readonly #extraOf: ExtraFields | undefined;
  #extra: Readonly<Record<string, string>> | undefined | null = null;

  /**
   * @param ends where each value ends in `text` (exclusive; the next value starts one character
   *   later, after its separator); one entry per column.
   */
  constructor(
    kind: RecordKind,
    origin: Origin,
    time: string | null,
    columns: Columns,
    text: string,
    ends: readonly number[],
    read: CellReader,
    extra?: ExtraFields,
  ) {
    this.kind = kind;
    this.origin = origin;
    this.time = time;
    this.columns = columns;
    this.#text = text;
    this.#ends = ends;
    this.#read = read;
    this.#extraOf = extra;
  }

  /** Value of column `i` ('' past the last value). */
  value(i: number): string {
    const ends = this.#ends;
    if (i < 0 || i >= ends.length) return '';
    return this.#read(this.#text, i === 0 ? 0 : (ends[i - 1] as number) + 1, ends[i] as number);
  }

  get(name: string): string | undefined {
    const i = this.columns.indexOf(name);
    if (i !== undefined) return this.value(i);
    const extra = this.#extras();
    return extra === undefined ? undefined : lookupInsensitive(extra, name);
  }

  fields(): Record<string, string> {
    const out: Record<string, string> = {};
    this.columns.names.forEach((n, i) => {
      out[n] = this.value(i);
    });
    const extra = this.#extras();
    if (extra !== undefined) Object.assign(out, extra);
    return out;
  }

  values(): readonly string[] {
    const out = this.columns.names.map((_, i) => this.value(i));
    const extra = this.#extras();
    if (extra !== undefined) out.push(...Object.values(extra));
    return out;
  }

  /**
   * The row as read (a value's runs without quotes stand in it verbatim, however the format
   * quotes it), then the derived fields.
   */
  searchText(): string {
    const extra = this.#extras();
    return extra === undefined ? this.#text : `${this.#text}\n${Object.values(extra).join('\n')}`;
  }

  #extras(): Readonly<Record<string, string>> | undefined {
    if (this.#extra === null) this.#extra = this.#extraOf?.(this);
    return this.#extra;
  }
}

/**
 * Ends of the values of `text` separated by `sep` (a single character), for {@link RowRecord}.
 * `text.split(sep)` has one value per entry.
 */
export function separatorEnds(text: string, sep: string): number[] {
  const ends: number[] = [];
  let i = text.indexOf(sep);
  while (i !== -1) {
    ends.push(i);
    i = text.indexOf(sep, i + 1);
  }
  ends.push(text.length);
  return ends;
}

function lookupInsensitive(obj: Readonly<Record<string, string>>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
