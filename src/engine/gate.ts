/**
 * @module The per-detector literal gate of one record kind.
 *
 * The file-level prefilter lets a text-log line through when it holds the literal of *any*
 * detector of its kind; the gate then asks each detector only when the record's values hold one
 * of *its own* literals, so a line let through for one rule does not cost the evaluation of the
 * hundred others (Sigma rule packs, indicator sets).
 *
 * All literals of the kind are found in one pass over the record's search text (the line as read,
 * see `LogRecord.searchText`) with the same q-gram filter as the prefilter
 * (src/sources/lines/qgram.ts), on the same terms: a literal is searched by its anchor (longest
 * ASCII run without line breaks or quotes), ignoring ASCII case. A literal without a searchable run makes its detector
 * always asked. The filter's tables are built from a sample of the first records' values, so the
 * q-grams it probes for are the ones rare in this data.
 *
 * Sound for text logs because a detector's literals are substrings of the field values it can
 * match (see src/core/detector.ts), a literal holds its anchor, and a value's anchors stand in the
 * search text. A literal found across two values only asks a detector in vain.
 */
import type { Detector } from '../core/detector.js';
import type { LogRecord } from '../core/record.js';
import { literalAnchor } from '../sources/lines/literals.js';
import { allInString, buildQGrams, type QGramSet } from '../sources/lines/qgram.js';

/** Kinds whose records hold their values verbatim (text logs); event records are not gated. */
export const GATED_KINDS: ReadonlySet<string> = new Set(['iis', 'httpproxy', 'ecp', 'oab']);
/** Past this many distinct literals (million-indicator sets) the finder costs more than it saves. */
const MAX_LITERALS = 4096;
/** With few detectors, asking each costs less than finding the literals (exhunt's own pack). */
const MIN_DETECTORS = 12;
/** Characters of record values collected before the filter is rebuilt from them as a sample. */
const SAMPLE_CHARS = 128 * 1024;
/**
 * Anchors shorter than this would make the filter probe every other character (with pairs for
 * the shortest); up to `MAX_SHORT` of them are looked up one by one instead (see
 * {@link ShortAnchor}), which costs less than the probes they save.
 */
const SHORT_ANCHOR = 5;
const MAX_SHORT = 12;

/**
 * A short anchor with its longest run without ASCII letters (`={{` whole, the `<` of `<svg`) and
 * where that run starts in it. Anchors without letters are searched in the line as read (all of
 * them first with one RegExp, since most lines hold none); for the others the run is, and only
 * where it stands is a piece of the line lower-cased and compared. Lower-casing each line let
 * through and searching the copy took a quarter of the gate's time on IIS logs.
 *
 * The answer is the same as searching the whole lower-cased line: lower-casing leaves characters
 * that are no ASCII letter as they are, makes none of them from other characters, and turns each
 * character into one (`İ` into two, the second a combining mark), so an anchor found in the
 * lower-cased line is as many characters of the line lower-cased, with the run at the same place.
 */
interface ShortAnchor {
  readonly anchor: string;
  /** The run ('' when the anchor is letters only: then the whole line is lower-cased). */
  readonly screen: string;
  readonly at: number;
  readonly owners: readonly number[];
}

function shortAnchor(anchor: string, owners: readonly number[]): ShortAnchor {
  let screen = '';
  for (const run of anchor.split(/[a-z]+/)) if (run.length > screen.length) screen = run;
  return { anchor, screen, at: anchor.indexOf(screen), owners };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function holdsShort(text: string, a: ShortAnchor): boolean {
  if (a.screen === a.anchor) return text.includes(a.anchor);
  for (let p = text.indexOf(a.screen); p !== -1; p = text.indexOf(a.screen, p + 1)) {
    const start = p - a.at;
    if (start >= 0 && text.slice(start, start + a.anchor.length).toLowerCase().startsWith(a.anchor)) return true;
  }
  return false;
}

export class LiteralGate {
  /** Detectors asked whatever the record holds (no literals, or one that cannot be searched). */
  readonly #always: Uint8Array;
  /** Anchors searched by the filter, and for each (by index) the detectors that declare it. */
  readonly #anchors: readonly string[];
  readonly #owners: readonly (readonly number[])[];
  /** Short anchors looked up one by one, with their detectors (see {@link ShortAnchor}). */
  readonly #short: readonly ShortAnchor[];
  /** Whether a line may hold one of the short anchors without letters (most lines hold none). */
  readonly #letterless: RegExp | null;
  #set: QGramSet | null;
  readonly #usable: boolean;
  /** The answer of `wanted`, reused from record to record (read before the next call). */
  readonly #out: Uint8Array;
  /** Text seen so far, while the filter still runs on its built-in frequency estimate. */
  #sample: string[] | null = [];
  #sampled = 0;

  constructor(detectors: readonly Detector[]) {
    const always = new Uint8Array(detectors.length);
    const ids = new Map<string, number>();
    const owners: number[][] = [];
    const literals = new Set<string>();
    for (const d of detectors) if (d.literals) for (const l of d.literals) literals.add(l);
    const usable = detectors.length >= MIN_DETECTORS && literals.size > 0 && literals.size <= MAX_LITERALS;
    detectors.forEach((d, i) => {
      const anchors = usable && d.literals ? d.literals.map(literalAnchor) : null;
      // A detector with a column probe may match a record that holds none of its literals.
      if (!anchors || anchors.some((a) => a.length < 2) || d.probe !== undefined) {
        always[i] = 1;
        return;
      }
      for (const a of anchors) {
        let id = ids.get(a);
        if (id === undefined) {
          id = owners.length;
          ids.set(a, id);
          owners.push([]);
        }
        const list = owners[id]!;
        if (list[list.length - 1] !== i) list.push(i);
      }
    });
    this.#always = always;
    this.#out = new Uint8Array(detectors.length);
    const all = [...ids.entries()].map(([anchor, id]) => ({ anchor, owners: owners[id]! }));
    const short = all.filter((a) => a.anchor.length < SHORT_ANCHOR);
    this.#short = short.length <= MAX_SHORT ? short.map((a) => shortAnchor(a.anchor, a.owners)) : [];
    const letterless = this.#short.filter((a) => a.screen === a.anchor);
    this.#letterless = letterless.length > 1 ? new RegExp(letterless.map((a) => escapeRegExp(a.anchor)).join('|')) : null;
    const long = short.length <= MAX_SHORT ? all.filter((a) => a.anchor.length >= SHORT_ANCHOR) : all;
    this.#anchors = long.map((a) => a.anchor);
    this.#owners = long.map((a) => a.owners);
    this.#set = this.#anchors.length > 0 ? buildQGrams(this.#anchors) : null;
    if (this.#set === null) this.#sample = null;
    this.#usable = usable && all.length > 0;
  }

  /** Whether the gate can skip detectors for this record. */
  applies(record: LogRecord): boolean {
    return this.#usable && record.searchText !== undefined;
  }

  /**
   * Which detectors must be asked about the record: a flag per detector index (those without
   * searchable literals always, the others when one of their anchors occurs). The array is
   * reused by the next call.
   */
  wanted(record: LogRecord): Uint8Array {
    const out = this.#out;
    out.set(this.#always);
    if (!this.#usable || !record.searchText) return out.fill(1);
    const owners = this.#owners;
    const text = record.searchText();
    if (this.#set) {
      allInString(this.#set, text, (id) => {
        for (const i of owners[id]!) out[i] = 1;
      });
    }
    let lower: string | null = null;
    const anyLetterless = this.#letterless === null || this.#letterless.test(text);
    for (const a of this.#short) {
      if (!anyLetterless && a.screen === a.anchor) continue;
      let found: boolean;
      if (a.screen === '') {
        // Lower-casing beyond ASCII can only add matches (ask a detector in vain), never lose one.
        lower ??= text.toLowerCase();
        found = lower.includes(a.anchor);
      } else found = holdsShort(text, a);
      if (found) for (const i of a.owners) out[i] = 1;
    }
    if (this.#sample) this.#collect(text);
    return out;
  }

  /** Keeps text until there is enough to rebuild the filter with this data's q-gram counts. */
  #collect(text: string): void {
    const sample = this.#sample!;
    sample.push(text);
    this.#sampled += text.length;
    if (this.#sampled < SAMPLE_CHARS) return;
    this.#sample = null;
    this.#set = buildQGrams(this.#anchors, Buffer.from(sample.join('\n'), 'latin1'));
  }
}
