/**
 * @module Tests of the alert sink: the Sink conformance suite, delivery during and at the end of
 * a scan, and that an unreachable receiver or a broken channel never fails the scan.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runSinkConformance } from '../sinks/conformance.js';
import { ecpVdirFinding, RUN, ssrfFinding, summaryFor, webShellFinding } from '../sinks/testing.js';
import type { Alert } from './alert.js';
import type { AlertChannel } from './channel.js';
import { DeliveryError } from './errors.js';
import { Outbox } from './outbox/index.js';
import { DEFAULT_POLICY } from './policy.js';
import type { ChannelPolicy } from './policy.js';
import { alertSink } from './sink.js';

function memoryChannel(id: string, behaviour: (alerts: readonly Alert[]) => void = () => undefined, policy: Partial<ChannelPolicy> = {}): AlertChannel & { got: Alert[] } {
  const got: Alert[] = [];
  return {
    id,
    kind: 'webhook',
    target: `memory://${id}`,
    policy: { ...DEFAULT_POLICY, retry: { initialMs: 10, maxMs: 20, maxAttempts: 0 }, ...policy },
    got,
    send(alerts) {
      behaviour(alerts);
      got.push(...alerts);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

runSinkConformance('alert', () => alertSink({ channels: [memoryChannel('c')], store: new Outbox(new Database(':memory:')), report: () => undefined }));

void describe('alert sink', () => {
  const findings = [ssrfFinding(), ecpVdirFinding(), webShellFinding(), ssrfFinding({ severity: 'low', source: { line: 99 } })];

  void test('queues findings at or above each channel threshold and delivers them by close', async () => {
    const outbox = new Outbox(new Database(':memory:'));
    const all = memoryChannel('all', undefined, { minSeverity: 'info' });
    const serious = memoryChannel('serious', undefined, { minSeverity: 'critical' });
    const lines: string[] = [];
    const sink = alertSink({ channels: [all, serious], store: outbox, report: (l) => lines.push(l) });
    await sink.begin?.(RUN);
    for (const f of findings) await sink.write(f);
    await sink.close?.(summaryFor(findings), findings);
    assert.deepEqual(all.got.map((a) => a.finding.source.line), [57, 12, null, 99]);
    assert.deepEqual(serious.got.map((a) => a.finding.ruleId), ['Exchange.ProxyLogon.SetVDirScript', 'Exchange.Webshell.AspnetClient']);
    assert.deepEqual(lines, ['alerts: all (memory://all): 4 delivered', 'alerts: serious (memory://serious): 2 delivered']);
  });

  void test('a receiver that stays down: close returns after the bounded wait, reports, keeps the alerts', async () => {
    const outbox = new Outbox(new Database(':memory:'));
    const down = memoryChannel('down', () => {
      throw new DeliveryError('connect ECONNREFUSED 127.0.0.1:9', { retryable: true });
    });
    const lines: string[] = [];
    const sink = alertSink({ channels: [down], store: outbox, flushTimeoutMs: 300, report: (l) => lines.push(l) });
    for (const f of findings) await sink.write(f);
    const started = Date.now();
    await sink.close?.(summaryFor(findings), findings);
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(lines, ['alerts: down (memory://down): 0 delivered, 3 still queued; last error: connect ECONNREFUSED 127.0.0.1:9']);
    assert.equal(outbox.status()[0]?.pending, 3);
  });

  void test('a channel that throws anything, and an outbox that fails, never fail the scan', async () => {
    const db = new Database(':memory:');
    const outbox = new Outbox(db);
    const weird = memoryChannel('weird', () => {
      throw new TypeError('bug in a channel');
    });
    const lines: string[] = [];
    const sink = alertSink({ channels: [weird], store: outbox, flushTimeoutMs: 200, report: (l) => lines.push(l) });
    await sink.write(findings[0]!);
    db.exec('DROP TABLE alerts_outbox');
    await sink.write(findings[1]!);
    await sink.close?.(summaryFor(findings), findings);
    assert.ok(lines.some((l) => /^alerts: 1 findings could not be queued: .*no such table: alerts_outbox/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^alerts: weird .*queue unreadable/.test(l)), lines.join('\n'));
  });
});
