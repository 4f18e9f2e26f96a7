// scanLogLines: the second pass over a log file's bytes gives the same hits, at the same line
// numbers, as scanning each line; UTF-16 with a byte-order mark, CRLF, a last line without a line
// break and lines over the limit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { Hit } from '../../core/finding.js';
import { scanLogLines } from './log-lines.js';
import { fixture, requireBinding, sharedScanner } from './testutil.js';

function stream(bytes: Buffer, chunk = 7): () => Promise<Readable> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return () => Promise.resolve(Readable.from(parts));
}

const at = (hits: readonly Hit[]): string[] => hits.map((h) => `${h.source.line} ${h.ruleId}`);

test('scanLogLines finds what scanLine finds, whatever the encoding and line ends', async (t) => {
  if (!requireBinding(t)) return;
  const s = sharedScanner({ rules: [fixture('rules'), fixture('chirp.yaml')] });
  const text = readFileSync(fixture('logs', 'synthetic-iis.log'), 'utf8');
  const expected = at(text.split('\n').flatMap((l, i) => s.scanLine(l, { path: 'u.log', line: i + 1, kind: 'iis' })));
  assert.deepEqual(expected, ['8 yara:fixture_basic.Fixture_Log_Line', '10 yara:chirp_2.chirp_fixture_log']);
  const opts = { path: 'u.log', kind: 'iis' as const };
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(text)), opts)), expected);
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(text.replace(/\n/g, '\r\n'))), opts)), expected);
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(text.trimEnd())), opts)), expected, 'no final line break');
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(`\ufeff${text}`, 'utf16le'), 5), opts)), expected, 'UTF-16LE');
  const be = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  assert.deepEqual(at(await scanLogLines(s, stream(be), opts)), expected, 'UTF-16BE');
  const long = `${'x'.repeat(300)}POST /exhunt/attack.aspx\nPOST /exhunt/attack.aspx\n`;
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(long), 64), { ...opts, maxLineBytes: 100 })), ['2 yara:fixture_basic.Fixture_Log_Line']);
});
