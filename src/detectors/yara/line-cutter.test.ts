// LineCutter: whatever the chunking, batch size and line cap, the batches hold every line once,
// in order, with its number and exact bytes (CR dropped, over-long lines left out but counted),
// valid UTF-8 as read and invalid UTF-8 re-encoded as decoding it always did.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineCutter } from './line-cutter.js';
import { rawLines } from './testutil.js';

interface Cut {
  readonly lines: { readonly n: number; readonly text: string }[];
  readonly seen: number;
  readonly batches: number;
}

function cut(bytes: Buffer, chunk: number, options: { batchBytes?: number; maxBatchLines?: number; max?: number; keep?: (l: string) => boolean }): Cut {
  const lines: { n: number; text: string }[] = [];
  let seen = 0;
  let batches = 0;
  const c = new LineCutter({
    maxLineBytes: options.max ?? 100,
    keep: options.keep ?? null,
    batchBytes: options.batchBytes,
    maxBatchLines: options.maxBatchLines,
    flush: (b) => {
      batches += 1;
      seen += b.seen;
      for (let i = 0; i < b.lines.length; i++) {
        const s = b.starts[i] ?? 0;
        const e = b.ends[i] ?? 0;
        // The contract: a line is preceded by LF (or the start) and followed by CR, LF or the end.
        assert.ok(s === 0 || b.buf[s - 1] === 10, 'starts after a line feed');
        assert.ok(e === b.buf.length || b.buf[e] === 10 || b.buf[e] === 13, 'ends at a line break');
        lines.push({ n: b.lines[i] ?? 0, text: b.buf.toString('utf8', s, e) });
      }
    },
  });
  for (let i = 0; i < bytes.length; i += chunk) c.bytes(bytes.subarray(i, i + chunk));
  c.end();
  return { lines, seen, batches };
}

/** The reference: split at LF, drop a CR before it, decode, skip lines over `max` bytes. */
function reference(bytes: Buffer, max = 100, keep?: (l: string) => boolean): { n: number; text: string }[] {
  const out: { n: number; text: string }[] = [];
  for (const { line, start, end } of rawLines(bytes)) {
    if (end - start <= max && (!keep || keep(bytes.toString('latin1', start, end)))) out.push({ n: line, text: bytes.toString('utf8', start, end) });
  }
  return out;
}

test('the line cutter hands out every line once, numbered, whatever the chunks and batch limits', () => {
  const parts: string[] = [];
  for (let i = 0; i < 300; i++) parts.push(i % 17 === 0 ? `${'x'.repeat(150)} long ${i}` : i % 5 === 0 ? '' : `line ${i}${i % 3 === 0 ? '\r' : ''}`);
  const text = Buffer.concat([Buffer.from(parts.join('\n')), Buffer.from('\nbad \xff\xfe utf8\ncaf\xc3\xa9\nend without break', 'latin1')]);
  const want = reference(text);
  const lineCount = text.toString('latin1').split('\n').length;
  for (const chunk of [1, 7, 64, 1 << 20]) {
    for (const opts of [{}, { batchBytes: 16 }, { maxBatchLines: 3 }, { batchBytes: 200, maxBatchLines: 7 }]) {
      const got = cut(text, chunk, opts);
      assert.deepEqual(got.lines, want, `chunks of ${chunk}, ${JSON.stringify(opts)}`);
      assert.equal(got.seen, lineCount, 'every line counted once, the skipped ones too');
    }
  }
  const keep = (l: string): boolean => l.includes('7');
  assert.deepEqual(cut(text, 13, { keep, maxBatchLines: 2 }).lines, reference(text, 100, keep));
  // Invalid UTF-8 is re-encoded the way decoding does it (U+FFFD), valid UTF-8 kept as is.
  assert.ok(want.some((l) => l.text === 'bad \ufffd\ufffd utf8'));
  assert.ok(want.some((l) => l.text === 'café'));
});

test('a line longer than the limit is never held whole: it is counted and skipped', () => {
  const long = Buffer.alloc(5 * 1024 * 1024, 0x61);
  const text = Buffer.concat([Buffer.from('first\n'), long, Buffer.from('\nlast\n')]);
  let held = 0;
  const lines: number[] = [];
  const c = new LineCutter({
    maxLineBytes: 1024,
    keep: null,
    batchBytes: 64 * 1024,
    flush: (b) => {
      held = Math.max(held, b.buf.length);
      for (let i = 0; i < b.lines.length; i++) lines.push(b.lines[i] ?? 0);
    },
  });
  for (let i = 0; i < text.length; i += 8192) c.bytes(text.subarray(i, i + 8192));
  c.end();
  assert.deepEqual(lines, [1, 3]);
  assert.ok(held < 256 * 1024, `largest batch ${held} bytes`);
});
