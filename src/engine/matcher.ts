/**
 * @module Hands one record to every detector of its kind and returns the hits that become
 * findings: the same code for `scan` and `watch`.
 *
 * Two things happen beyond calling `match`:
 * - Correlations (Sigma) are fed the hits of the rules they refer to. They need time order; a
 *   scan reads files one after another, so in `buffered` mode those hits are kept and fed sorted
 *   by time at `finish()`. A watch sees records as they happen and feeds them at once (`stream`).
 * - An indicator hit on a record that one of exhunt's own rules already reported for the same
 *   value is folded into that rule's hit (its sources are added to the evidence as
 *   `IntelSources`) instead of becoming a second finding about the same line.
 */
import { performance } from 'node:perf_hooks';
import type { Detector, HostContext } from '../core/detector.js';
import type { Hit } from '../core/finding.js';
import type { LogRecord } from '../core/record.js';
import type { DetectorSet } from './content.js';
import { GATED_KINDS, LiteralGate } from './gate.js';

export type CorrelationMode = 'buffered' | 'stream';

/** Id prefix of the indicator detectors' hits (`intel.sha256`, `intel.ipv4`...). */
const INTEL_PREFIX = 'intel.';


/** Literal gates, one per detector list of a kind, shared by the matchers of every host. */
const GATES = new WeakMap<readonly Detector[], LiteralGate>();

export class RecordMatcher {
  readonly #set: DetectorSet;
  readonly #mode: CorrelationMode;
  /** Hits waiting for correlation (buffered mode), with their records. */
  #pending: { hit: Hit; record: LogRecord; seq: number }[] = [];

  /** Milliseconds spent in each detector's `match`, when profiling (`--profile-rules`). */
  readonly #profile: Map<string, number> | null;

  constructor(set: DetectorSet, mode: CorrelationMode = 'buffered', profile: Map<string, number> | null = null) {
    this.#set = set;
    this.#mode = mode;
    this.#profile = profile;
  }

  /** The findings-to-be for one record (correlations completed by it too, in stream mode). */
  match(record: LogRecord, host: HostContext): Hit[] {
    const detectors = this.#set.byKind.get(record.kind);
    if (!detectors) return [];
    let out: Hit[] | null = null;
    const profile = this.#profile;
    const gate = this.#gate(record.kind, detectors);
    const wanted = gate?.applies(record) ? gate.wanted(record) : null;
    for (let i = 0; i < detectors.length; i++) {
      const d = detectors[i]!;
      if (wanted && wanted[i] === 0) continue;
      let hit;
      if (profile) {
        const t0 = performance.now();
        hit = d.match(record, host);
        profile.set(d.id, (profile.get(d.id) ?? 0) + performance.now() - t0);
      } else hit = d.match(record, host);
      if (!hit) continue;
      const recordId = record.origin.recordId;
      if (recordId !== undefined && hit.source.recordId === undefined) hit = { ...hit, source: { ...hit.source, recordId } };
      if (this.#set.correlators.length > 0) this.#correlate(hit, record, (h) => (out ??= []).push(h));
      if (!this.#set.feedOnly.has(d.id)) (out ??= []).push(hit);
    }
    if (out === null) return [];
    return out.length > 1 ? foldIntel(out) : out;
  }

  #gate(kind: string, detectors: readonly Detector[]): LiteralGate | null {
    if (!GATED_KINDS.has(kind)) return null;
    let g = GATES.get(detectors);
    if (!g) {
      g = new LiteralGate(detectors);
      GATES.set(detectors, g);
    }
    return g;
  }

  /** Closes correlation windows: the correlations that end with the input. */
  finish(): Hit[] {
    const out: Hit[] = [];
    if (this.#pending.length > 0) {
      const pending = this.#pending.sort((a, b) => compareTime(a.hit.time, b.hit.time) || a.seq - b.seq);
      this.#pending = [];
      for (const p of pending) for (const c of this.#set.correlators) if (c.accepts(p.hit.ruleId)) out.push(...c.feed(p.hit, p.record));
    }
    for (const c of this.#set.correlators) out.push(...c.finish());
    return out;
  }

  #correlate(hit: Hit, record: LogRecord, emit: (h: Hit) => void): void {
    if (!this.#set.correlators.some((c) => c.accepts(hit.ruleId))) return;
    if (this.#mode === 'buffered') {
      this.#pending.push({ hit, record, seq: this.#pending.length });
      return;
    }
    for (const c of this.#set.correlators) if (c.accepts(hit.ruleId)) c.feed(hit, record).forEach(emit);
  }
}

/** Null times sort first; ISO 8601 UTC strings compare in time order. */
function compareTime(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * Folds each indicator hit into a rule hit of the same record whose evidence already holds the
 * matched value; indicator hits that add something stay.
 */
function foldIntel(hits: Hit[]): Hit[] {
  const rules = hits.filter((h) => !h.ruleId.startsWith(INTEL_PREFIX));
  if (rules.length === 0 || rules.length === hits.length) return hits;
  const out: Hit[] = [...rules];
  for (const h of hits) {
    if (!h.ruleId.startsWith(INTEL_PREFIX)) continue;
    const value = (h.evidence.MatchedValue ?? h.evidence.Indicator ?? '').toLowerCase();
    const i = value ? out.findIndex((r) => !r.ruleId.startsWith(INTEL_PREFIX) && Object.values(r.evidence).some((v) => v.toLowerCase().includes(value))) : -1;
    if (i < 0) {
      out.push(h);
      continue;
    }
    const r = out[i]!;
    const sources = h.evidence.IntelSources;
    out[i] = sources ? { ...r, evidence: { ...r.evidence, IntelSources: sources } } : r;
  }
  return out;
}
