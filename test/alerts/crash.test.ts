// Crash test: a process queuing and delivering alerts (the child plays the watcher) is killed
// with SIGKILL at arbitrary moments, mid-delivery, and started again, several times. Afterwards
// every alert has arrived, in order, exactly once as the receiver counts it by Idempotency-Key
// (the outbox state is delivered once per alert); a raw re-send can only be an alert that was in
// flight when a kill hit (at most one per kill: the webhook batch is one alert).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { openOutbox } from '../../src/alerts/index.js';
import { numberedAlerts } from './helpers/fixtures.js';
import { startHttpReceiver } from './helpers/http-receiver.js';

const CHILD = fileURLToPath(new URL('./helpers/crash-child.js', import.meta.url));
/**
 * Kill moments, fixed so that a failure can be replayed: after the receiver took this many more
 * alerts in the run, plus a few milliseconds (each request takes 15 ms to answer, so most kills
 * land while a request is in flight). 0 kills during start-up or queuing.
 */
const KILLS: readonly (readonly [number, number])[] = [
  [3, 7],
  [0, 0],
  [5, 2],
  [2, 11],
  [1, 14],
  [4, 5],
];
const TOTAL = 30;

/** Runs the child; `kill` is [deliveries, ms]: SIGKILL once `delivered()` grew by that many, ms later. */
function runChild(args: string[], kill: readonly [number, number] | null, delivered: () => number): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const start = delivered();
    const poll = kill
      ? setInterval(() => {
          if (delivered() - start < kill[0]) return;
          clearInterval(poll ?? undefined);
          setTimeout(() => child.kill('SIGKILL'), kill[1]);
        }, 1)
      : null;
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, out });
    });
  });
}

void describe('SIGKILL during delivery', () => {
  void test(`${KILLS.length} kills, then a clean run: all ${TOTAL} alerts exactly once, in order`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-crash-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rx = await startHttpReceiver();
    t.after(() => rx.stop());
    rx.delayMs = 15;
    const args = [join(dir, 'exhunt.db'), `${rx.url}/hook`, String(TOTAL)];
    let kills = 0;
    const perRun: number[] = [];
    const delivered = (): number => rx.requests.length + rx.inFlight;
    for (const kill of KILLS) {
      const before = rx.requests.length;
      const r = await runChild(args, kill, delivered);
      perRun.push(rx.requests.length - before);
      if (r.signal === 'SIGKILL') kills++;
      else assert.equal(r.code, 0, r.out);
    }
    const last = await runChild(args, null, delivered);
    assert.equal(last.code, 0, last.out);
    assert.ok(kills >= KILLS.length / 2, `most runs were killed (${kills})`);

    const expected = numberedAlerts(TOTAL).map((a) => a.key);
    const received = rx.requests.map((r) => String(r.headers['idempotency-key']));
    const firstSeen = [...new Set(received)];
    assert.deepEqual(firstSeen, expected, 'every alert arrived, in order');
    const resent = received.length - firstSeen.length;
    t.diagnostic(`${kills} kills, ${received.length} requests for ${TOTAL} alerts (${resent} re-sent); delivered per killed run: ${perRun.join(', ')}`);
    assert.ok(resent <= kills, `re-sends (${resent}) only for alerts in flight at a kill (${kills} kills)`);

    const opened = openOutbox({ path: args[0] ?? '', create: false });
    const status = opened.outbox.status().find((s) => s.channel === 'crash');
    await opened.close();
    assert.equal(status?.pending, 0);
    assert.equal(status?.delivered, TOTAL);
    assert.equal(status?.failed, 0);
  });
});
