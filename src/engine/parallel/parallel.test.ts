/**
 * @module Tests of the parallel scan through `runScan`, on a small synthetic triage folder (the
 * size thresholds are lowered so that it runs on worker threads): the same findings, summary and
 * diagnostics as a serial scan; a file that fails inside a worker is that file's diagnostic; a
 * worker that crashes loses nothing; and every fallback to one thread is taken, with its reason.
 * Each test checks `threads.used`, so a scan that silently stayed serial cannot pass as parallel.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LineScanner } from '../../core/detector.js';
import type { ScanSummary } from '../../core/summary.js';
import { generateDemo } from '../../demo/index.js';
import { zipFolder } from '../../../test/helpers/zip.js';
import { repoRoot } from '../../sources/testutil.js';
import type { DetectorSet } from '../content.js';
import type { ScanContentOptions } from '../load-detectors.js';
import { loadScanDetectors } from '../load-detectors.js';
import type { ScanOptions, ScanResult } from '../scan.js';
import { runScan } from '../scan.js';
import type { ParallelOptions } from './policy.js';

const CONTENT: ScanContentOptions = {};
/** Thresholds lowered so that the small demo folder is scanned in parallel. */
const FORCE: Pick<ParallelOptions, 'minFiles' | 'minBytes'> = { minFiles: 0, minBytes: 0 };

let root = '';
let demo = '';
let detectors: DetectorSet;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'exhunt-parallel-'));
  demo = join(root, 'EXCH01');
  await generateDemo({ out: demo, profile: 'compromised', sizeBytes: 2_000_000, seed: 11, force: true, threads: 0 });
  // NUL padding (as an unclean shutdown leaves) at the end of every HttpProxy log: a diagnostic
  // in each of many files, so that the order of diagnostics is compared too.
  for (const e of readdirSync(join(demo, 'C'), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && /^HttpProxy_.*\.LOG$/.test(e.name)) appendFileSync(join(e.parentPath, e.name), Buffer.alloc(8));
  }
  detectors = await loadScanDetectors(CONTENT);
});
after(() => rmSync(root, { recursive: true, force: true }));

function scan(extra: Partial<ScanOptions> & { parallel?: ParallelOptions }, inputs: readonly string[] = [demo]): Promise<ScanResult> {
  return runScan({ inputs, detectors, sinks: () => [], ...extra });
}

/** The summary without the fields that depend on when the scan ran. */
function timeless(s: ScanSummary): Omit<ScanSummary, 'startedAt' | 'finishedAt'> {
  const { startedAt: _s, finishedAt: _f, ...rest } = s;
  return rest;
}

/** Findings as the JSON Lines sink writes them. */
const jsonl = (r: ScanResult): string => r.findings.map((f) => JSON.stringify(f)).join('\n');

void describe('parallel scan', () => {
  void it('gives the findings, their order and the summary of a serial scan', async () => {
    const serial = await scan({ parallel: { threads: 1, content: CONTENT } });
    const parallel = await scan({ parallel: { threads: 3, content: CONTENT, ...FORCE } });
    // How the files were shared depends on timing (the main thread may read them all before the
    // workers have loaded their detectors); the next test makes the workers read every file.
    assert.equal(parallel.threads.used, 3);
    assert.equal(parallel.threads.serialReason, null);
    assert.deepEqual(serial.threads, { used: 1, serialReason: 'one thread asked for', workerFiles: 0 });
    assert.ok(serial.findings.length >= 15, `the demo plants evidence: ${serial.findings.length} findings`);
    assert.ok(serial.summary.files > 50, `enough files to spread: ${serial.summary.files}`);
    const padded = serial.summary.diagnostics.filter((d) => d.code === 'nul-padding').length;
    assert.ok(padded > 20, `diagnostics in many files: ${padded}`);
    assert.equal(jsonl(parallel), jsonl(serial));
    assert.deepEqual(timeless(parallel.summary), timeless(serial.summary));
  });

  void it('gives the same result when the workers read every file', async () => {
    const serial = await scan({});
    const parallel = await scan({ parallel: { threads: 3, content: CONTENT, ...FORCE, mainTakesFiles: false } });
    assert.equal(parallel.threads.used, 3);
    assert.equal(parallel.threads.workerFiles, serial.summary.files);
    assert.equal(jsonl(parallel), jsonl(serial));
    assert.deepEqual(timeless(parallel.summary), timeless(serial.summary));
  });

  void it('reports a file that fails in a worker as that file\'s diagnostic, as a serial scan does', async () => {
    // The file goes away after planning (as on a live server): the worker's open fails.
    const victim = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log';
    const abs = join(demo, ...victim.split('/'));
    const saved = join(root, 'saved.log');
    copyFileSync(abs, saved);
    const vanish = { start: () => rmSync(abs), advance: () => undefined, stop: () => undefined };
    try {
      const serial = await scan({ progress: vanish });
      copyFileSync(saved, abs);
      const parallel = await scan({ progress: vanish, parallel: { threads: 3, content: CONTENT, ...FORCE, mainTakesFiles: false } });
      assert.equal(parallel.threads.workerFiles, parallel.summary.files, 'every file, the vanished one included, went to a worker');
      const unreadable = parallel.summary.diagnostics.filter((d) => d.code === 'unreadable');
      assert.deepEqual(
        unreadable.map((d) => [d.level, d.path, d.input]),
        [['error', victim, demo]],
      );
      assert.match(unreadable[0]!.message, /ENOENT/);
      assert.ok(!parallel.summary.diagnostics.some((d) => d.code === 'worker-failed'), 'the workers themselves did not fail');
      assert.equal(jsonl(parallel), jsonl(serial));
      assert.deepEqual(timeless(parallel.summary), timeless(serial.summary));
    } finally {
      copyFileSync(saved, abs);
    }
  });

  void it('loses no finding when workers crash: the main thread scans what they did not report', async () => {
    const serial = await scan({});
    const parallel = await scan({ parallel: { threads: 3, content: CONTENT, ...FORCE, mainTakesFiles: false, crashAfterFiles: 3 } });
    assert.equal(parallel.threads.used, 3);
    assert.ok(parallel.threads.workerFiles <= 6, `each worker crashed after 3 files: ${parallel.threads.workerFiles}`);
    assert.equal(jsonl(parallel), jsonl(serial));
    const failed = parallel.summary.diagnostics.filter((d) => d.code === 'worker-failed');
    assert.equal(failed.length, 2, JSON.stringify(failed));
    for (const d of failed) {
      assert.equal(d.level, 'warning');
      assert.match(d.message, /test crash after 3 files.*scanned again on the main thread/);
      assert.ok(d.path !== '', 'names the file the worker had taken last');
    }
    const rest = parallel.summary.diagnostics.filter((d) => d.code !== 'worker-failed');
    assert.deepEqual(timeless({ ...parallel.summary, diagnostics: rest }), timeless(serial.summary));
  });
});

void describe('parallel scan: falls back to one thread', () => {
  const parallel: ParallelOptions = { threads: 3, content: CONTENT, ...FORCE };

  void it('for inputs below the size thresholds', async () => {
    const r = await scan({ parallel: { threads: 3, content: CONTENT } });
    assert.equal(r.threads.used, 1);
    assert.match(r.threads.serialReason ?? '', /smaller than 50 files or 384 MiB/);
  });

  void it('for a zip (its members are not files a worker can open), with the same result', async () => {
    const zip = join(root, 'EXCH01.zip');
    zipFolder(demo, zip);
    const r = await scan({ parallel }, [zip]);
    assert.equal(r.threads.used, 1);
    assert.match(r.threads.serialReason ?? '', /only files on disk/);
    // A folder first (its workers already started) and the zip second: stopped, still serial.
    const mixed = await scan({ parallel }, [demo, zip]);
    assert.equal(mixed.threads.used, 1);
    assert.match(mixed.threads.serialReason ?? '', /only files on disk/);
    const serial = await scan({}, [demo, zip]);
    assert.equal(jsonl(mixed), jsonl(serial));
  });

  void it('with Sigma correlation rules (they need a host\'s records on one thread)', async () => {
    const rules = join(repoRoot, 'test', 'fixtures', 'sigma', 'scripted-post-correlation.yml');
    const content: ScanContentOptions = { sigma: [rules] };
    const withCorrelation = await loadScanDetectors(content);
    assert.equal(withCorrelation.correlators.length, 1);
    const r = await runScan({ inputs: [demo], detectors: withCorrelation, sinks: () => [], parallel: { threads: 3, content, ...FORCE } });
    assert.equal(r.threads.used, 1);
    assert.match(r.threads.serialReason ?? '', /correlation/);
  });

  void it('with --profile-rules and with YARA line rules', async () => {
    const profiled = await scan({ parallel, ruleProfile: new Map() });
    assert.equal(profiled.threads.used, 1);
    assert.match(profiled.threads.serialReason ?? '', /profile-rules/);
    const lines: LineScanner = { lineLiterals: null, scansLines: true, scanLine: () => [] };
    const yara = await scan({ parallel, lineScanners: [lines] });
    assert.equal(yara.threads.used, 1);
    assert.match(yara.threads.serialReason ?? '', /YARA/);
  });
});
