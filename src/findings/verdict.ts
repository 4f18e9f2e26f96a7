/**
 * @module The per-host verdict: compromised, attempted, inconclusive or clean, with the reason
 * in one sentence. "Clean" is only said when the web-facing logs reach back to the attack window.
 */
import type { Finding } from '../core/finding.js';
import type { Coverage, Verdict } from '../core/summary.js';
import { severityRank } from '../core/severity.js';

/** Log kinds in which exploitation attempts show; without them a quiet result proves little. */
const FRONT_DOOR_KINDS = new Set(['httpproxy', 'iis']);

export interface VerdictResult {
  readonly verdict: Verdict;
  readonly reason: string;
}

export function decideVerdict(findings: readonly Finding[], coverage: readonly Coverage[], since: string): VerdictResult {
  const worstOf = (fs: readonly Finding[]): Finding | undefined =>
    [...fs].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];

  const compromised = findings.filter((f) => f.outcome === 'compromised' && severityRank(f.severity) >= severityRank('medium'));
  if (compromised.length > 0) {
    const w = worstOf(compromised)!;
    return { verdict: 'compromised', reason: `${count(compromised.length, 'finding')} of compromise, e.g. ${w.title}` };
  }
  const attempted = findings.filter((f) => f.outcome !== 'context' && severityRank(f.severity) >= severityRank('low'));
  if (attempted.length > 0) {
    const w = worstOf(attempted)!;
    return {
      verdict: 'attempted',
      reason: `${count(attempted.length, 'exploitation attempt')} without proof of success, e.g. ${w.title}`,
    };
  }

  const frontDoor = coverage.filter((c) => FRONT_DOOR_KINDS.has(c.kind));
  const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : 'unknown');
  if (frontDoor.length === 0) {
    return { verdict: 'inconclusive', reason: 'no HttpProxy or IIS logs were found, so exploitation attempts cannot be ruled out' };
  }
  const covering = frontDoor.filter((c) => c.coversWindow);
  if (covering.length === 0) {
    const oldest = frontDoor.map((c) => c.oldest).filter((x): x is string => x !== null).sort()[0] ?? null;
    return {
      verdict: 'inconclusive',
      reason: `no evidence found, but the oldest HttpProxy/IIS entry is ${day(oldest)}, after the attack window start ${day(since)}`,
    };
  }
  const reach = covering.map((c) => c.oldest!).sort()[0]!;
  return { verdict: 'clean', reason: `no evidence found; HttpProxy/IIS logs reach back to ${day(reach)}` };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Worst verdict over several hosts (compromised > attempted > inconclusive > clean). */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  const order: readonly Verdict[] = ['compromised', 'attempted', 'inconclusive', 'clean'];
  return order.find((v) => verdicts.includes(v)) ?? 'clean';
}
