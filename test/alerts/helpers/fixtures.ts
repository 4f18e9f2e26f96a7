/**
 * Test helpers: alerts with hostile values, a fixed channel context, and an in-memory outbox.
 */
import Database from 'better-sqlite3';
import type { Alert, ChannelContext } from '../../../src/alerts/index.js';
import { alertKey, Outbox } from '../../../src/alerts/index.js';
import type { Finding } from '../../../src/core/finding.js';
import { ssrfFinding } from '../../../src/sinks/testing.js';

export const CTX: ChannelContext = { exhuntVersion: '0.1.0', hostname: 'hunt01', pid: 4242, env: { TEST_TOKEN: 'tok-from-env', TEST_PASSWORD: 's3cret' } };
export const CREATED = '2021-03-11T09:00:00.000Z';

/** An SSRF finding whose title, path, description and evidence hold `|`, `=`, `\`, line breaks and ESC. */
export function hostileFinding(): Finding {
  return ssrfFinding({
    title: 'SSRF | via \\ cookie = x',
    description: 'first\nsecond\x1b[2J',
    source: { path: 'Logs/a|b=c.log', line: 57 },
    evidence: { UserAgent: 'ua|x=y\\z' },
  });
}

export function alertOf(finding: Finding, createdAt = CREATED): Alert {
  return { key: alertKey(finding), createdAt, finding };
}

/** `n` distinct alerts (lines 1..n of one log), in order. */
export function numberedAlerts(n: number, from = 1): Alert[] {
  return Array.from({ length: n }, (_, i) => alertOf(ssrfFinding({ source: { line: from + i }, time: new Date(Date.UTC(2021, 2, 3, 4, 0, from + i)).toISOString() })));
}

export function memoryOutbox(): Outbox {
  return new Outbox(new Database(':memory:'));
}
