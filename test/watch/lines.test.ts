// Unit tests of where a batch of a growing log may be cut (lines.ts): complete lines only,
// quoted CSV records that span lines, header context (directives, line 1), over-long lines,
// UTF-16; and of parsing a slice with its header replayed at true line numbers (replay.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogRecord } from '../../src/core/record.js';
import { readLog } from '../../src/engine/read-log.js';
import { Readable } from 'node:stream';
import { HeaderContext, MAX_HEADER_LINES, cutLines, textLayout } from '../../src/watch/lines.js';
import type { CutOptions } from '../../src/watch/lines.js';
import { parseSlice } from '../../src/watch/replay.js';
import { SyntheticLogs } from './helpers/logs.js';

const UTF8 = textLayout(Buffer.from('x'));
const base: CutOptions = { layout: UTF8, quoted: false, keepLine1: false, firstLine: 1, skipBytes: 0, skipping: false, maxLineBytes: 1024, windowFull: false, final: false };
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

void describe('cutLines', () => {
  void test('only complete lines; a half-written last line waits', () => {
    const c = cutLines(b('a\r\nb\r\nhalf'), base);
    assert.equal(c.bytes, 6);
    assert.equal(c.lines, 2);
    assert.equal(cutLines(b('no line feed yet'), base).bytes, 0);
  });

  void test('a writer idle past the grace period: the last line counts as complete', () => {
    const c = cutLines(b('a\nlast'), { ...base, final: true });
    assert.equal(c.bytes, 6);
    assert.equal(c.lines, 2);
  });

  void test('a quoted CSV value holding a line break is not cut in the middle', () => {
    const text = 'x,"one\r\ntwo",y\r\nz,"open\r\n';
    const c = cutLines(b(text), { ...base, quoted: true });
    assert.equal(c.bytes, text.indexOf('z'));
    assert.equal(c.lines, 2);
    // A quote still open when the window is full is a stray quote: consumed.
    assert.equal(cutLines(b(text), { ...base, quoted: true, windowFull: true }).bytes, text.length);
  });

  void test('header context: directives anywhere, line 1 of CSV logs, NUL padding stripped', () => {
    const text = 'A,B,C\r\n#Software: x\r\n1,2,3\r\n\0\0#Fields: A,B,C\r\n';
    const c = cutLines(b(text), { ...base, keepLine1: true });
    assert.deepEqual(
      c.headerLines.map((h) => [h.line1, h.bytes.toString()]),
      [[true, 'A,B,C\r\n'], [false, '#Software: x\r\n'], [false, '#Fields: A,B,C\r\n']],
    );
    // Line 1 counts only when the batch really starts at line 1.
    assert.equal(cutLines(b(text), { ...base, keepLine1: true, firstLine: 7 }).headerLines.filter((h) => h.line1).length, 0);
  });

  void test('an over-long line is skipped while it streams past, and its end is counted', () => {
    const long = 'x'.repeat(3000);
    const first = cutLines(b(`ok\n${long}`), base);
    assert.equal(first.bytes, 3 + 3000);
    assert.equal(first.parseTo, 3);
    assert.equal(first.lines, 1);
    assert.equal(first.skipping, true);
    assert.equal(first.tooLongAt, 2);
    const next = cutLines(b('yyy\nnext\n'), { ...base, skipping: true, firstLine: 2 });
    assert.equal(next.parseFrom, 4);
    assert.equal(next.lines, 2);
    assert.equal(next.skipping, false);
  });

  void test('UTF-16LE: a line feed is a code unit at an even offset', () => {
    const text = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('#Fields: a b\r\nrow 1\r\nhal', 'utf16le')]);
    const layout = textLayout(text);
    assert.equal(layout.unit, 2);
    const c = cutLines(text, { ...base, layout, skipBytes: 2 });
    assert.equal(c.lines, 2);
    assert.equal(c.bytes, 2 + Buffer.byteLength('#Fields: a b\r\nrow 1\r\n', 'utf16le'));
    assert.equal(c.headerLines.length, 1);
  });

  void test('HeaderContext: serialise, parse back, and cap the directives kept', () => {
    const h = new HeaderContext(b('A,B\r\n'));
    for (let i = 0; i < 200; i++) h.addDirective(b(`#Date: ${i}\r\n`));
    assert.equal(h.lineCount, 1 + MAX_HEADER_LINES);
    const back = HeaderContext.parse(h.serialize(), UTF8);
    assert.equal(back.line1?.toString(), 'A,B\r\n');
    assert.equal(back.directives[0]?.toString(), '#Date: 0\r\n');
    assert.equal(back.directives.at(-1)?.toString(), '#Date: 199\r\n');
  });
});

async function parseWhole(kind: 'iis' | 'httpproxy', text: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  await readLog(kind, undefined, 'x.log', () => Promise.resolve(Readable.from([b(text)])), { literals: null, onRecord: (r) => out.push(r), onDiagnostic: () => undefined });
  return out;
}

void describe('parseSlice: header replayed, true line numbers', () => {
  for (const kind of ['iis', 'httpproxy'] as const) {
    void test(`${kind}: records of a slice equal the whole file's, line for line`, async () => {
      const g = new SyntheticLogs(`slice-${kind}`);
      let text = kind === 'iis' ? g.iisHeader() : g.httpProxyHeader();
      for (let i = 0; i < 40; i++) text += kind === 'iis' ? (i % 7 === 0 ? g.iisAttack(i) : g.iisBenign()) : i % 7 === 0 ? g.httpProxyAttack(i) : g.httpProxyBenign();
      const whole = await parseWhole(kind, text);
      // Cut after line 20: the header goes first, the rest keeps its numbers.
      const lines = text.split(/(?<=\n)/);
      const head = lines.slice(0, 20).join('');
      const cut = cutLines(b(head), { ...base, quoted: kind === 'httpproxy', keepLine1: kind === 'httpproxy' });
      const header = new HeaderContext();
      for (const h of cut.headerLines) {
        if (h.line1) header.line1 = h.bytes;
        else header.addDirective(h.bytes);
      }
      /** The records of the slice after line 20, parsed with its header replayed. */
      const slice = async (prefilter: Pick<Parameters<typeof parseSlice>[0], 'literals' | 'probes'>): Promise<LogRecord[]> => {
        const got: LogRecord[] = [];
        await parseSlice({
          kind,
          path: 'x.log',
          prefix: header.serialize() ?? Buffer.alloc(0),
          prefixLines: header.lineCount,
          bytes: b(lines.slice(20).join('')),
          firstLine: 21,
          ...prefilter,
          onRecord: (r) => got.push(r),
          onDiagnostic: (d) => assert.fail(`unexpected diagnostic ${d.message}`),
        });
        return got;
      };
      const got = await slice({ literals: null });
      const expected = whole.filter((r) => (r.origin.line ?? 0) > 20);
      assert.deepEqual(got.map((r) => r.origin.line), expected.map((r) => r.origin.line));
      assert.deepEqual(got.map((r) => r.fields()), expected.map((r) => r.fields()));

      // Without literals, a column probe bound to the replayed header picks the lines.
      const ipColumn = kind === 'iis' ? 'c-ip' : 'ClientIpAddress';
      const wanted = new Set(expected.filter((r) => (r.origin.line ?? 0) % 3 === 0).map((r) => r.get(ipColumn)));
      const probed = await slice({
        literals: [],
        probes: [{ columns: [ipColumn], test: (_k, buf, start, end) => wanted.has(buf.toString('utf8', start, end)) }],
      });
      const picked = expected.filter((r) => wanted.has(r.get(ipColumn)));
      assert.ok(picked.length > 0 && picked.length < expected.length);
      assert.deepEqual(probed.map((r) => r.origin.line), picked.map((r) => r.origin.line));
    });
  }
});
