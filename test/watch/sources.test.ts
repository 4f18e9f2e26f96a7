// One source read step by step (sources.ts) against the scan's parse of the whole file: small
// batches, a file taken over at its end (--from-now) that grows, an over-long line, UTF-16.
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import type { LogRecord } from '../../src/core/record.js';
import { readLog } from '../../src/engine/read-log.js';
import type { Checkpoint } from '../../src/watch/index.js';
import { baselineCheckpoint, tailStep } from '../../src/watch/index.js';
import { tempDir } from '../helpers/cli.js';
import { SyntheticLogs } from './helpers/logs.js';

type Kind = 'iis' | 'httpproxy';

async function whole(kind: Kind, bytes: Buffer): Promise<{ records: LogRecord[]; diags: Diagnostic[] }> {
  const records: LogRecord[] = [];
  const diags: Diagnostic[] = [];
  await readLog(kind, undefined, 'f.log', () => Promise.resolve(Readable.from([bytes])), { literals: null, onRecord: (r) => records.push(r), onDiagnostic: (d) => diags.push(d) });
  return { records, diags };
}

/** Steps until nothing changes; returns the records and diagnostics and the last checkpoint. */
async function drain(file: string, kind: Kind, cp: Checkpoint | null, maxBatchBytes: number): Promise<{ records: LogRecord[]; diags: Diagnostic[]; cp: Checkpoint | null }> {
  const records: LogRecord[] = [];
  const diags: Diagnostic[] = [];
  let current = cp;
  for (let i = 0; i < 10_000; i++) {
    const r = await tailStep(current, {
      input: 'in',
      path: 'f.log',
      abs: file,
      kind,
      literals: null,
      maxBatchBytes,
      maxLineBytes: 4096,
      tailGraceMs: 600_000,
      nowMs: Date.now(),
      onRecord: (rec) => records.push(rec),
      onDiagnostic: (d) => diags.push(d),
    });
    current = r.checkpoint;
    if (!r.changed && !r.more) break;
  }
  return { records, diags, cp: current };
}

const summary = (rs: readonly LogRecord[]): string[] => rs.map((r) => `${r.origin.line}:${JSON.stringify(r.fields())}`);

void describe('tailStep', () => {
  for (const kind of ['iis', 'httpproxy'] as const) {
    void test(`${kind}: small batches give the whole file's records at their lines`, async (t) => {
      const dir = tempDir(t, 'exhunt-watch-src-');
      const file = join(dir, 'f.log');
      const g = new SyntheticLogs(`steps-${kind}`);
      let text = kind === 'iis' ? g.iisHeader() : g.httpProxyHeader();
      for (let i = 0; i < 60; i++) text += kind === 'iis' ? g.iisBenign() : g.httpProxyBenign();
      // IIS restarts mid-file: a second header block.
      if (kind === 'iis') text += g.iisHeader();
      for (let i = 0; i < 30; i++) text += kind === 'iis' ? g.iisBenign() : g.httpProxyBenign();
      writeFileSync(file, text);
      const got = await drain(file, kind, null, 1500);
      const ref = await whole(kind, Buffer.from(text));
      assert.equal(got.records.length, ref.records.length);
      assert.deepEqual(summary(got.records), summary(ref.records));
      assert.equal(got.cp?.line, text.split('\n').length - 1);
      assert.equal(got.cp?.offset, Buffer.byteLength(text));
    });
  }

  void test('--from-now baseline: the file grows, its new lines come with true numbers and the header found by a skim', async (t) => {
    const dir = tempDir(t, 'exhunt-watch-src-');
    const file = join(dir, 'f.log');
    const g = new SyntheticLogs('baseline');
    let text = g.httpProxyHeader();
    for (let i = 0; i < 40; i++) text += g.httpProxyBenign();
    writeFileSync(file, `${text}2021-03-03T04:00:00.000Z,half`);
    const base = await baselineCheckpoint({ input: 'in', path: 'f.log', kind: 'httpproxy', abs: file, mode: 'tail' });
    assert.equal(base?.offset, Buffer.byteLength(text));
    assert.equal(base?.line, null, 'not counted yet');
    writeFileSync(file, text);
    const more = g.httpProxyBenign() + g.httpProxyAttack(1);
    appendFileSync(file, more);
    const got = await drain(file, 'httpproxy', base ?? null, 1 << 20);
    const ref = await whole('httpproxy', Buffer.from(text + more));
    assert.deepEqual(summary(got.records), summary(ref.records.slice(-2)));
    assert.equal(got.records[1]?.get('AnchorMailbox')?.startsWith('ServerInfo~'), true);
  });

  void test('an over-long line is skipped and reported at its line; the lines after it keep their numbers', async (t) => {
    const dir = tempDir(t, 'exhunt-watch-src-');
    const file = join(dir, 'f.log');
    const g = new SyntheticLogs('long');
    const head = g.iisHeader() + g.iisBenign();
    const long = `${'x'.repeat(20_000)}\r\n`;
    const tail = g.iisBenign() + g.iisBenign();
    writeFileSync(file, head + long + tail);
    const got = await drain(file, 'iis', null, 1000);
    const ref = await whole('iis', Buffer.from(head + long + tail));
    assert.deepEqual(summary(got.records), summary(ref.records));
    const longLine = head.split('\n').length;
    assert.deepEqual(got.diags.map((d) => [d.code, d.line]), [['line-too-long', longLine]]);
  });

  void test('UTF-16LE with BOM (a PowerShell export), appended in pieces', async (t) => {
    const dir = tempDir(t, 'exhunt-watch-src-');
    const file = join(dir, 'f.log');
    const g = new SyntheticLogs('utf16');
    const a = g.iisHeader() + g.iisBenign();
    const b = g.iisBenign() + g.iisAttack(3);
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(a, 'utf16le')]));
    const first = await drain(file, 'iis', null, 1 << 20);
    appendFileSync(file, Buffer.from(b, 'utf16le'));
    const second = await drain(file, 'iis', first.cp, 1 << 20);
    const ref = await whole('iis', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(a + b, 'utf16le')]));
    assert.deepEqual(summary([...first.records, ...second.records]), summary(ref.records));
  });
});
