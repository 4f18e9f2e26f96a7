/**
 * @module Turns a YARA match into a Hit: rule id `yara:<namespace>.<rule>`, title from the
 * `description` meta, severity from the Loki/THOR `score` meta, and evidence that keeps the
 * rule's author, reference and licence (signature-base's Detection Rule License asks that the
 * author stays in match output) plus the matching strings with their offsets.
 */
import type { Hit, Reference } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import type { Outcome, Severity, Stage } from '../../core/severity.js';
import type { RuleFacts } from './compile.js';
import type { RawMatch, RawString } from './engine.js';
import { isWebshellRule } from './rule-class.js';
import type { MetaValue } from './rule-text.js';

/** Where a match was found. */
export interface MatchPlace {
  /** Path relative to the scanned PATH, `/` separators. */
  readonly path: string;
  /** 1-based line for log lines; null for whole files. */
  readonly line: number | null;
  readonly kind: RecordKind;
  readonly time: string | null;
  readonly clientIp?: string | null;
}

export interface HitOptions {
  /** Matching strings listed in the evidence (default 8); the rest are counted. */
  readonly maxStrings?: number;
  /** Characters kept of each matched string (default 80). */
  readonly maxStringChars?: number;
}

/** Score of rules without a `score` meta (THOR's default; Loki uses 70). */
export const DEFAULT_SCORE = 75;

/**
 * Loki/THOR score → severity: 80 and above critical (THOR "alert"), 60-79 high (THOR "warning"),
 * 40-59 medium (THOR "notice"), 20-39 low, below 20 info. No score counts as 75: high.
 */
export function severityOfScore(score: number): Severity {
  if (score >= 80) return 'critical';
  if (score >= 60) return 'high';
  if (score >= 40) return 'medium';
  if (score >= 20) return 'low';
  return 'info';
}

export function toHit(m: RawMatch, facts: RuleFacts | undefined, place: MatchPlace, options: HitOptions = {}): Hit {
  const meta = (k: string): MetaValue | undefined => lookup(m.meta, k);
  const str = (k: string): string | undefined => {
    const v = meta(k);
    return v === undefined ? undefined : String(v);
  };
  const scoreMeta = Number(meta('score'));
  const score = Number.isFinite(scoreMeta) && meta('score') !== undefined ? scoreMeta : DEFAULT_SCORE;
  const webshell = facts?.webshell ?? isWebshellRule({ name: m.rule, tags: m.tags, meta: Object.entries(m.meta) });
  const onLine = place.line !== null;
  const id = `${m.namespace}.${m.rule}`;
  const author = str('author');
  const license = str('license') ?? str('licence');
  const description = str('description');

  const attack: string[] = [];
  if (webshell) attack.push('T1505.003');
  if (onLine) attack.push('T1190');
  const evidence: Record<string, string> = { rule: id };
  if (author) evidence.author = author;
  if (m.strings.length > 0) evidence.strings = formatStrings(m.strings, options);
  if (m.tags.length > 0) evidence.tags = m.tags.join(' ');
  if (meta('score') !== undefined) evidence.score = String(score);
  for (const k of ['reference', 'date', 'hash']) {
    const v = str(k);
    if (v) evidence[k] = v;
  }
  if (license) evidence.license = license;
  if (facts) evidence.ruleFile = `${facts.file}:${facts.line}`;

  const credit = [author ? `author: ${author}` : null, license ? `licence: ${license}` : null].filter(Boolean).join('; ');
  return {
    ruleId: `yara:${id}`,
    title: description ?? facts?.title ?? m.rule,
    description: `YARA rule ${id} matched ${onLine ? 'this log line' : 'this file'}${credit ? ` (${credit})` : ''}.`,
    severity: severityOfScore(score),
    outcome: outcomeOf(webshell, onLine, score),
    stage: stageOf(onLine),
    cves: cvesOf([m.rule, description ?? '', str('cve') ?? '', facts?.title ?? '']),
    attack,
    references: referencesOf(str('reference'), id, author),
    time: place.time,
    clientIp: place.clientIp ?? null,
    source: { path: place.path, line: place.line, kind: place.kind },
    evidence,
  };
}

/**
 * Outcome: a web shell rule on a file is `compromised` (the shell is on the server); on files,
 * other rules are `compromised` at score 80 and above, `attempted` at 60-79 and `context` below.
 * Log line rules are `attempted` (traces of exploitation) and `context` below score 40.
 */
export function outcomeOf(webshell: boolean, onLine: boolean, score: number): Outcome {
  if (onLine) return score >= 40 ? 'attempted' : 'context';
  if (webshell || score >= 80) return 'compromised';
  return score >= 60 ? 'attempted' : 'context';
}

/** Files: persistence (web shells, implants, tools left behind); log lines: exploitation. */
function stageOf(onLine: boolean): Stage {
  return onLine ? 'exploitation' : 'persistence';
}

function lookup(meta: Readonly<Record<string, MetaValue>>, key: string): MetaValue | undefined {
  if (Object.hasOwn(meta, key)) return meta[key];
  const k = key.toLowerCase();
  for (const [name, v] of Object.entries(meta)) if (name.toLowerCase() === k) return v;
  return undefined;
}

function cvesOf(texts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/CVE[-_](\d{4})[-_](\d{4,7})/gi)) out.add(`CVE-${m[1]}-${m[2]}`);
  return [...out].sort();
}

function referencesOf(reference: string | undefined, id: string, author: string | undefined): Reference[] {
  const refs: Reference[] = [{ name: `YARA ${id}${author ? ` by ${author}` : ''}` }];
  if (!reference) return refs;
  const urls = reference.match(/https?:\/\/[^\s,;"']+/g) ?? [];
  if (urls.length === 0) refs.push({ name: reference });
  for (const url of urls) refs.push({ name: hostOf(url), url });
  return refs;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'reference';
  }
}

/** `$x1@0x1f: eval(Request.` per string, printable ASCII only, capped. */
function formatStrings(strings: readonly RawString[], options: HitOptions): string {
  const max = options.maxStrings ?? 8;
  const chars = options.maxStringChars ?? 80;
  const shown = strings.slice(0, max).map((s) => {
    const data = [...s.data].map((c) => (c >= ' ' && c <= '~' ? c : `\\x${(c.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`)).join('');
    const cut = data.length > chars ? `${data.slice(0, chars)}…` : data;
    return `${s.id}@0x${s.offset.toString(16)}: ${cut}`;
  });
  if (strings.length > max) shown.push(`… ${strings.length - max} more`);
  return shown.join(' | ');
}
