/**
 * @module Escalation: findings that are weak alone (an archive in ProgramData) are raised when
 * the same host shows other attempted or compromised evidence, as responders weigh them.
 */
import type { Finding } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import { severityRank } from '../core/severity.js';

export function escalate(findings: readonly Finding[], rules: ReadonlyMap<string, Severity>): Finding[] {
  return findings.map((f) => {
    const to = rules.get(f.ruleId);
    if (!to || severityRank(f.severity) >= severityRank(to)) return f;
    const other = findings.some((o) => o.ruleId !== f.ruleId && o.outcome !== 'context');
    return other ? { ...f, severity: to, evidence: { ...f.evidence, Escalated: `from ${f.severity}: other evidence on this host` } } : f;
  });
}
