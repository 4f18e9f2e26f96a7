/**
 * @module The contract between the importer and the format readers (one folder per format).
 *
 * A reader gets the whole decoded text of one input plus an {@link Emitter}; it reports every
 * item it meets either as an indicator (the emitter normalises it and may still refuse it) or as
 * a skip with a reason and a location. Readers never write to the store themselves and never
 * throw for one bad item; they throw {@link FormatError} only when the input as a whole cannot be
 * read as their format (then nothing of it is written).
 */
import type { IndicatorAttrs, IndicatorType, ItemLocation, ProvenanceInput, Tlp } from '../model.js';

export const FORMAT_NAMES = ['stix', 'misp', 'csv', 'text', 'loki', 'chirp', 'pack'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export function isFormatName(s: string): s is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(s);
}

/** The whole input cannot be read as the format (malformed JSON, wrong version...). */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly at?: ItemLocation,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/** Skip reason codes (stable, counted in reports). */
export type SkipCode =
  | 'invalid-value'
  | 'not-an-indicator'
  | 'unsupported-type'
  | 'pattern-syntax'
  | 'unknown-object-path'
  | 'not-to-ids'
  | 'deleted'
  | 'no-value'
  | 'line-too-long'
  | 'bad-row'
  | 'bad-object'
  | 'unsupported-pattern-type';

/** Values an import applies to items that do not carry their own (CLI flags, feed settings). */
export interface ImportDefaults {
  /** Applied as "at least this restrictive": an item marked stricter keeps its own level. */
  readonly tlp?: Tlp | null;
  readonly confidence?: number | null;
  readonly tags?: readonly string[];
}

/** Format-specific options from the command line or a feed's settings. */
export interface FormatOptions {
  /** CSV column mapping: `value`, `type`, `tlp`, `first_seen`, ... → header name or 1-based index. */
  readonly csvMap?: Readonly<Record<string, string>>;
  /** Type of every row/line when the input does not say (CSV without a type column, text). */
  readonly type?: IndicatorType;
  /** MISP: also import attributes whose `to_ids` is false. */
  readonly mispAll?: boolean;
  /** LOKI: which list the file is (`hash`, `filename`, `c2`), when its name does not say. */
  readonly lokiKind?: 'hash' | 'filename' | 'c2';
}

export interface Emitter {
  /** Normalises `raw` as `type` and adds it; on a bad value records a skip. Returns whether added. */
  indicator(type: IndicatorType, raw: string, at: ItemLocation, provenance: ProvenanceInput, attrs?: IndicatorAttrs | null): Promise<boolean>;
  /** Infers the type of `raw` first (untyped lists). */
  infer(raw: string, at: ItemLocation, provenance: ProvenanceInput): Promise<boolean>;
  skip(code: SkipCode, message: string, at: ItemLocation): void;
  warn(message: string, at: ItemLocation): void;
  /** Counts an object version that was ignored because a newer one is in the same input. */
  superseded(at: ItemLocation): void;
}

export interface ReadContext {
  /** Name used in locations (the path or URL as given). */
  readonly file: string;
  readonly options: FormatOptions;
  /** Reads a file next to the input (MISP feed events); null when there is no such file. */
  readonly sibling?: (name: string) => Promise<string | null>;
}

export interface FormatReader {
  readonly name: FormatName;
  read(text: string, ctx: ReadContext, emit: Emitter): Promise<void>;
}
