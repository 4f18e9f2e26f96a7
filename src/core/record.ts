/**
 * @module Records: one log line or one file, as named fields plus its origin and time.
 *
 * Field names are looked up case-insensitively, because Exchange builds spell columns
 * differently (`ClientIpAddress` in the header, `ClientIPAddress` in Microsoft's scripts).
 */
import type { Origin, RecordKind } from './origin.js';

export interface LogRecord {
  readonly kind: RecordKind;
  readonly origin: Origin;
  /** Event time as ISO 8601 UTC (`2021-03-03T04:05:06.789Z`), or null when the record has none. */
  readonly time: string | null;
  /**
   * Value of a field by name, case-insensitively. `undefined` when the record has no such field;
   * empty string when the field is present but empty (W3C's `-` is read as empty).
   */
  get(name: string): string | undefined;
  /** All fields, names as the source spells them. Allocates: for evidence, not for matching. */
  fields(): Record<string, string>;
  /**
   * One string holding every field value's searchable runs (ASCII without line breaks or double
   * quotes: what `literalAnchor` keeps), for the engine's per-detector literal gate (a detector
   * none of whose literals occurs cannot match). For a log line this is the line as read, with no
   * copy; values are never joined across such a run. Optional: records without it are always
   * handed to every detector of their kind.
   */
  searchText?(): string;
}

/**
 * A column layout shared by all rows of one header: the names as written plus a lower-case index.
 * Building it once per header keeps per-row cost to one array of strings.
 */
export class Columns {
  readonly names: readonly string[];
  readonly #index = new Map<string, number>();
  /** Names as written, each to the index its lower-case form has (so both agree on repeats). */
  readonly #exact = new Map<string, number>();

  constructor(names: readonly string[]) {
    this.names = names;
    names.forEach((n, i) => {
      const key = n.toLowerCase();
      // First occurrence wins when a header repeats a name.
      if (!this.#index.has(key)) this.#index.set(key, i);
    });
    for (const n of names) if (!this.#exact.has(n)) this.#exact.set(n, this.#index.get(n.toLowerCase())!);
  }

  indexOf(name: string): number | undefined {
    // Rules ask by the names they were written with, mostly as the header spells them: the
    // exact spelling is tried first, sparing a lower-cased copy of the name per lookup.
    const exact = this.#exact.get(name);
    return exact !== undefined ? exact : this.#index.get(name.toLowerCase());
  }
}

/** A row of a tabular log (W3C, Exchange CSV): values positioned by a shared `Columns`. */
export class TabularRecord implements LogRecord {
  readonly kind: RecordKind;
  readonly origin: Origin;
  readonly time: string | null;
  readonly #columns: Columns;
  readonly #values: readonly string[];
  readonly #extra: Readonly<Record<string, string>> | undefined;

  /**
   * @param extra derived fields a parser adds beside the columns (for example the `S:CMD` pairs
   *   of ECP EventData); they are looked up after the columns.
   */
  constructor(
    kind: RecordKind,
    origin: Origin,
    time: string | null,
    columns: Columns,
    values: readonly string[],
    extra?: Readonly<Record<string, string>>,
  ) {
    this.kind = kind;
    this.origin = origin;
    this.time = time;
    this.#columns = columns;
    this.#values = values;
    this.#extra = extra;
  }

  get(name: string): string | undefined {
    const i = this.#columns.indexOf(name);
    if (i !== undefined) return this.#values[i] ?? '';
    if (this.#extra) return lookupInsensitive(this.#extra, name);
    return undefined;
  }

  fields(): Record<string, string> {
    const out: Record<string, string> = {};
    this.#columns.names.forEach((n, i) => {
      out[n] = this.#values[i] ?? '';
    });
    if (this.#extra) Object.assign(out, this.#extra);
    return out;
  }

  values(): readonly string[] {
    return this.#extra ? [...this.#values, ...Object.values(this.#extra)] : this.#values;
  }

  searchText(): string {
    return this.values().join('\n');
  }
}

/** A record whose fields are a plain object (files, free-text log lines). */
export class MapRecord implements LogRecord {
  readonly kind: RecordKind;
  readonly origin: Origin;
  readonly time: string | null;
  readonly #fields: Readonly<Record<string, string>>;
  readonly #lower: Map<string, string>;

  constructor(kind: RecordKind, origin: Origin, time: string | null, fields: Readonly<Record<string, string>>) {
    this.kind = kind;
    this.origin = origin;
    this.time = time;
    this.#fields = fields;
    this.#lower = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  }

  get(name: string): string | undefined {
    return this.#lower.get(name.toLowerCase());
  }

  fields(): Record<string, string> {
    return { ...this.#fields };
  }

  values(): readonly string[] {
    return Object.values(this.#fields);
  }

  searchText(): string {
    return this.values().join('\n');
  }
}

function lookupInsensitive(obj: Readonly<Record<string, string>>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
