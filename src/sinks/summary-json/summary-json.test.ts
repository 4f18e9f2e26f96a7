/**
 * @module Tests of the summary JSON sink: exact content, pretty-printing, atomic replace, errors.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScanSummary } from '../../core/summary.js';
import { runSinkConformance } from '../conformance.js';
import { SinkError } from '../lifecycle.js';
import { coverage, hostReport, RUN, ssrfFinding, summaryFor, webShellFinding } from '../testing.js';
import { summaryJsonSink } from './index.js';

runSinkConformance('summary-json', ({ dir }) => summaryJsonSink({ path: join(dir, 'summary.json') }));

void describe('summaryJsonSink', () => {
  let dir = '';
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'exhunt-summary-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  void test('writes the summary pretty-printed at close, and it parses back equal', async () => {
    const path = join(dir, 'nested', 'summary.json');
    const fs = [ssrfFinding(), webShellFinding()];
    const summary = summaryFor(fs, {
      diagnostics: [{ level: 'warning', code: 'bad-row', message: 'row has \u202e in it', path: 'a.log', line: 2 }],
    });
    const sink = summaryJsonSink({ path });
    await sink.begin?.(RUN);
    for (const f of fs) await sink.write(f);
    await assert.rejects(readFile(path), 'nothing is written before close');
    await sink.close?.(summary, fs);
    const text = await readFile(path, 'utf8');
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(summary)));
    assert.ok(text.startsWith('{\n  "schemaVersion": 1,\n'), 'two-space indentation');
    assert.ok(text.endsWith('}\n'));
    assert.ok(!text.includes('\u202e'), 'bidi characters are escaped');
  });

  void test('an inconclusive run with no findings still records coverage and verdict', async () => {
    const path = join(dir, 'empty.json');
    const summary = summaryFor([], {
      hosts: [hostReport([], { verdict: 'inconclusive', reason: 'no logs', coverage: [coverage('HttpProxy/Owa', { coversWindow: false })] })],
    });
    const sink = summaryJsonSink({ path });
    await sink.close?.(summary, []);
    const parsed = JSON.parse(await readFile(path, 'utf8')) as ScanSummary;
    assert.equal(parsed.verdict, 'inconclusive');
    assert.equal(parsed.hosts[0]?.coverage[0]?.coversWindow, false);
  });

  void test('replaces an existing file and leaves no temporary file behind', async () => {
    const sub = await mkdtemp(join(dir, 'replace-'));
    const path = join(sub, 'summary.json');
    await writeFile(path, 'old');
    await summaryJsonSink({ path }).close?.(summaryFor([]), []);
    assert.notEqual(await readFile(path, 'utf8'), 'old');
    assert.deepEqual(await readdir(sub), ['summary.json']);
  });

  void test('a path that cannot be written rejects with SinkError', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'x');
    await assert.rejects(async () => summaryJsonSink({ path: join(blocker, 'summary.json') }).close?.(summaryFor([]), []), SinkError);
  });
});
