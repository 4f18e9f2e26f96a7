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

export class LiteralGate {
  /** Detectors asked whatever the record holds (no literals, or one that cannot be searched). */
  readonly #always: Uint8Array;
  /** Anchors, and for each (by index) the detectors that declare a literal with it. */
  readonly #anchors: readonly string[];
  readonly #owners: readonly (readonly number[])[];
  #set: QGramSet | null;
  /** The answer of `wanted`, reused from record to record (read before the next call). */
  readonly #out: Uint8Array;
  /** Text seen so far, while the filter still runs on its built-in frequency estimate. */
  #sample: string[] | null = [];
  #sampled = 0;

  constructor(detectors: readonly Detector[]) {
    const always = new Uint8Array(detectors.length);
    const ids = new Map<string, number>();
    const owners: number[][] = [];
    const all = new Set<string>();
    for (const d of detectors) if (d.literals) for (const l of d.literals) all.add(l);
    const usable = detectors.length >= MIN_DETECTORS && all.size > 0 && all.size <= MAX_LITERALS;
    detectors.forEach((d, i) => {
      const anchors = usable && d.literals ? d.literals.map(literalAnchor) : null;
      if (!anchors || anchors.some((a) => a.length < 2)) {
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
    this.#anchors = [...ids.keys()];
    this.#owners = owners;
    this.#set = this.#anchors.length > 0 ? buildQGrams(this.#anchors) : null;
    if (this.#set === null) this.#sample = null;
  }

  /** Whether the gate can skip detectors for this record. */
  applies(record: LogRecord): boolean {
    return this.#set !== null && record.searchText !== undefined;
  }

  /**
   * Which detectors must be asked about the record: a flag per detector index (those without
   * searchable literals always, the others when one of their anchors occurs). The array is
   * reused by the next call.
   */
  wanted(record: LogRecord): Uint8Array {
    const out = this.#out;
    out.set(this.#always);
    const set = this.#set;
    if (!set || !record.searchText) return out.fill(1);
    const owners = this.#owners;
    const text = record.searchText();
    allInString(set, text, (id) => {
      for (const i of owners[id]!) out[i] = 1;
    });
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
