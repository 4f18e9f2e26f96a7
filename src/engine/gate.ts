/**
 * @module The per-detector literal gate of one record kind.
 *
 * The file-level prefilter lets a text-log line through when it holds the literal of *any*
 * detector of its kind; the gate then asks each detector only when the record's values hold one
 * of *its own* literals, so a line let through for one rule does not cost the evaluation of the
 * hundred others (Sigma rule packs, indicator sets).
 *
 * All literals of the kind are found in one pass: a RegExp of lookaheads, tried at every position,
 * gives the longest literal starting there; the shorter ones starting at the same position are
 * its prefixes, listed ahead of time. That is every literal occurring in the text, exactly.
 *
 * Sound for text logs because a detector's literals are substrings of the field values it can
 * match (see src/core/detector.ts); values are joined with NUL, which no literal contains.
 */
import type { Detector } from '../core/detector.js';
import type { LogRecord } from '../core/record.js';

/** Kinds whose records hold their values verbatim (text logs); event records are not gated. */
export const GATED_KINDS: ReadonlySet<string> = new Set(['iis', 'httpproxy', 'ecp', 'oab']);
/** Past this many distinct literals (million-indicator sets) the finder costs more than it saves. */
const MAX_LITERALS = 4096;
/** With few detectors, asking each costs less than finding the literals (exhunt's own pack). */
const MIN_DETECTORS = 12;

export class LiteralGate {
  /** Detector index → its literals, or null when it is always asked. */
  readonly #wants: readonly (readonly string[] | null)[];
  readonly #finder: RegExp | null;
  /** Literal → the other literals that are its prefixes (found at the same position). */
  readonly #prefixes: ReadonlyMap<string, readonly string[]>;
  /** Literal → indices of the detectors that declare it. */
  readonly #owners: ReadonlyMap<string, readonly number[]>;

  constructor(detectors: readonly Detector[]) {
    const all = new Set<string>();
    for (const d of detectors) if (d.literals) for (const l of d.literals) all.add(l);
    const usable = detectors.length >= MIN_DETECTORS && all.size > 0 && all.size <= MAX_LITERALS && ![...all].some((l) => l === '' || l.includes('\u0000'));
    this.#wants = detectors.map((d) => (usable ? d.literals : null));
    const owners = new Map<string, number[]>();
    this.#owners = owners;
    if (!usable) {
      this.#finder = null;
      this.#prefixes = new Map();
      return;
    }
    detectors.forEach((d, i) => {
      for (const l of d.literals ?? []) {
        const list = owners.get(l);
        if (list) list.push(i);
        else owners.set(l, [i]);
      }
    });
    const sorted = [...all].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.#finder = new RegExp(`(?=(${sorted.map(escapeRegExp).join('|')}))`, 'g');
    const prefixes = new Map<string, string[]>();
    for (const l of sorted) {
      const p = sorted.filter((x) => x.length < l.length && l.startsWith(x));
      if (p.length > 0) prefixes.set(l, p);
    }
    this.#prefixes = prefixes;
  }

  /** Whether the gate can skip detectors for this record. */
  applies(record: LogRecord): boolean {
    return this.#finder !== null && record.values !== undefined;
  }

  /** Every literal of the kind that occurs in the record's values (lower-cased). */
  found(record: LogRecord): ReadonlySet<string> {
    const out = new Set<string>();
    const re = this.#finder;
    if (!re || !record.values) return out;
    const text = record.values().join('\u0000').toLowerCase();
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const lit = m[1]!;
      out.add(lit);
      for (const p of this.#prefixes.get(lit) ?? []) out.add(p);
      re.lastIndex = m.index + 1;
    }
    return out;
  }

  /**
   * Which detectors must be asked, given the literals found in the record: a flag per detector
   * index (those without literals always, the others when one of their literals was found).
   */
  wanted(found: ReadonlySet<string>): Uint8Array {
    const out = new Uint8Array(this.#wants.length);
    for (let i = 0; i < out.length; i++) if (this.#wants[i] === null) out[i] = 1;
    for (const l of found) for (const i of this.#owners.get(l) ?? []) out[i] = 1;
    return out;
  }

  /** Whether detector `index` must be asked, given the literals found in the record. */
  wants(index: number, found: ReadonlySet<string>): boolean {
    const lits = this.#wants[index];
    if (!lits) return true;
    for (const l of lits) if (found.has(l)) return true;
    return false;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
