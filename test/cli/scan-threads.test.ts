// End-to-end: `exhunt scan --threads N` as a user runs it. A small synthetic triage folder is
// scanned on three threads (the size thresholds lowered through EXHUNT_PARALLEL_MIN_*) and on one,
// and the JSON Lines and the summary must be byte for byte the same but for the summary's times.
// When threads were asked for by name and not used, exhunt says why on standard error; the tests
// check that this note is absent from the parallel runs, so a scan that quietly stayed serial
// fails here instead of comparing a serial scan with itself.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScanSummary } from '../../src/core/summary.js';
import { generateDemo } from '../../src/demo/index.js';
import { exhunt, SHARED, tempDir } from '../helpers/cli.js';
import { zipFolder } from '../helpers/zip.js';

/** Lets the small demo folder run on worker threads. */
const FORCE = { EXHUNT_PARALLEL_MIN_FILES: '0', EXHUNT_PARALLEL_MIN_BYTES: '0' };
const SERIAL_NOTE = /scanned on one thread/;

interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly jsonl: string;
  readonly summary: ScanSummary;
}

function run(t: { after(fn: () => void): void }, args: readonly string[], env: Record<string, string> = {}): Run {
  const out = tempDir(t, 'exhunt-threads-');
  const r = exhunt(['scan', ...args, '--jsonl', join(out, 'findings.jsonl'), '--summary-json', join(out, 'summary.json'), '--no-progress'], env);
  assert.ok(existsSync(join(out, 'summary.json')), `no summary; stderr: ${r.stderr}`);
  return {
    code: r.code,
    stderr: r.stderr,
    jsonl: readFileSync(join(out, 'findings.jsonl'), 'utf8'),
    summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ScanSummary,
  };
}

function timeless(s: ScanSummary): string {
  return JSON.stringify({ ...s, startedAt: null, finishedAt: null });
}

let root = '';
let demo = '';
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'exhunt-threads-demo-'));
  demo = join(root, 'EXCH01');
  await generateDemo({ out: demo, profile: 'compromised', sizeBytes: 3_000_000, seed: 5, force: true, threads: 0 });
});
after(() => rmSync(root, { recursive: true, force: true }));

void describe('scan --threads', () => {
  void test('three threads write the same findings JSON Lines and summary as one', (t) => {
    const one = run(t, [demo, '--threads', '1', '-q']);
    // Not quiet: the note about staying on one thread is only written without -q.
    const three = run(t, [demo, '--threads', '3'], FORCE);
    assert.equal(one.code, 1, one.stderr);
    assert.equal(three.code, 1, three.stderr);
    assert.doesNotMatch(three.stderr, SERIAL_NOTE, 'the scan ran on three threads');
    assert.ok(one.summary.findings >= 15 && one.summary.files > 50, `findings ${one.summary.findings}, files ${one.summary.files}`);
    assert.equal(three.jsonl, one.jsonl);
    assert.equal(timeless(three.summary), timeless(one.summary));
  });

  void test('with Sigma rules (loaded again in every worker) the output is the same too', (t) => {
    const hafnium = join(SHARED, 'sigma', 'rules-emerging-threats', '2021', 'TA', 'HAFNIUM', 'web_exchange_exploitation_hafnium.yml');
    if (!existsSync(hafnium)) {
      t.skip('needs ../shared/data (sigma)');
      return;
    }
    const one = run(t, [demo, '--sigma', hafnium, '--threads', '1', '-q']);
    const three = run(t, [demo, '--sigma', hafnium, '--threads', '3'], FORCE);
    assert.doesNotMatch(three.stderr, SERIAL_NOTE);
    assert.ok(one.jsonl.includes('sigma.file'), 'the Sigma rule found something');
    assert.equal(three.jsonl, one.jsonl);
    assert.equal(timeless(three.summary), timeless(one.summary));
  });

  void test('a small input stays on one thread, and says so when --threads was given', (t) => {
    const r = run(t, [demo, '--threads', '3']);
    assert.match(r.stderr, /--threads 3: scanned on one thread: inputs smaller than 50 files or 384 MiB/);
    // By default (no --threads) the fallback is silent.
    const quiet = run(t, [demo]);
    assert.doesNotMatch(quiet.stderr, SERIAL_NOTE);
  });

  void test('a zip is scanned on one thread, with the same output', (t) => {
    const zip = join(tempDir(t), 'EXCH01.zip');
    zipFolder(demo, zip);
    const one = run(t, [zip, '--threads', '1', '-q']);
    const three = run(t, [zip, '--threads', '3'], FORCE);
    assert.match(three.stderr, /scanned on one thread: only files on disk/);
    assert.equal(three.jsonl, one.jsonl);
  });

  void test('--threads must be a positive whole number', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '65']) {
      const r = exhunt(['scan', demo, '--threads', bad, '-q']);
      assert.equal(r.code, 2, `--threads ${bad}: ${r.stderr}`);
      assert.match(r.stderr, /--threads/);
    }
  });
});
