/**
 * `exhunt evtx dump` and `exhunt evtx info` end to end (in a child process, through commander),
 * before the lead wires `registerEvtx` into src/cli/main.ts. Kept here because the command's
 * folder belongs to the CLI owner.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../../../test/helpers/cli.js';
import { repoRoot, requireShared, sharedDataPath } from '../testutil.js';

const COMMAND = pathToFileURL(join(repoRoot, 'dist', 'src', 'cli', 'commands', 'evtx.js')).href;

/** Runs `exhunt <args>` with only the evtx commands registered. */
function exhuntEvtx(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const script = `
    import { Command } from 'commander';
    import { registerEvtx } from ${JSON.stringify(COMMAND)};
    let code = 0;
    const program = new Command().name('exhunt').exitOverride();
    registerEvtx(program, (c) => { code = c; });
    try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); } catch (e) { process.stderr.write(String(e) + '\\n'); code = 2; }
    process.exitCode = code;`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('exhunt evtx', () => {
  it('dump: one JSON object per event with _file and _recordId; --jsonl writes a file; --xml prints XML', (t) => {
    const file = sharedDataPath('evtx-rs-samples', 'new-user-security.evtx');
    if (!requireShared(t, file)) return;
    const r = exhuntEvtx(['evtx', 'dump', file]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 4);
    assert.equal(lines[0]?._file, file);
    // A saved selection: the record headers are renumbered from 1, the XML keeps the original id.
    assert.equal(lines[0]?._recordId, 1);
    assert.equal(lines[0]?.EventRecordID, '111');
    assert.equal(lines[0]?.EventID, '4728');
    assert.equal(lines[0]?.MemberSid, 'S-1-5-21-3463664321-2923530833-3546627382-1000');

    const dir = tempDir(t);
    const out = join(dir, 'out.jsonl');
    const x = exhuntEvtx(['evtx', 'dump', file, '--jsonl', out, '--xml']);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(readFileSync(out, 'utf8'), r.stdout);
    assert.equal((x.stdout.match(/<Event xmlns=/g) ?? []).length, 4);
    assert.match(x.stdout, /<Data Name="MemberSid">S-1-5-21-3463664321-2923530833-3546627382-1000<\/Data>/);
  });

  it('dump: reads event exports too, with _line; exit 2 for what it cannot read', (t) => {
    const dir = tempDir(t);
    const xml = join(dir, 'export.xml');
    writeFileSync(xml, "<Event><System><EventID>1</EventID><EventRecordID>5</EventRecordID></System></Event>\n");
    const r = exhuntEvtx(['evtx', 'dump', xml]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { EventID: '1', EventRecordID: '5', _file: xml, _recordId: 5, _line: 1 });
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'hello');
    const bad = exhuntEvtx(['evtx', 'dump', junk, join(dir, 'missing.evtx')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /notes\.txt: not an \.evtx file or a known event export/);
    assert.match(bad.stderr, /missing\.evtx: cannot read/);
  });

  it('info: header facts and damage; exit 0 clean, 2 damaged', (t) => {
    const clean = sharedDataPath('evtx-rs-samples', 'security.evtx');
    if (!requireShared(t, clean)) return;
    const ok = exhuntEvtx(['evtx', 'info', clean]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /format: {3}EVTX 3\.1/);
    assert.match(ok.stdout, /header: {3}26 chunks \(numbers 0-25\), next record id 2226, flags 0x1 \(dirty\)/);
    assert.match(ok.stdout, /records: {2}2261 read; record ids 1 to 2261/);
    assert.match(ok.stdout, /verdict: {2}clean/);

    const dir = tempDir(t);
    const damaged = join(dir, 'damaged.evtx');
    const bytes = readFileSync(clean);
    bytes.write('XXXXXXXX', 4096 + 2 * 65536, 'latin1');
    writeFileSync(damaged, bytes);
    const bad = exhuntEvtx(['evtx', 'info', '--json', damaged]);
    assert.equal(bad.code, 2);
    const info = JSON.parse(bad.stdout) as { verdict: string; records: number; damagedChunks: { index: number; problems: string[] }[] };
    assert.equal(info.verdict, 'damaged');
    assert.equal(info.records, 2261 - 83);
    assert.deepEqual(info.damagedChunks, [{ index: 2, offset: 0x21000, problems: ['bad magic'], records: 0 }]);
  });
});
