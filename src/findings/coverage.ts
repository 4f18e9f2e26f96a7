/**
 * @module Log coverage: how far back each log source reaches, so that "nothing found" can be
 * told apart from "no logs reach back to the attack window".
 */
import type { RecordKind } from '../core/origin.js';
import type { Coverage } from '../core/summary.js';

interface SourceStats {
  kind: RecordKind;
  files: number;
  bytes: number;
  oldest: string | null;
  newest: string | null;
}

/** Files are read one at a time; this accumulates their stats per source label. */
export class CoverageTracker {
  readonly #sources = new Map<string, SourceStats>();

  add(source: string, kind: RecordKind, bytes: number, oldest: string | null, newest: string | null): void {
    this.#combine(source, { kind, files: 1, bytes, oldest, newest });
  }

  /** Adds another tracker's sources into this one. */
  merge(other: CoverageTracker): void {
    for (const [source, s] of other.#sources) this.#combine(source, s);
  }

  #combine(source: string, s: SourceStats): void {
    const cur = this.#sources.get(source) ?? { kind: s.kind, files: 0, bytes: 0, oldest: null, newest: null };
    cur.files += s.files;
    cur.bytes += s.bytes;
    if (s.oldest !== null && (cur.oldest === null || s.oldest < cur.oldest)) cur.oldest = s.oldest;
    if (s.newest !== null && (cur.newest === null || s.newest > cur.newest)) cur.newest = s.newest;
    this.#sources.set(source, cur);
  }

  /** Coverage rows sorted by source label, judged against the window start. */
  report(since: string): Coverage[] {
    return [...this.#sources.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([source, s]) => ({
        source,
        kind: s.kind,
        files: s.files,
        bytes: s.bytes,
        oldest: s.oldest,
        newest: s.newest,
        days: s.oldest && s.newest ? Math.round((Date.parse(s.newest) - Date.parse(s.oldest)) / 8_640_000) / 10 : null,
        coversWindow: reachesWindow(s.oldest, since),
      }));
  }
}

/** One day of slack: a log that starts on the window's first day, hours after midnight, still covers it. */
const SLACK_MS = 24 * 3600 * 1000;

export function reachesWindow(oldest: string | null, since: string): boolean {
  if (oldest === null) return false;
  return Date.parse(oldest) <= Date.parse(since) + SLACK_MS;
}
