// Fault tests of the outbox and dispatcher with a real HTTP receiver on 127.0.0.1: a receiver
// that is down (connection refused) or failing (503) for a while, then back; rate limit and
// dedup windows; retry limits; two dispatchers on one store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { channelFromUri, Dispatcher, Outbox } from '../../src/alerts/index.js';
import { ssrfFinding } from '../../src/sinks/testing.js';
import { alertOf, CTX, memoryOutbox, numberedAlerts } from './helpers/fixtures.js';
import type { HttpReceiver } from './helpers/http-receiver.js';
import { startHttpReceiver } from './helpers/http-receiver.js';

const keysOf = (rx: HttpReceiver): string[] => rx.requests.map((r) => String(r.headers['idempotency-key']));

void describe('outbox faults with an HTTP receiver', () => {
  let rx: HttpReceiver;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.stop());

  void test('receiver down: alerts queue, retry with backoff, then arrive in order, exactly once', async (t) => {
    rx.requests.length = 0;
    const outbox = memoryOutbox();
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=down&retryInitial=50ms&retryMax=200ms`, CTX);
    const events: string[] = [];
    const d = new Dispatcher({ outbox, channels: [ch], onEvent: (e) => events.push(e.type) });
    t.after(() => d.stop());
    await rx.stop();
    const alerts = numberedAlerts(12);
    outbox.enqueue(outbox.db, ch, alerts.slice(0, 6));
    const down = await d.flush({ timeoutMs: 700 });
    assert.equal(down[0]?.pending, 6);
    assert.match(down[0]?.lastError ?? '', /ECONNREFUSED/);
    const retries = events.filter((e) => e === 'retry').length;
    assert.ok(retries >= 2 && retries <= 12, `backoff between tries (${retries} tries in 700 ms)`);
    assert.match(outbox.status()[0]?.lastError ?? '', /ECONNREFUSED/);
    // More alerts arrive while it is down; then it comes back on the same port.
    outbox.enqueue(outbox.db, ch, alerts.slice(6));
    await rx.start();
    const up = await d.flush({ timeoutMs: 5000 });
    assert.equal(up[0]?.pending, 0);
    assert.equal(up[0]?.delivered, 12);
    assert.deepEqual(keysOf(rx), alerts.map((a) => a.key));
    const status = outbox.status()[0];
    assert.equal(status?.delivered, 12);
    assert.notEqual(status?.lastSuccessAt, null);
  });

  void test('receiver failing with 503 then recovering: same result, no alert passes a failing one', async (t) => {
    rx.requests.length = 0;
    let failuresLeft = 4;
    rx.answer = () => (failuresLeft-- > 0 ? 503 : 200);
    const outbox = memoryOutbox();
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=flaky&retryInitial=20ms&retryMax=50ms`, CTX);
    const d = new Dispatcher({ outbox, channels: [ch] });
    t.after(() => d.stop());
    const alerts = numberedAlerts(5);
    outbox.enqueue(outbox.db, ch, alerts);
    const r = await d.flush({ timeoutMs: 5000 });
    rx.answer = 200;
    assert.equal(r[0]?.pending, 0);
    assert.deepEqual(keysOf(rx), alerts.map((a) => a.key));
  });

  void test('maxAttempts gives an alert up and moves on', async (t) => {
    rx.requests.length = 0;
    const outbox = memoryOutbox();
    const alerts = numberedAlerts(3);
    const bad = alerts[0]?.key;
    rx.answer = (req) => (req.headers['idempotency-key'] === bad ? 503 : 200);
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=limited&retryInitial=10ms&maxAttempts=3`, CTX);
    const d = new Dispatcher({ outbox, channels: [ch] });
    t.after(() => d.stop());
    outbox.enqueue(outbox.db, ch, alerts);
    const r = await d.flush({ timeoutMs: 5000 });
    rx.answer = 200;
    assert.equal(r[0]?.failed, 1);
    assert.deepEqual(keysOf(rx), alerts.slice(1).map((a) => a.key));
    assert.match(outbox.failures('limited')[0]?.error ?? '', /gave up after 3 attempts/);
  });

  void test('rate limit: at most N per window; the rest wait and are delivered, none dropped', async (t) => {
    rx.requests.length = 0;
    const outbox = memoryOutbox();
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=rated&rate=3/600ms`, CTX);
    const d = new Dispatcher({ outbox, channels: [ch] });
    t.after(() => d.stop());
    const alerts = numberedAlerts(7);
    outbox.enqueue(outbox.db, ch, alerts);
    const r = await d.flush({ timeoutMs: 5000 });
    const times = rx.requests.map((q) => q.at - (rx.requests[0]?.at ?? 0));
    assert.equal(r[0]?.pending, 0);
    assert.deepEqual(keysOf(rx), alerts.map((a) => a.key));
    // Any 600 ms window holds at most 3 deliveries.
    for (let i = 3; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 3] ?? 0) >= 580, `delivery ${i} at ${times[i]} ms: ${times.join(', ')}`);
    assert.ok((times[6] ?? 0) >= 1150, 'seven alerts at 3 per 600 ms take at least two windows');
  });

  void test('dedup window: same rule and client within the window suppressed; another client or later time sent', () => {
    const outbox = memoryOutbox();
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=dedup&dedup=10m&dedupKey=clientIp`, CTX);
    const at = (min: number, ip: string, line: number) => alertOf(ssrfFinding({ clientIp: ip, time: new Date(Date.UTC(2021, 2, 3, 4, min)).toISOString(), source: { line } }));
    const r = outbox.enqueue(outbox.db, ch, [at(0, '10.0.0.1', 1), at(5, '10.0.0.1', 2), at(9, '10.0.0.2', 3), at(11, '10.0.0.1', 4), at(15, '10.0.0.1', 5)]);
    assert.deepEqual(r, { queued: 3, duplicates: 0, suppressed: 2, belowThreshold: 0 });
    const s = outbox.status()[0];
    assert.equal(s?.pending, 3);
    assert.equal(s?.suppressed, 2);
    // Queued again (a restarted watcher): nothing new, whatever the state.
    assert.deepEqual(outbox.enqueue(outbox.db, ch, [at(0, '10.0.0.1', 1), at(5, '10.0.0.1', 2)]), { queued: 0, duplicates: 2, suppressed: 0, belowThreshold: 0 });
  });

  void test('severity threshold: below minSeverity is not queued', () => {
    const outbox = memoryOutbox();
    const ch = channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=thr&minSeverity=critical`, CTX);
    const r = outbox.enqueue(outbox.db, ch, [alertOf(ssrfFinding()), alertOf(ssrfFinding({ severity: 'critical', source: { line: 2 } }))]);
    assert.deepEqual(r, { queued: 1, duplicates: 0, suppressed: 0, belowThreshold: 1 });
  });

  void test('two dispatchers on one store: one delivers (lease), nothing twice', async (t) => {
    rx.requests.length = 0;
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-lease-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'store.db');
    const open = (): Outbox => {
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      t.after(() => db.close());
      return new Outbox(db);
    };
    const a = open();
    const b = open();
    rx.delayMs = 5;
    const ch = (): ReturnType<typeof channelFromUri> => channelFromUri(`http://127.0.0.1:${rx.port}/hook?name=shared`, CTX);
    const alerts = numberedAlerts(20);
    a.enqueue(a.db, ch(), alerts);
    const da = new Dispatcher({ outbox: a, channels: [ch()] });
    const db2 = new Dispatcher({ outbox: b, channels: [ch()], pollMs: 50 });
    const [ra, rb] = await Promise.all([da.flush({ timeoutMs: 5000 }), db2.flush({ timeoutMs: 5000 })]);
    await da.stop();
    await db2.stop();
    rx.delayMs = 0;
    assert.equal((ra[0]?.delivered ?? 0) + (rb[0]?.delivered ?? 0), 20);
    assert.ok(ra[0]?.delivered === 0 || rb[0]?.delivered === 0, 'only one process delivered');
    assert.deepEqual(keysOf(rx), alerts.map((x) => x.key));
  });
});
