/**
 * @module `IndicatorDetector`: the compiled indicator set as a `Detector`, one per record kind.
 *
 * A record that matches several indicators gives one hit: the worst match decides the rule id
 * (`intel.<type>`), title, severity and outcome; the evidence lists every match. The hit names
 * the indicator, its type, and every source that lists it with TLP and confidence (evidence
 * `IntelSources`, and one `references` entry per source).
 */
import type { ColumnProbe, Detector, HostContext } from '../../core/detector.js';
import type { Hit, Reference } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import type { LogRecord } from '../../core/record.js';
import { severityRank } from '../../core/severity.js';
import { tlpLabel } from '../tlp.js';
import type { IntelMatcher, Match, SourceRef } from './matcher.js';
import { gradeOf } from './severity.js';

const MAX_EVIDENCE = 512;

/** Context fields copied from each kind of record. */
const CONTEXT: Readonly<Record<RecordKind, readonly string[]>> = {
  iis: ['date', 'time', 's-ip', 'c-ip', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 'cs(User-Agent)', 'cs-host', 'sc-status'],
  httpproxy: ['DateTime', 'ClientIpAddress', 'Method', 'UrlHost', 'UrlStem', 'UrlQuery', 'UserAgent', 'AnchorMailbox', 'HttpStatus', 'ServerHostName'],
  file: ['Path', 'Size', 'Modified', 'SHA256', 'SHA1', 'MD5'],
  event: ['Channel', 'EventID', 'Computer', 'TimeCreated'],
  ecp: [],
  oab: [],
};

export class IndicatorDetector implements Detector {
  readonly id: string;
  readonly kinds: readonly RecordKind[];
  readonly literals: readonly string[] | null;
  readonly probe?: ColumnProbe;
  readonly #matcher: IntelMatcher;

  constructor(matcher: IntelMatcher, kind: RecordKind) {
    this.#matcher = matcher;
    this.id = `intel.${kind}`;
    this.kinds = [kind];
    this.literals = matcher.literals(kind);
    const probe = matcher.columnProbe(kind);
    if (probe) this.probe = probe;
  }

  match(record: LogRecord, _host: HostContext): Hit | null {
    let matches: Match[];
    try {
      matches = this.#matcher.matchRecord(record);
    } catch {
      return null; // records are attacker-controlled; a matcher bug must not stop the scan
    }
    if (matches.length === 0) return null;
    return hitFor(record, matches);
  }
}

export function maxConfidence(sources: readonly SourceRef[]): number | null {
  let c: number | null = null;
  for (const s of sources) if (s.confidence !== null && (c === null || s.confidence > c)) c = s.confidence;
  return c;
}

function cap(s: string): string {
  return s.length > MAX_EVIDENCE ? `${s.slice(0, MAX_EVIDENCE - 1)}…` : s;
}

export function sourceLabel(s: SourceRef): string {
  return `${s.source} (${tlpLabel(s.tlp)}, confidence ${s.confidence ?? 'n/a'})`;
}

/** Builds the hit for a record's matches (exported for tests and for `exhunt intel test`). */
export function hitFor(record: LogRecord, matches: readonly Match[]): Hit {
  const graded = matches
    .map((m) => ({ m, g: gradeOf(m.entry.type, m.entry.attrs, maxConfidence(m.sources)) }))
    .sort((a, b) => severityRank(b.g.severity) - severityRank(a.g.severity) || (a.m.entry.type < b.m.entry.type ? -1 : a.m.entry.type > b.m.entry.type ? 1 : 0));
  const best = graded[0]!;
  const e = best.m.entry;
  const evidence: Record<string, string> = {};
  for (const f of CONTEXT[record.kind]) {
    const v = record.get(f);
    if (v) evidence[f] = cap(v);
  }
  evidence.Indicator = cap(e.display);
  evidence.IndicatorType = e.type;
  evidence.MatchedField = best.m.field;
  if (best.m.field !== 'line') evidence.MatchedValue = cap(best.m.value);
  evidence.IntelSources = cap(best.m.sources.map(sourceLabel).join('; '));
  const described = best.m.sources.find((s) => s.description)?.description;
  if (described) evidence.IntelDescription = cap(described);
  const tags = [...new Set(best.m.sources.flatMap((s) => s.tags))];
  if (tags.length > 0) evidence.IntelTags = cap(tags.join(', '));
  if (graded.length > 1) {
    evidence.OtherIndicators = cap(graded.slice(1).map(({ m }) => `${m.entry.type} ${m.entry.display} [${m.sources.map((s) => s.source).join(', ')}]`).join('; '));
  }
  const references: Reference[] = best.m.sources.map((s) => ({ name: sourceLabel(s) }));
  const clientIp = record.get(record.kind === 'iis' ? 'c-ip' : 'ClientIpAddress') || null;
  const names = best.m.sources.map((s) => s.source);
  return {
    ruleId: `intel.${e.type}`,
    title: best.g.title,
    description: `${e.type} ${cap(e.display)} is listed by ${names.length === 1 ? names[0]! : `${names.length} sources: ${names.join(', ')}`}.${described ? ` ${cap(described)}` : ''}`,
    severity: best.g.severity,
    outcome: best.g.outcome,
    stage: best.g.stage,
    cves: [...new Set(tags.filter((t) => /^CVE-\d{4}-\d{4,}$/.test(t)))],
    attack: best.g.attack,
    references,
    time: record.time,
    clientIp: record.kind === 'iis' || record.kind === 'httpproxy' ? clientIp : null,
    source: { path: record.origin.path, line: record.origin.line, kind: record.kind },
    evidence,
  };
}
