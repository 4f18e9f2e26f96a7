// YaraPool: files scanned in worker threads give the hits the main thread gives; diagnostics and
// counters come back; log lines stay on the main thread; one worker means no threads at all.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Diagnostic } from '../../core/diagnostic.js';
import { YaraPool } from './pool.js';
import { fixture, requireBinding, ruleIds } from './testutil.js';

test('a pool of two workers scans files like the main thread, in any order of completion', async (t) => {
  if (!requireBinding(t)) return;
  const cache = mkdtempSync(join(tmpdir(), 'exhunt-yara-pool-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const diags: Diagnostic[] = [];
  const pool = YaraPool.open({ rules: [fixture('rules'), fixture('chirp.yaml')], workers: 2, maxFileBytes: 1000, cache, onDiagnostic: (d) => diags.push(d) });
  t.after(() => pool.close());
  assert.equal(pool.workers, 2);
  await pool.ready();
  const inputs = [
    { path: 'a.aspx', bytes: Buffer.from('exhunt-synthetic-webshell-marker'), size: 32 },
    { path: 'b.aspx', bytes: Buffer.from('exhunt-filename-marker'), size: 22, windowsPath: 'C:\\x\\shell.aspx' },
    { path: 'c.exe', bytes: Buffer.from('MZ\x90\x00exhunt-binary-marker', 'latin1'), size: 24 },
    { path: 'samples/synthetic-clean.aspx', localPath: fixture('samples', 'synthetic-clean.aspx'), size: 400 },
    { path: 'big.aspx', bytes: Buffer.alloc(2000, 0x61), size: 2000 },
  ];
  const results = await Promise.all(inputs.map((i) => pool.scanFile(i)));
  assert.deepEqual(results.map(ruleIds), [
    ['yara:fixture_basic.Fixture_Webshell_Marker'],
    ['yara:fixture_basic.Fixture_Filename_Only'],
    ['yara:fixture_basic.Fixture_Binary_Only'],
    [],
    [],
  ]);
  assert.equal(results[0]?.[0]?.evidence.author, 'exhunt tests');
  assert.deepEqual(diags.map((d) => [d.code, d.path]), [['yara-too-large', 'big.aspx']]);
  assert.equal(pool.stats.files, 4);
  assert.equal(pool.stats.tooLarge, 1);
  assert.deepEqual(ruleIds(pool.scanLine('POST /exhunt/attack.aspx 200', { path: 'x.log', line: 3, kind: 'iis' })), ['yara:fixture_basic.Fixture_Log_Line']);
  assert.equal(pool.stats.lines, 1);
});

test('one worker: files are scanned on the main thread', async (t) => {
  if (!requireBinding(t)) return;
  const pool = YaraPool.open({ rules: [fixture('rules')], workers: 1 });
  t.after(() => pool.close());
  assert.equal(pool.workers, 0);
  const hits = await pool.scanFile({ path: 'a', bytes: Buffer.from('exhunt-synthetic-webshell-marker'), size: 32 });
  assert.deepEqual(ruleIds(hits), ['yara:fixture_basic.Fixture_Webshell_Marker']);
  assert.equal(pool.stats.files, 1);
});
