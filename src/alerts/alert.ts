/**
 * @module What an alert is: one finding on its way to one channel, with the idempotency key
 * that lets the outbox (and receivers that honour it) drop a second copy of the same alert.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Finding } from '../core/finding.js';
import { FINDING_SCHEMA_VERSION } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import { findingToJsonLine } from '../sinks/jsonl/jsonl.js';

export interface Alert {
  /** Idempotency key: {@link alertKey} of the finding, or a random one for test alerts. */
  readonly key: string;
  /** When the alert was queued (ISO 8601 UTC); stays the same across retries. */
  readonly createdAt: string;
  readonly finding: Finding;
  /** True for `exhunt alerts test`: receivers and layouts say so. */
  readonly test?: boolean;
}

/**
 * The idempotency key of a finding: SHA-256 over host, rule id, source path, line and time,
 * 32 hex digits. The same evidence found again (a restarted watcher, a second scan of the same
 * triage) gives the same key, so the outbox queues it once per channel. The input name is left
 * out on purpose: the same logs scanned under another folder name are the same alert.
 */
export function alertKey(f: Pick<Finding, 'host' | 'ruleId' | 'source' | 'time'>): string {
  // The record id is only added when present, so keys of log-line findings stay as they were.
  const parts = [f.host, f.ruleId, f.source.path, f.source.line, f.time, ...(f.source.recordId !== undefined ? [f.source.recordId] : [])];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export function alertFromFinding(finding: Finding, now: Date = new Date()): Alert {
  return { key: alertKey(finding), createdAt: now.toISOString(), finding };
}

/** A harmless alert for `exhunt alerts test`, with a fresh key so each test is delivered. */
export function testAlert(options: { host: string; severity?: Severity; now?: Date }): Alert {
  const now = options.now ?? new Date();
  const finding: Finding = {
    schemaVersion: FINDING_SCHEMA_VERSION,
    ruleId: 'exhunt.AlertTest',
    title: 'exhunt test alert',
    description: 'A test alert sent by `exhunt alerts test`; it reports no finding.',
    severity: options.severity ?? 'info',
    outcome: 'context',
    stage: 'reconnaissance',
    cves: [],
    attack: [],
    references: [],
    time: now.toISOString(),
    clientIp: null,
    source: { path: 'exhunt-alerts-test', line: null, kind: 'file' },
    evidence: {},
    host: options.host,
    input: '',
  };
  return { key: `test-${randomUUID().replaceAll('-', '')}`, createdAt: now.toISOString(), finding, test: true };
}

/** The alert as a JSON object: `alertId`, `test` when set, then the finding's JSON Lines fields. */
export function alertJson(alert: Alert): Record<string, unknown> {
  const finding = JSON.parse(findingToJsonLine(alert.finding)) as Record<string, unknown>;
  return { alertId: alert.key, createdAt: alert.createdAt, ...(alert.test ? { test: true } : {}), ...finding };
}

/** Serialises and parses an alert for the outbox (the finding is stored whole). */
export function encodeAlert(alert: Alert): string {
  return JSON.stringify(alert);
}

export function decodeAlert(text: string): Alert {
  return JSON.parse(text) as Alert;
}
