/**
 * @module Scans many log lines with the log rules at the cost of a few engine calls: one scan of
 * the batch with the gate rules (line-gate.ts) finds the lines that hold a string some rule
 * needs, a second gate (when there is one) narrows those lines down, and only the lines left are
 * scanned exactly, each on its own, so that every rule sees one line exactly as it would without
 * batching (`filesize`, `at`, counts, offsets in the evidence). The second gate scans the lines
 * the first one left, copied one after the other with a line feed after each.
 *
 * A gate match is mapped back to every line its bytes overlap, so a match that runs across a
 * line break (`[^ ]{1,160}` does) only adds candidates. A gate scan never drops a line: one that
 * fails or times out leaves every line of its batch to the exact scans, and one that reports as
 * many matches of a pattern as the engine keeps (later ones may be lost) is split in halves and
 * scanned again, down to single lines, which are then scanned exactly.
 */
import type { Externals, RawMatch, ScanLimits, ScanSet } from './engine.js';

/**
 * Lines to scan, held in `buf`: line i is `buf[starts[i], ends[i])`, without its line break.
 * Lines are in ascending order; each is preceded by a line feed or the start of `buf` and
 * followed by CR, a line feed or the end of `buf` (bytes between lines are never scanned alone).
 */
export interface LineBatch {
  readonly buf: Buffer;
  readonly starts: ArrayLike<number>;
  readonly ends: ArrayLike<number>;
  /** Line number of each line (for findings). */
  readonly lines: ArrayLike<number>;
}

export interface LineBatchOptions {
  readonly externals: Externals;
  /** Matches the gate keeps per pattern: a pattern with this many may have lost some. */
  readonly gateCap: number;
  /** Gate scans cover at most this many bytes (larger batches are split). */
  readonly maxGateBytes?: number;
  /** An exact scan of line `index` failed (time limit, engine error); it has no matches. */
  readonly onError: (index: number, error: unknown) => void;
}

export interface LineBatchResult {
  /** Matches per batch line index, for the lines that have any, in line order. */
  readonly matches: readonly { readonly index: number; readonly matches: readonly RawMatch[] }[];
  /** Lines scanned exactly (the gate's candidates, or every line without a gate). */
  readonly scanned: number;
}

export const DEFAULT_MAX_GATE_BYTES = 1024 * 1024;

/**
 * Matches a gate scan keeps per pattern. Lower than for exact scans: a gate only needs to know
 * which lines hold a string, and lines an attacker fills with the rules' strings would otherwise
 * make one scan of a batch return millions of matches; past this many, the batch is split.
 */
export const GATE_MAX_MATCHES = 2000;

/** The limits gate sets are built and scanned with. */
export function gateLimits(limits: ScanLimits): ScanLimits {
  return { ...limits, maxMatchesPerPattern: Math.min(limits.maxMatchesPerPattern, GATE_MAX_MATCHES) };
}

/**
 * Exact matches of `exact` on each line of the batch. Each gate keeps the lines it cannot rule
 * out, in order; no gates (null) scans every line exactly.
 */
export function scanLineBatch(batch: LineBatch, exact: ScanSet, gates: readonly ScanSet[] | null, options: LineBatchOptions): LineBatchResult {
  // null: every line (not materialised: most batches are ruled out whole by the first gate).
  let candidates: number[] | null = null;
  for (const gate of gates ?? []) {
    const kept: number[] | null = candidates;
    if (kept === null) candidates = gateLines(batch, gate, options);
    else if (kept.length === 0) break;
    else candidates = gateLines(copyLines(batch, kept), gate, options).map((i) => kept[i] ?? 0);
  }
  candidates ??= Array.from({ length: batch.starts.length }, (_, i) => i);
  if (candidates.length === 0) return { matches: [], scanned: 0 };
  const items = candidates.map((i) => batch.buf.subarray(batch.starts[i], batch.ends[i]));
  const results = exact.scanEach(items, options.externals, (k, e) => options.onError(candidates[k] ?? 0, e));
  const matches: { index: number; matches: RawMatch[] }[] = [];
  results.forEach((m, k) => {
    if (m.length > 0) matches.push({ index: candidates[k] ?? 0, matches: m });
  });
  return { matches, scanned: candidates.length };
}

/** Indices of the batch's lines that the gate cannot rule out. */
function gateLines(batch: LineBatch, gate: ScanSet, options: LineBatchOptions): number[] {
  const n = batch.starts.length;
  const marks = new Uint8Array(n);
  if (n > 0) gateRange(batch, gate, 0, n, marks, options);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (marks[i]) out.push(i);
  return out;
}

/** The given lines of a batch, copied into a batch of their own (line numbers kept). */
function copyLines(batch: LineBatch, which: readonly number[]): LineBatch {
  const starts: number[] = [];
  const ends: number[] = [];
  const lines: number[] = [];
  let size = 0;
  for (const i of which) size += (batch.ends[i] ?? 0) - (batch.starts[i] ?? 0) + 1;
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  for (const i of which) {
    const s = batch.starts[i] ?? 0;
    const e = batch.ends[i] ?? 0;
    starts.push(at);
    at += batch.buf.copy(buf, at, s, e);
    ends.push(at);
    lines.push(batch.lines[i] ?? 0);
    buf[at++] = 10;
  }
  return { buf, starts, ends, lines };
}

/** Marks the lines in [lo, hi) that a gate string touches (see module doc). */
function gateRange(batch: LineBatch, gate: ScanSet, lo: number, hi: number, marks: Uint8Array, options: LineBatchOptions): void {
  const { buf, starts, ends } = batch;
  const from = starts[lo] ?? 0;
  const to = ends[hi - 1] ?? from;
  const maxBytes = options.maxGateBytes ?? DEFAULT_MAX_GATE_BYTES;
  if (hi - lo > 1 && to - from > maxBytes) {
    const mid = Math.min(hi - 1, Math.max(lo + 1, firstStartingAtOrAfter(starts, lo, hi, from + maxBytes)));
    gateRange(batch, gate, lo, mid, marks, options);
    gateRange(batch, gate, mid, hi, marks, options);
    return;
  }
  let found: RawMatch[];
  try {
    found = gate.scan(buf.subarray(from, to), options.externals);
  } catch {
    // A time limit or engine error: the exact scans decide (they report their own problems).
    marks.fill(1, lo, hi);
    return;
  }
  if (saturated(found, options.gateCap)) {
    if (hi - lo === 1) marks[lo] = 1;
    else splitHalves(batch, gate, lo, hi, marks, options);
    return;
  }
  for (const m of found) {
    for (const s of m.strings) {
      const a = from + s.offset;
      const b = a + Math.max(1, s.length);
      // Lines overlapping [a, b): from the last line starting before b, back while they end after a.
      for (let i = firstStartingAtOrAfter(starts, lo, hi, b) - 1; i >= lo && (ends[i] ?? 0) > a; i--) {
        if ((starts[i] ?? 0) < (ends[i] ?? 0)) marks[i] = 1;
      }
    }
  }
}

function splitHalves(batch: LineBatch, gate: ScanSet, lo: number, hi: number, marks: Uint8Array, options: LineBatchOptions): void {
  const mid = (lo + hi) >> 1;
  gateRange(batch, gate, lo, mid, marks, options);
  gateRange(batch, gate, mid, hi, marks, options);
}

/** True when some pattern has as many matches as the engine keeps (others may be missing). */
function saturated(found: readonly RawMatch[], cap: number): boolean {
  let total = 0;
  for (const m of found) total += m.strings.length;
  if (total < cap) return false;
  const counts = new Map<string, number>();
  for (const m of found) {
    for (const s of m.strings) {
      const key = `${m.namespace}\0${m.rule}\0${s.id}`;
      const c = (counts.get(key) ?? 0) + 1;
      if (c >= cap) return true;
      counts.set(key, c);
    }
  }
  return false;
}

/** Index of the first line in [lo, hi) starting at or after `offset` (hi when none). */
function firstStartingAtOrAfter(starts: ArrayLike<number>, lo: number, hi: number, offset: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >> 1;
    if ((starts[mid] ?? 0) < offset) a = mid + 1;
    else b = mid;
  }
  return a;
}
