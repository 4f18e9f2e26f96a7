/**
 * @module Per-channel policy: which findings a channel takes (severity threshold), which repeats
 * it suppresses (dedup window over rule + key), how fast it delivers (rate limit, batch size,
 * digest wait) and how it retries (exponential backoff).
 */
import type { Finding } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import { severityRank } from '../core/severity.js';

export interface ChannelPolicy {
  readonly minSeverity: Severity;
  /** Suppress a second alert of the same rule and key within `windowMs` of event time. */
  readonly dedup: { readonly windowMs: number; readonly key: readonly string[] } | null;
  /** At most `count` deliveries in any `perMs` (sliding window over the outbox's delivery times). */
  readonly rateLimit: { readonly count: number; readonly perMs: number } | null;
  readonly retry: { readonly initialMs: number; readonly maxMs: number; readonly maxAttempts: number };
  /** Alerts per delivery, and how long the oldest may wait for more to join it (digest). */
  readonly batch: { readonly max: number; readonly waitMs: number };
  readonly timeoutMs: number;
}

export const DEFAULT_POLICY: ChannelPolicy = {
  minSeverity: 'medium',
  dedup: null,
  rateLimit: null,
  retry: { initialMs: 1000, maxMs: 300_000, maxAttempts: 0 },
  batch: { max: 1, waitMs: 0 },
  timeoutMs: 10_000,
};

export function passesThreshold(policy: Pick<ChannelPolicy, 'minSeverity'>, severity: Severity): boolean {
  return severityRank(severity) >= severityRank(policy.minSeverity);
}

/**
 * The suppression key of a finding: rule id, host and the configured fields. `auto` is the
 * client address when the record has one, else the source path.
 */
export function dedupKey(finding: Finding, fields: readonly string[]): string {
  const parts: string[] = [finding.ruleId, finding.host];
  for (const field of fields) {
    if (field === 'auto') parts.push(finding.clientIp ?? finding.source.path);
    else if (field === 'clientIp') parts.push(finding.clientIp ?? '');
    else if (field === 'path') parts.push(finding.source.path);
    else if (field === 'host') parts.push(finding.host);
    else if (field.startsWith('evidence.')) parts.push(finding.evidence[field.slice('evidence.'.length)] ?? '');
  }
  return JSON.stringify(parts);
}

/** Delay before retry number `failures` (1 = first retry): initial × 2^(failures-1), capped. */
export function backoffMs(policy: ChannelPolicy, failures: number): number {
  const { initialMs, maxMs } = policy.retry;
  return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
}
