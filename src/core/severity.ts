/**
 * @module Severity and outcome scales shared by rules, findings and verdicts.
 */

/** How bad a finding is, lowest first. The order of this array is the ranking. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Numeric rank of a severity (info = 0 ... critical = 4), for comparisons and thresholds. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

/**
 * What a finding says about the host, independent of its severity:
 * - `compromised`: evidence that the attacker got code execution or persistence (a web shell, a
 *   malicious virtual-directory change, an lsass dump);
 * - `attempted`: evidence of exploitation attempts whose success the finding alone cannot prove;
 * - `context`: worth reading beside other evidence, says nothing on its own (scanner probes,
 *   archives in ProgramData).
 */
export const OUTCOMES = ['context', 'attempted', 'compromised'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Attack stages findings are grouped by in reports, in kill-chain order. Kept short on purpose:
 * responders read the terminal report top to bottom as a story of the intrusion.
 */
export const STAGES = [
  'reconnaissance',
  'initial-access',
  'exploitation',
  'persistence',
  'execution',
  'defense-evasion',
  'credential-access',
  'collection',
] as const;
export type Stage = (typeof STAGES)[number];
