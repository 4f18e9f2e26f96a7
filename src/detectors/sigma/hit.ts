/**
 * @module What a Sigma match says in exhunt's terms: severity from `level`, outcome, attack
 * stage from ATT&CK tactic tags, CVEs and techniques from tags, references, and the evidence
 * fields the Detection Rule License asks for (author and license of the rule).
 *
 * Outcome: Sigma has no notion of "compromised", and a rule match is evidence of an attempt at
 * most, so `high` and `critical` rules give `attempted` and the others `context`.
 */
import type { Reference } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import type { Outcome, Severity, Stage } from '../../core/severity.js';
import type { Level, SigmaMeta } from './rule/types.js';

/** Longest evidence value kept; longer values are cut and marked. */
export const MAX_EVIDENCE_CHARS = 4096;

const SEVERITY: Readonly<Record<Level, Severity>> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** Severity of a level; a rule without level counts as medium. */
export function severityOf(level: Level | undefined): Severity {
  return level ? SEVERITY[level] : 'medium';
}

export function outcomeOf(severity: Severity): Outcome {
  return severity === 'high' || severity === 'critical' ? 'attempted' : 'context';
}

/** ATT&CK tactic (tag spelling, `-` or `_`) → exhunt stage. */
const TACTIC_STAGE: Readonly<Record<string, Stage>> = {
  reconnaissance: 'reconnaissance',
  'resource-development': 'reconnaissance',
  discovery: 'reconnaissance',
  'initial-access': 'initial-access',
  execution: 'execution',
  persistence: 'persistence',
  'privilege-escalation': 'exploitation',
  'defense-evasion': 'defense-evasion',
  'credential-access': 'credential-access',
  'lateral-movement': 'execution',
  collection: 'collection',
  'command-and-control': 'execution',
  exfiltration: 'collection',
  impact: 'collection',
};

/** Stage of the first ATT&CK tactic tag; `execution` when the rule names none. */
export function stageOf(tags: readonly string[]): Stage {
  for (const t of tags) {
    const m = /^attack\.([a-z_-]+)$/i.exec(t);
    if (!m) continue;
    const s = TACTIC_STAGE[m[1]!.toLowerCase().replace(/_/g, '-')];
    if (s) return s;
  }
  return 'execution';
}

/** `attack.t1190`, `attack.t1059.001` → `T1190`, `T1059.001`. */
export function techniquesOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t);
    if (m && !out.includes(m[1]!.toUpperCase())) out.push(m[1]!.toUpperCase());
  }
  return out;
}

/** `cve.2021-26855` (Sigma 2) or `cve.2021.26855` (Sigma 1) → `CVE-2021-26855`. */
export function cvesOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const m = /^cve\.(\d{4})[-.](\d{4,})$/i.exec(t);
    if (m) {
      const id = `CVE-${m[1]!}-${m[2]!}`;
      if (!out.includes(id)) out.push(id);
    }
  }
  return out;
}

export function referencesOf(refs: readonly string[]): Reference[] {
  return refs.map((r) => {
    try {
      const u = new URL(r);
      if (u.protocol === 'http:' || u.protocol === 'https:') return { name: u.hostname, url: r };
    } catch {
      // not a URL: keep the text as the name
    }
    return { name: r };
  });
}

/** Id used in findings: the rule's id, or one derived from its title when it has none. */
export function ruleIdOf(meta: Pick<SigmaMeta, 'id' | 'title'>): string {
  if (meta.id) return meta.id;
  const slug = meta.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `sigma-${slug || 'untitled'}`;
}

export function capEvidence(v: string): string {
  return v.length > MAX_EVIDENCE_CHARS ? `${v.slice(0, MAX_EVIDENCE_CHARS)}…[${v.length - MAX_EVIDENCE_CHARS} more chars]` : v;
}

/** Field holding the remote client address, per record kind. */
export const CLIENT_IP_FIELD: Partial<Record<RecordKind, string>> = {
  httpproxy: 'ClientIpAddress',
  iis: 'c-ip',
};

/** Evidence every Sigma hit carries (DRL 1.1 asks for author and license in match output). */
export function ruleEvidence(meta: SigmaMeta, license: string, file: string): Record<string, string> {
  return {
    'sigma.author': meta.author ?? 'unknown',
    'sigma.license': license,
    'sigma.status': meta.status ?? 'unknown',
    'sigma.file': file,
    ...(meta.level ? { 'sigma.level': meta.level } : {}),
  };
}
