// FAULT TEST: `exhunt watch` (the real command, as a child process) is killed with SIGKILL at
// random moments, 50 times, while attack and benign lines keep being appended to a SYNTHETIC
// triage mirror's IIS and HttpProxy logs (with a daily IIS rotation half way). Then one run is
// left to finish. Every finding a scan of the final files gives must have arrived exactly once:
// in the JSON Lines file strictly once, at rsyslog once per idempotency key (`externalId`); a
// raw re-send can only be the syslog batch in flight at a kill. The kill moments come from a
// seeded generator, so a failure can be replayed (EXHUNT_CRASH_SEED).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openOutbox } from '../../src/alerts/index.js';
import { builtinContentDir } from '../../src/content/package-root.js';
import { loadScanDetectors } from '../../src/engine/load-detectors.js';
import { runScan } from '../../src/engine/scan.js';
import { Rng } from '../../src/demo/random.js';
import { REPO } from '../helpers/cli.js';
import { gate } from '../alerts/helpers/tools.js';
import { keyOf, readJsonl, receivedKeys, rsyslogSuite, sleep, waitCount } from './helpers/harness.js';
import { HOST, HTTPPROXY_ECP_DIR, IIS_DIR, SyntheticLogs, append, makeMirror, write } from './helpers/logs.js';

const tools = gate(['rsyslogd', 'openssl'], 'rsyslog, rsyslog-gnutls, openssl');
const KILLS = 50;
const SEED = process.env.EXHUNT_CRASH_SEED ?? 'watch-crash-1';
/** Rules the stream's attack lines raise (a pack of two built-in rules keeps each start-up short). */
const RULES = ['ProxyLogon/IisSsrfStaticResource.yaml', 'ProxyLogon/SsrfHttpProxy.yaml'];

interface Run {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function startChild(args: readonly string[]): Run {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'exhunt.js'), 'watch', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes('exhunt: watching ')) onReady();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, ready, exited, output: () => err };
}

void describe('SIGKILL at random moments while lines stream in', { skip: tools.skip }, () => {
  const suite = rsyslogSuite('exhunt-watch-crash-', tools.failure);

  void test(`${KILLS} kills, then a clean run: every alert exactly once`, { timeout: 240_000 }, async (t) => {
    const root = join(suite.dir, 'EXCH01');
    const state = join(suite.dir, 'state');
    const jsonl = join(suite.dir, 'findings.jsonl');
    const pack = join(suite.dir, 'pack');
    for (const r of RULES) {
      mkdirSync(join(pack, 'rules', 'Exchange', 'ProxyLogon'), { recursive: true });
      copyFileSync(join(builtinContentDir(), 'rules', 'Exchange', r), join(pack, 'rules', 'Exchange', r));
    }
    makeMirror(root);
    const g = new SyntheticLogs('crash-stream');
    let iis = `${IIS_DIR}/u_ex210303.log`;
    const hp = `${HTTPPROXY_ECP_DIR}/HttpProxy_2021030304-1.LOG`;
    write(root, iis, g.iisHeader());
    write(root, hp, g.httpProxyHeader());
    const args = [
      root,
      '--state', state,
      '--alert', `syslog+tcp://127.0.0.1:${suite.rs.tcpPort}?name=siem&format=cef&minSeverity=info&retryInitial=50ms&retryMax=200ms`,
      '--jsonl', jsonl,
      '--host', HOST,
      '--no-intel', '--no-builtin', '--rules', pack,
      '--from-start', '--poll', '100ms', '--rescan', '5s', '--reload', '0', '--max-cpu', '0', '-q',
    ];

    // The stream: a few lines every 25 ms, one in six an attack, until the kills are over.
    let n = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        let a = '';
        let b = '';
        for (let i = 0; i < 3; i++) {
          a += n % 6 === 0 ? g.iisAttack(n) : g.iisBenign();
          b += n % 6 === 3 ? g.httpProxyAttack(n) : g.httpProxyBenign();
          n++;
        }
        append(root, iis, a);
        append(root, hp, b);
        await sleep(25);
      }
    })();

    const rng = new Rng(SEED);
    const seenBefore = suite.rs.raw().length;
    let killed = 0;
    const moments: string[] = [];
    let next = startChild(args);
    t.after(() => {
      writing = false;
      next.child.kill('SIGKILL');
    });
    for (let k = 0; k < KILLS; k++) {
      if (k === KILLS / 2) {
        // Daily rotation half way: the stream goes on in a new IIS file.
        iis = `${IIS_DIR}/u_ex210304.log`;
        write(root, iis, g.iisHeader());
      }
      const run = next;
      // One kill in five while it starts and takes over (loading, opening the store, planning),
      // the others while it reads, matches, commits and delivers the backlog that built up.
      // Its successor starts once it holds the lock (one waiter at a time).
      const early = rng.chance(0.2);
      const delay = early ? rng.range(0, 700) : rng.range(0, 400);
      if (!early) {
        await Promise.race([run.ready, run.exited]);
        next = startChild(args);
      }
      await sleep(delay);
      run.child.kill('SIGKILL');
      if (early) next = startChild(args);
      const end = await run.exited;
      if (end.signal === 'SIGKILL') killed++;
      else assert.fail(`run ${k} ended by itself (${end.code}): ${run.output()}`);
      moments.push(`${early ? 'takeover+' : 'ready+'}${delay}`);
    }
    const last = next;
    writing = false;
    await writer;

    // The reference: what a scan of the final files finds with the same rules and host.
    const detectors = await loadScanDetectors({ builtin: false, rules: [pack], intel: false });
    const scan = await runScan({ inputs: [root], host: HOST, detectors, sinks: () => [] });
    const expected = [...scan.findings].map(keyOf).sort();
    assert.ok(expected.length > 100, `the stream has attacks (${expected.length} findings in ${n} lines)`);

    await waitCount(() => readJsonl(jsonl), expected.length, 60_000, 'JSON lines');
    await waitCount(() => [...new Set(receivedKeys(suite.rs.raw().slice(seenBefore)))], expected.length, 60_000, 'distinct alerts at rsyslog');
    await sleep(500);
    last.child.kill('SIGTERM');
    const end = await last.exited;
    assert.equal(end.code, 0, last.output());

    const lines = readJsonl(jsonl).map(keyOf);
    assert.deepEqual([...lines].sort(), expected, 'JSON Lines: every finding exactly once');
    const received = receivedKeys(suite.rs.raw().slice(seenBefore));
    const distinct = [...new Set(received)];
    assert.deepEqual([...distinct].sort(), expected, 'rsyslog: every alert arrived');
    const resent = received.length - distinct.length;
    t.diagnostic(`${killed} kills (${moments.join(' ')}), ${n} lines, ${expected.length} alerts, ${received.length} messages at rsyslog (${resent} re-sent in flight)`);
    assert.ok(resent <= killed * 50, `re-sends (${resent}) only for batches in flight at a kill`);

    const opened = openOutbox({ path: join(state, 'exhunt.db'), create: false });
    const status = opened.outbox.status();
    await opened.close();
    for (const s of status) {
      assert.equal(s.pending, 0, `${s.channel}: nothing left`);
      assert.equal(s.delivered, expected.length, `${s.channel}: each alert delivered once`);
    }
  });
});
