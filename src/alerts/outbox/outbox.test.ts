/**
 * @module Unit tests of the outbox: enqueue inside the caller's transaction (rolled back with it),
 * idempotency keys, order, leases, and that the store can adopt the outbox migration later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS } from '../../store/index.js';
import { ssrfFinding } from '../../sinks/testing.js';
import { alertFromFinding } from '../alert.js';
import { DEFAULT_POLICY } from '../policy.js';
import { Outbox } from './outbox.js';
import { ALERTS_MIGRATIONS } from './schema.js';

const channel = { id: 'siem', policy: DEFAULT_POLICY };
const alerts = [1, 2, 3].map((line) => alertFromFinding(ssrfFinding({ source: { line } })));

void describe('outbox', () => {
  void test("enqueue joins the caller's transaction: a rollback takes the alerts with the checkpoint", () => {
    const db = new Database(':memory:');
    const outbox = new Outbox(db);
    db.exec('CREATE TABLE checkpoint (offset INTEGER)');
    const step = db.transaction((fail: boolean) => {
      db.prepare('INSERT INTO checkpoint VALUES (?)').run(100);
      outbox.enqueue(db, channel, alerts);
      if (fail) throw new Error('crash before commit');
    });
    assert.throws(() => step(true), /crash before commit/);
    assert.equal(outbox.pendingCount('siem'), 0);
    assert.equal((db.prepare('SELECT count(*) AS n FROM checkpoint').get() as { n: number }).n, 0);
    step(false);
    assert.deepEqual(outbox.pending('siem', 10).map((r) => r.key), alerts.map((a) => a.key));
  });

  void test('a key is queued once per channel, whatever its state; other channels have their own queue', () => {
    const outbox = new Outbox(new Database(':memory:'));
    outbox.enqueue(outbox.db, channel, alerts);
    const [first] = outbox.pending('siem', 1);
    outbox.markDelivered('siem', [first?.seq ?? 0]);
    assert.deepEqual(outbox.enqueue(outbox.db, channel, alerts), { queued: 0, duplicates: 3, suppressed: 0, belowThreshold: 0 });
    assert.equal(outbox.enqueue(outbox.db, { id: 'mail', policy: DEFAULT_POLICY }, alerts).queued, 3);
    assert.equal(outbox.pendingCount('siem'), 2);
  });

  void test('the alert key depends on host, rule, path, line and time only', () => {
    const a = alertFromFinding(ssrfFinding());
    assert.equal(alertFromFinding(ssrfFinding({ input: '/other/name', evidence: {} })).key, a.key);
    assert.notEqual(alertFromFinding(ssrfFinding({ source: { line: 58 } })).key, a.key);
    assert.notEqual(alertFromFinding(ssrfFinding({ host: 'EXCH02' })).key, a.key);
    assert.match(a.key, /^[0-9a-f]{32}$/);
  });

  void test('leases: one holder at a time; a dead process or an expired lease is taken over', () => {
    const outbox = new Outbox(new Database(':memory:'));
    const now = Date.now();
    assert.equal(outbox.acquireLease('siem', { owner: 'a', pid: process.pid }, now + 60_000), true);
    assert.equal(outbox.acquireLease('siem', { owner: 'b', pid: process.pid }, now + 60_000), false);
    assert.equal(outbox.acquireLease('siem', { owner: 'a', pid: process.pid }, now + 60_000), true);
    outbox.releaseLease('siem', { owner: 'a', pid: process.pid });
    assert.equal(outbox.acquireLease('siem', { owner: 'b', pid: process.pid }, now - 1), true);
    assert.equal(outbox.acquireLease('siem', { owner: 'c', pid: process.pid }, now + 60_000), true, 'expired');
    // A pid that cannot exist (above the kernel's limit) holds a live-looking lease.
    outbox.db.prepare("UPDATE alerts_channels SET lease_owner = 'gone', lease_pid = 2147483646, lease_until_ms = ? WHERE channel = 'siem'").run(now + 60_000);
    assert.equal(outbox.acquireLease('siem', { owner: 'd', pid: process.pid }, now + 60_000), true, 'holder process gone');
  });

  void test('the store can adopt ALERTS_MIGRATIONS later, over tables the outbox already made', () => {
    const db = new Database(':memory:');
    migrate(db);
    const outbox = new Outbox(db);
    outbox.enqueue(db, channel, alerts);
    const applied = migrate(db, [...MIGRATIONS, ...ALERTS_MIGRATIONS]);
    assert.ok(applied.includes('alerts/1'));
    assert.equal(new Outbox(db).pendingCount('siem'), 3);
  });
});
