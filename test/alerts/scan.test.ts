// `exhunt scan --alert` as the lead will wire it: runScan with the sink from createAlertSink, on
// the synthetic log fixtures, delivering to a local webhook. A second scan of the same logs sends
// nothing (idempotency keys across runs); a receiver that is down does not fail the scan.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAlertSink, openOutbox } from '../../src/alerts/index.js';
import { severityRank } from '../../src/core/severity.js';
import { loadDetectors, runScan } from '../../src/engine/index.js';
import { REPO, tempDir } from '../helpers/cli.js';
import type { HttpReceiver } from './helpers/http-receiver.js';
import { startHttpReceiver } from './helpers/http-receiver.js';

const LOGS = join(REPO, 'test', 'fixtures', 'logs');

void describe('scan --alert', () => {
  let rx: HttpReceiver;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.stop());

  const scan = async (store: string, uri: string, lines: string[]) =>
    runScan({
      inputs: [LOGS],
      detectors: loadDetectors(),
      sinks: () => [createAlertSink({ uris: [uri], storePath: store, flushTimeoutMs: 1500, report: (l) => lines.push(l) })],
    });

  void test('findings at or above medium reach the webhook once, across two scans', async (t) => {
    const store = join(tempDir(t), 'exhunt.db');
    const uri = `${rx.url}/scan?name=soc`;
    const lines: string[] = [];
    const result = await scan(store, uri, lines);
    const serious = result.findings.filter((f) => severityRank(f.severity) >= severityRank('medium'));
    assert.ok(serious.length > 0, 'the fixtures hold findings');
    const got = rx.requests.map((r) => JSON.parse(r.body) as { ruleId: string; source: { path: string; line: number | null } });
    assert.deepEqual(
      got.map((g) => `${g.ruleId} ${g.source.path}:${g.source.line}`),
      serious.map((f) => `${f.ruleId} ${f.source.path}:${f.source.line}`),
    );
    assert.deepEqual(lines, [`alerts: soc (${rx.url}/scan): ${serious.length} delivered`]);

    const again: string[] = [];
    await scan(store, uri, again);
    assert.equal(rx.requests.length, serious.length, 'nothing sent twice');
    assert.deepEqual(again, ['alerts: soc (' + `${rx.url}/scan): 0 delivered`]);
  });

  void test('receiver down: the scan completes, reports, and the alerts stay queued for later', async (t) => {
    const store = join(tempDir(t), 'exhunt.db');
    const down = await startHttpReceiver();
    const port = down.port;
    await down.stop();
    const lines: string[] = [];
    const result = await scan(store, `http://127.0.0.1:${port}/x?name=down`, lines);
    assert.ok(result.findings.length > 0);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^alerts: down \(http:\/\/127\.0\.0\.1:\d+\/x\): 0 delivered, \d+ still queued; last error: .*ECONNREFUSED/);
    const opened = openOutbox({ path: store, create: false });
    const status = opened.outbox.status()[0];
    await opened.close();
    assert.ok((status?.pending ?? 0) > 0);
  });
});
