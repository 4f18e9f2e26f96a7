// `exhunt watch` as a user runs it: the config file (errors name the file and line), `--check`
// (exit 0 for a good setup, 2 for a bad one), a run stopped with SIGTERM, and the JSON Lines
// channel's recovery from a crash in the middle of a write.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alertFromFinding } from '../../src/alerts/alert.js';
import { ssrfFinding } from '../../src/sinks/testing.js';
import { findingToJsonLine } from '../../src/sinks/jsonl/jsonl.js';
import { jsonlChannel, parseWatchConfig } from '../../src/watch/index.js';
import { REPO, exhunt, tempDir } from '../helpers/cli.js';
import { readJsonl, sleep } from './helpers/harness.js';
import { IIS_DIR, SyntheticLogs, append, makeMirror, write } from './helpers/logs.js';

void describe('exhunt watch command', () => {
  void test('config file: strict, every problem with its line', () => {
    const text = ['paths: [/srv/EXCH01]', 'state: /var/lib/exhunt', 'maxCpu: 250', 'pollInterval: 1s', 'channels:', '  - name: siem', '    type: syslog', '    transport: carrier-pigeon', '    host: 127.0.0.1', ''].join('\n');
    assert.throws(
      () => parseWatchConfig(text, '/etc/exhunt/watch.yaml'),
      (e: unknown) => {
        const m = e instanceof Error ? e.message : '';
        return /watch\.yaml:3: maxCpu/.test(m) && /watch\.yaml:4: pollInterval: unknown key/.test(m) && /watch\.yaml:8: channels\.0\.transport/.test(m);
      },
    );
    const ok = parseWatchConfig('paths: triage\nstate: state\nstart: start\nrescan: 2m\nchannels:\n  - { name: siem, type: syslog, transport: udp, host: 127.0.0.1 }\n', '/etc/exhunt/watch.yaml');
    assert.deepEqual(ok.paths, ['/etc/exhunt/triage'], 'relative paths are taken from the config file\'s folder');
    assert.equal(ok.rescan, 120_000);
    assert.equal(ok.channels[0]?.type, 'syslog');
  });

  void test('--check: 0 for a good setup, 2 with the problem named', (t) => {
    const dir = tempDir(t, 'exhunt-watch-check-');
    const root = join(dir, 'EXCH01');
    makeMirror(root);
    const g = new SyntheticLogs('check');
    write(root, `${IIS_DIR}/u_ex210303.log`, g.iisHeader() + g.iisBenign());
    const config = join(dir, 'watch.yaml');
    writeFileSync(config, `paths: [${root}]\nstate: ${join(dir, 'state')}\nchannels:\n  - { name: siem, type: syslog, transport: tcp, host: 127.0.0.1, port: 5514 }\n`);
    const good = exhunt(['watch', '--config', config, '--check', '--no-intel']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /input .*EXCH01: 1 logs followed/);
    assert.match(good.stdout, /alerts: siem → syslog\+tcp:\/\/127\.0\.0\.1:5514/);
    assert.match(good.stdout, /setup ok/);

    writeFileSync(config, `paths: [${join(dir, 'missing')}]\nstate: ${join(dir, 'state')}\n`);
    const bad = exhunt(['watch', '--config', config, '--check', '--no-intel']);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /PROBLEM input .*missing: .*no such file or folder/);

    writeFileSync(config, 'paths: [x]\nstatee: y\n');
    const typo = exhunt(['watch', '--config', config, '--check']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /watch\.yaml:2: statee: unknown key/);
  });

  void test('a run: findings printed as they come, SIGTERM stops it cleanly (exit 0)', async (t) => {
    const dir = tempDir(t, 'exhunt-watch-run-');
    const root = join(dir, 'EXCH01');
    makeMirror(root);
    const g = new SyntheticLogs('run');
    const iis = `${IIS_DIR}/u_ex210303.log`;
    write(root, iis, g.iisHeader());
    const jsonl = join(dir, 'findings.jsonl');
    const child = spawn(process.execPath, [join(REPO, 'bin', 'exhunt.js'), 'watch', root, '--state', join(dir, 'state'), '--jsonl', jsonl, '--host', 'EXCH01', '--no-intel', '--poll', '100ms'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    t.after(() => child.kill('SIGKILL'));
    // The last of the start-up lines (stderr may arrive in several pieces).
    for (let i = 0; i < 100 && !err.includes('alerts to'); i++) await sleep(50);
    assert.match(err, /first run, following from the end of existing files/);
    append(root, iis, g.iisBenign() + g.iisAttack(1));
    for (let i = 0; i < 100 && !out.includes('IisSsrfStaticResource'); i++) await sleep(50);
    assert.match(out, /HIGH {4} {2}EXCH01 {2}POST to a static ECP resource .* from 192\.0\.2\.2 {2}C\/inetpub\/logs\/LogFiles\/W3SVC1\/u_ex210303\.log:7 {2}Exchange\.ProxyLogon\.IisSsrfStaticResource/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.match(err, /SIGTERM: stopping/);
    assert.equal(readJsonl(jsonl).length, 2);
  });

  void test('JSON Lines channel: a partial last line from a crash is cut, lines already written are not repeated', async (t) => {
    const dir = tempDir(t, 'exhunt-watch-jsonl-');
    const file = join(dir, 'f.jsonl');
    const a = alertFromFinding(ssrfFinding({ source: { line: 1 } }));
    const b = alertFromFinding(ssrfFinding({ source: { line: 2 } }));
    // The batch [a, b] was written, then the process died before the outbox recorded it, and a
    // torn line of a later write was left at the end.
    writeFileSync(file, findingToJsonLine(a.finding) + findingToJsonLine(b.finding) + '{"schemaVersion":1,"rul');
    const ch = jsonlChannel(file);
    await ch.send([a, b], AbortSignal.timeout(1000));
    const c = alertFromFinding(ssrfFinding({ source: { line: 3 } }));
    await ch.send([c], AbortSignal.timeout(1000));
    await ch.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 4);
    assert.deepEqual(readJsonl(file).map((f) => f.source.line), [1, 2, 3]);
  });
});
