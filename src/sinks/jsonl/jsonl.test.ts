/**
 * @module Tests of the JSON Lines sink: round trip, order, key order, backpressure, and that
 * write failures fail the run instead of being lost.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../core/finding.js';
import { runSinkConformance } from '../conformance.js';
import { SinkError } from '../lifecycle.js';
import { ecpVdirFinding, RUN, ssrfFinding, summaryFor, webShellFinding } from '../testing.js';
import { jsonlSink } from './index.js';

runSinkConformance('jsonl (path)', ({ dir }) => jsonlSink({ path: join(dir, 'out', 'findings.jsonl') }));
runSinkConformance('jsonl (stream)', () => jsonlSink({ stream: new PassThrough().resume() }));

const KEY_ORDER = ['schemaVersion', 'ruleId', 'title', 'description', 'severity', 'outcome', 'stage', 'cves', 'attack', 'references', 'time', 'clientIp', 'host', 'input', 'source', 'evidence', 'report'];

async function run(sinkPath: string, findings: readonly Finding[]): Promise<string> {
  const sink = jsonlSink({ path: sinkPath });
  await sink.begin?.(RUN);
  for (const f of findings) await sink.write(f);
  await sink.close?.(summaryFor(findings), findings);
  return readFile(sinkPath, 'utf8');
}

void describe('jsonlSink', () => {
  let dir = '';
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'exhunt-jsonl-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  void test('round trip: one parseable line per finding, in order, equal to the finding', async () => {
    const findings = [
      ssrfFinding(),
      ecpVdirFinding(),
      // Hostile and awkward values: newlines, quotes, ESC, bidi, C1, astral characters.
      webShellFinding({ evidence: { Name: 'x\u202egpj.aspx', UA: 'a\nb"c\\d\x1b[2J\u009b\u2028😀', Empty: '' } }),
      ssrfFinding({ time: null, clientIp: null, report: undefined, references: [{ name: 'no url' }] }),
    ];
    const text = await run(join(dir, 'roundtrip.jsonl'), findings);
    assert.ok(text.endsWith('\n'));
    const lines = text.slice(0, -1).split('\n');
    assert.equal(lines.length, findings.length);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line) as Finding;
      const expected = JSON.parse(JSON.stringify(findings[i])) as Finding;
      assert.deepEqual(parsed, expected);
    });
    // Raw control and bidi characters never reach the file.
    for (const line of lines) assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
  });

  void test('keys are written in schema order, whatever order the object was built in', async () => {
    const f = ssrfFinding();
    const shuffled = Object.fromEntries(Object.entries(f).reverse()) as unknown as Finding;
    const text = await run(join(dir, 'order.jsonl'), [shuffled]);
    assert.deepEqual(Object.keys(JSON.parse(text) as object), KEY_ORDER);
  });

  void test('keys outside the schema are not written', async () => {
    const f = { ...ssrfFinding(), secret: 'x' } as Finding;
    const text = await run(join(dir, 'extra.jsonl'), [f]);
    assert.ok(!text.includes('secret'));
  });

  void test('no findings: an empty file, created at begin', async () => {
    const path = join(dir, 'sub', 'dir', 'empty.jsonl');
    const sink = jsonlSink({ path });
    await sink.begin?.(RUN);
    assert.equal(await readFile(path, 'utf8'), '');
    await sink.close?.(summaryFor([]), []);
    assert.equal(await readFile(path, 'utf8'), '');
  });

  void test('findings are written as they come, before close', async () => {
    const path = join(dir, 'streaming.jsonl');
    const sink = jsonlSink({ path });
    await sink.begin?.(RUN);
    for (let i = 0; i < 3; i++) await sink.write(ssrfFinding({ source: { line: i + 1 } }));
    // Wait for the write stream to hand the data to the file.
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await readFile(path, 'utf8')).split('\n').length - 1, 3);
    await sink.close?.(summaryFor([]), []);
  });

  void test('waits for a slow reader (backpressure) and keeps order', async () => {
    const got: string[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk.toString('utf8'));
        setTimeout(cb, 1);
      },
    });
    const sink = jsonlSink({ stream: slow });
    await sink.begin?.(RUN);
    for (let i = 0; i < 40; i++) {
      await sink.write(ssrfFinding({ source: { line: i + 1 } }));
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
    }
    await sink.close?.(summaryFor([]), []);
    // Each line is longer than the high-water mark, so every write must have waited for 'drain'.
    assert.equal(maxBuffered, 0);
    const lines = got.join('').split('\n').filter((l) => l !== '');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as Finding).source.line), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.equal(slow.writableEnded, false, 'a stream passed in is not ended');
  });

  void test('a file that cannot be created rejects at begin', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    await assert.rejects(async () => jsonlSink({ path: join(blocker, 'f.jsonl') }).begin?.(RUN), SinkError);
  });

  void test('a failing stream rejects write or close with SinkError', async () => {
    const broken = new Writable({ write: (_c, _e, cb) => cb(new Error('ENOSPC: no space left on device')) });
    const sink = jsonlSink({ stream: broken });
    await sink.begin?.(RUN);
    await assert.rejects(async () => {
      await sink.write(ssrfFinding());
      await sink.write(ssrfFinding());
      await sink.close?.(summaryFor([]), []);
    }, (err: unknown) => err instanceof SinkError && err.message.includes('ENOSPC'));
  });
});
