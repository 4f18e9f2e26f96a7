// `exhunt alerts test|status|flush` run as a user would (a child process), against a local HTTP
// receiver and a store in a temp folder.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { channelFromUri, openOutbox } from '../../src/alerts/index.js';
import { tempDir } from '../helpers/cli.js';
import { CTX, numberedAlerts } from './helpers/fixtures.js';
import type { HttpReceiver } from './helpers/http-receiver.js';
import { startHttpReceiver } from './helpers/http-receiver.js';

const ENTRY = fileURLToPath(new URL('./helpers/alerts-cli.js', import.meta.url));

function alerts(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ENTRY, 'alerts', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

void describe('exhunt alerts', () => {
  let rx: HttpReceiver;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.stop());

  void test('test: sends one test alert per channel and says so; exit 0', async () => {
    rx.requests.length = 0;
    const r = await alerts(['test', `${rx.url}/hook?layout=json`, `hec+http://127.0.0.1:${rx.port}?token=t`, '--host', 'EXCH01']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok {6}http:\/\/127\.0\.0\.1:\d+\/hook\?layout=json: test alert test-[0-9a-f]{32} sent to http:\/\/127\.0\.0\.1:\d+\/hook in \S+$/m);
    assert.equal(rx.requests.length, 2);
    const body = JSON.parse(rx.requests[0]?.body ?? '') as { test: boolean; ruleId: string; host: string };
    assert.deepEqual([body.test, body.ruleId, body.host], [true, 'exhunt.AlertTest', 'EXCH01']);
  });

  void test('test: a failing channel is reported and the exit code is 2; secrets stay hidden', async () => {
    rx.answer = 503;
    const r = await alerts(['test', `hec+http://127.0.0.1:${rx.port}?token=SECRET-TOKEN`]);
    rx.answer = 200;
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^FAILED {2}hec\+http:\/\/127\.0\.0\.1:\d+\?token=\*\*\*#[0-9a-f]{8}: HEC answered HTTP 503/m);
    assert.doesNotMatch(r.stdout + r.stderr, /SECRET-TOKEN/);
  });

  void test('test --config: channels of a YAML file, --channel picks one; a bad file names its line', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'alerts.yaml');
    writeFileSync(file, `channels:\n  - name: hook\n    type: webhook\n    url: ${rx.url}/a\n  - name: splunk\n    type: hec\n    url: ${rx.url}\n    tokenEnv: HEC_TOKEN\n`);
    rx.requests.length = 0;
    const r = await alerts(['test', '--config', file, '--channel', 'splunk'], { HEC_TOKEN: 'from-env' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(rx.requests.length, 1);
    assert.equal(rx.requests[0]?.headers.authorization, 'Splunk from-env');
    writeFileSync(file, 'channels:\n  - name: hook\n    type: webhook\n    url: ftp://x\n');
    const bad = await alerts(['test', '--config', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /alerts\.yaml:4: channels\.0\.url: must be an http:\/\/ or https:\/\/ URL/);
  });

  void test('status and flush: queued alerts are shown, then delivered by flush', async (t) => {
    const dir = tempDir(t);
    const store = join(dir, 'exhunt.db');
    const none = await alerts(['status', '--store', store]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no alerts: there is no store at/);

    const uri = `${rx.url}/queued?name=soc`;
    const opened = openOutbox({ path: store });
    opened.outbox.enqueue(opened.outbox.db, channelFromUri(uri, CTX), numberedAlerts(3));
    opened.outbox.markAttempt('soc', [1], 'connect ECONNREFUSED 127.0.0.1:1');
    await opened.close();

    const status = await alerts(['status', '--store', store, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { channels: { channel: string; pending: number; lastError: string }[] };
    assert.equal(parsed.channels[0]?.channel, 'soc');
    assert.equal(parsed.channels[0]?.pending, 3);
    assert.equal(parsed.channels[0]?.lastError, 'connect ECONNREFUSED 127.0.0.1:1');
    const text = await alerts(['status', '--store', store]);
    assert.match(text.stdout, /^soc \(http:\/\/127\.0\.0\.1:\d+\/queued\)\n {2}queued 3, oldest queued .* ago; delivered 0; failed 0; suppressed 0\n {2}last success: never\n {2}last error: {3}\S+ connect ECONNREFUSED/m);

    rx.requests.length = 0;
    const flushed = await alerts(['flush', uri, '--store', store, '--timeout', '10s']);
    assert.equal(flushed.code, 0, flushed.stdout + flushed.stderr);
    assert.match(flushed.stdout, /alerts: soc \(http:\/\/127\.0\.0\.1:\d+\/queued\): 3 delivered/);
    assert.equal(rx.requests.length, 3);
    const after = JSON.parse((await alerts(['status', '--store', store, '--json'])).stdout) as { channels: { pending: number; delivered: number }[] };
    assert.deepEqual([after.channels[0]?.pending, after.channels[0]?.delivered], [0, 3]);
  });

  void test('usage errors exit 2', async () => {
    const r = await alerts(['test']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /give a channel URI or --config FILE/);
    const bad = await alerts(['test', 'syslog+udp://127.0.0.1:514?format=xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /format: Invalid option/);
  });
});
