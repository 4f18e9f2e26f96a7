// Webhook (JSON, Slack, Teams) and Splunk HEC channels against a local HTTP(S) server on
// 127.0.0.1: request bodies and headers, escaping of hostile values in chat layouts, HEC
// batching and token auth, TLS with a test CA, and how HTTP answers are classified.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { channelFromUri, DeliveryError, Dispatcher } from '../../src/alerts/index.js';
import { webShellFinding } from '../../src/sinks/testing.js';
import { alertOf, CTX, hostileFinding, memoryOutbox, numberedAlerts } from './helpers/fixtures.js';
import type { HttpReceiver } from './helpers/http-receiver.js';
import { startHttpReceiver } from './helpers/http-receiver.js';
import { makePki } from './helpers/openssl.js';
import { gate } from './helpers/tools.js';

const signal = (): AbortSignal => AbortSignal.timeout(5000);

void describe('webhook channel', () => {
  let rx: HttpReceiver;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.stop());

  void test('json layout: the alert JSON, Idempotency-Key, layout parameter kept out of the URL', async () => {
    const alert = alertOf(hostileFinding());
    const ch = channelFromUri(`webhook+http://127.0.0.1:${rx.port}/hooks/exhunt?tenant=a&layout=json`, CTX);
    await ch.send([alert], signal());
    const req = rx.requests.at(-1);
    assert.ok(req);
    assert.equal(req.path, '/hooks/exhunt?tenant=a');
    assert.equal(req.headers['idempotency-key'], alert.key);
    assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(req.headers['user-agent'], 'exhunt/0.1.0');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    assert.equal(body.alertId, alert.key);
    assert.equal(body.ruleId, 'Exchange.ProxyLogon.Ssrf');
    assert.equal(body.description, 'first\nsecond\x1b[2J');
    assert.doesNotMatch(req.body, /[\u0000-\u001f\u007f-\u009f]/);
  });

  void test('slack layout: Block Kit message; <, > and & cannot forge mentions or links', async () => {
    const finding = webShellFinding({ host: 'EXCH01 <!channel>', title: 'shell <http://evil.example|click> & more', evidence: { Snippet: '<@U123> *bold* \x1b[2J' } });
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/slack?layout=slack&minSeverity=info`, CTX);
    await ch.send([alertOf(finding)], signal());
    const body = JSON.parse(rx.requests.at(-1)?.body ?? '') as { text: string; blocks: { type: string; text?: { type: string; text: string }; fields?: { text: string }[] }[] };
    assert.equal(body.text, '🔴 CRITICAL on EXCH01 &lt;!channel&gt;: shell &lt;http://evil.example|click&gt; &amp; more');
    assert.equal(body.blocks[0]?.type, 'header');
    assert.equal(body.blocks[0]?.text?.type, 'plain_text');
    const all = JSON.stringify(body);
    assert.doesNotMatch(all, /<!channel>|<@U123>|<http/);
    assert.ok(all.includes('&lt;@U123&gt; *bold* \\\\x1b[2J'));
    assert.ok(body.blocks[1]?.fields?.some((f) => f.text === '*Host*\nEXCH01 &lt;!channel&gt;'));
  });

  void test('teams layout: an Adaptive Card; Markdown punctuation escaped', async () => {
    const finding = webShellFinding({ title: 'shell [click](http://evil.example) **x**' });
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/teams?layout=teams`, CTX);
    await ch.send([alertOf(finding)], signal());
    const body = JSON.parse(rx.requests.at(-1)?.body ?? '') as {
      type: string;
      attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] } }[];
    };
    assert.equal(body.type, 'message');
    const card = body.attachments[0];
    assert.equal(card?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card?.content.type, 'AdaptiveCard');
    assert.equal(card?.content.body[0]?.text, 'CRITICAL on EXCH01: shell \\[click\\]\\(http://evil\\.example\\) \\*\\*x\\*\\*');
    assert.deepEqual(card?.content.body[1]?.facts?.find((f) => f.title === 'Rule'), { title: 'Rule', value: 'Exchange\\.Webshell\\.AspnetClient' });
  });

  void test('HTTP answers: 5xx and 429 retryable, 400 rejected, 401 kept retryable', async () => {
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/x`, CTX);
    for (const [status, retryable] of [[503, true], [429, true], [400, false], [401, true], [422, false]] as const) {
      rx.answer = status;
      await assert.rejects(ch.send(numberedAlerts(1), signal()), (e: unknown) => e instanceof DeliveryError && e.retryable === retryable && e.message.includes(String(status)));
    }
    rx.answer = 200;
  });
});

void describe('Splunk HEC channel', () => {
  let rx: HttpReceiver;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.stop());

  void test('batches events to /services/collector/event with the token; one request per batch', async () => {
    const outbox = memoryOutbox();
    const ch = channelFromUri(`hec+http://127.0.0.1:${rx.port}?tokenEnv=TEST_TOKEN&index=exchange&batch=4&name=splunk`, CTX);
    const alerts = numberedAlerts(10);
    outbox.enqueue(outbox.db, ch, alerts);
    const d = new Dispatcher({ outbox, channels: [ch] });
    const report = await d.flush({ timeoutMs: 5000 });
    await d.stop();
    assert.equal(report[0]?.pending, 0);
    assert.deepEqual(rx.requests.map((r) => r.body.split('\n').length), [4, 4, 2]);
    for (const r of rx.requests) {
      assert.equal(r.path, '/services/collector/event');
      assert.equal(r.headers.authorization, 'Splunk tok-from-env');
    }
    const events = rx.requests.flatMap((r) => r.body.split('\n').map((l) => JSON.parse(l) as { time: number; host: string; index: string; sourcetype: string; event: { alertId: string } }));
    assert.deepEqual(events.map((e) => e.event.alertId), alerts.map((a) => a.key));
    assert.equal(events[0]?.time, Date.parse(alerts[0]?.finding.time ?? '') / 1000);
    assert.equal(events[0]?.host, 'EXCH01');
    assert.equal(events[0]?.index, 'exchange');
    assert.equal(events[0]?.sourcetype, 'exhunt:alert');
  });

  void test('a rejected batch is retried one event at a time; only the bad event fails', async () => {
    rx.requests.length = 0;
    const outbox = memoryOutbox();
    const ch = channelFromUri(`hec+http://127.0.0.1:${rx.port}?token=t&batch=5&name=splunk2`, CTX);
    const alerts = numberedAlerts(5);
    const bad = alerts[2]?.key ?? '';
    rx.answer = (req) => (req.body.includes(bad) ? 400 : 200);
    outbox.enqueue(outbox.db, ch, alerts);
    const d = new Dispatcher({ outbox, channels: [ch] });
    const report = await d.flush({ timeoutMs: 5000 });
    await d.stop();
    rx.answer = 200;
    assert.equal(report[0]?.failed, 1);
    assert.equal(report[0]?.pending, 0);
    const got = rx.requests.flatMap((r) => r.body.split('\n').map((l) => (JSON.parse(l) as { event: { alertId: string } }).event.alertId));
    assert.deepEqual(got, alerts.filter((a) => a.key !== bad).map((a) => a.key));
    assert.match(outbox.failures('splunk2')[0]?.error ?? '', /HTTP 400/);
  });
});

const tlsTools = gate(['openssl'], 'openssl');

void describe('HTTPS receivers with a private CA', { skip: tlsTools.skip }, () => {
  let dir = '';
  let rx: HttpReceiver;
  let caFile = '';
  before(async () => {
    if (tlsTools.failure) throw new Error(tlsTools.failure);
    dir = mkdtempSync(join(tmpdir(), 'exhunt-https-'));
    const pki = makePki(dir);
    caFile = pki.caFile;
    rx = await startHttpReceiver({ tls: { key: readFileSync(pki.keyFile, 'utf8'), cert: readFileSync(pki.certFile, 'utf8') } });
  });
  after(async () => {
    await rx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('hec+https with ca= verifies the server; without it the certificate is refused', async () => {
    const ok = channelFromUri(`hec+https://127.0.0.1:${rx.port}?token=t&ca=${encodeURIComponent(caFile)}`, CTX);
    await ok.send(numberedAlerts(1), signal());
    assert.equal(rx.requests.length, 1);
    const untrusted = channelFromUri(`hec+https://127.0.0.1:${rx.port}?token=t`, CTX);
    await assert.rejects(untrusted.send(numberedAlerts(1), signal()), (e: unknown) => e instanceof DeliveryError && /certificate/i.test(e.message));
  });

  void test('webhook:// means HTTPS', async () => {
    const ch = channelFromUri(`webhook://127.0.0.1:${rx.port}/hook?ca=${encodeURIComponent(caFile)}`, CTX);
    await ch.send(numberedAlerts(1), signal());
    assert.equal(rx.requests.at(-1)?.path, '/hook');
  });
});
