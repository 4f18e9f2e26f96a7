/**
 * @module The streaming line reader every log parser is built on: `readLines`.
 *
 * It owns bytes and lines: chunking, line feeds (LF and CRLF), encodings (via `encoding.ts`),
 * over-long lines, NUL padding, RFC 4180 records that continue over line breaks inside quotes,
 * exact 1-based line numbers, and the literal prefilter. It knows nothing about log formats:
 * it hands lines to a `LineVisitor`, which owns fields, headers and times.
 *
 * Speed comes from not looking at most lines. Each chunk is searched once for the literals;
 * lines are found with `Buffer.indexOf` (memchr), and only these lines are decoded into strings:
 * - `directive`: lines starting with `#` (W3C and Exchange headers), always;
 * - `data`: lines holding a literal hit, or every data line when there are no literals;
 * - `coverage`: the first data lines, until one yields a time, and the last data line, so that
 *   the file's oldest and newest entry times are known even when the prefilter skips them.
 * Every other line only costs the search for its line feed (and, in quoted mode, its quotes).
 *
 * Memory stays flat: a chunk is processed in place and dropped; only a line that spans chunks
 * is joined (at most `maxLineBytes` plus one chunk), a longer line is skipped while it streams
 * past, and a quoted record is held until it closes (at most `maxLineBytes` and
 * `MAX_RECORD_LINES` lines, then it is given up and its lines are read one by one).
 */
import type { Readable } from 'node:stream';
import { Utf8ChunkDecoder } from './encoding.js';
import { LineScanner } from './line-scanner.js';
import type { LineReaderOptions, LineStats, LineVisitor } from './line-visitor.js';

/**
 * Reads `stream` to its end and hands lines to `visitor`. Never rejects on content; a read error
 * after the stream was opened becomes an `error` diagnostic (`read-failed`) and ends the file.
 * An error thrown by the visitor is not caught (it is a bug, not bad input).
 */
export async function readLines(stream: Readable, visitor: LineVisitor, options: LineReaderOptions): Promise<LineStats> {
  const decoder = new Utf8ChunkDecoder();
  const scanner = new LineScanner(visitor, options);
  const diags = options.diagnostics;
  let reported = false;
  const feed = (bufs: Buffer[]): void => {
    if (!reported && decoder.encoding !== null) {
      reported = true;
      if (decoder.encoding !== 'utf8') {
        const name = decoder.encoding === 'utf16le' ? 'UTF-16LE' : 'UTF-16BE';
        diags.report('warning', 'utf16', `file is ${name} (as PowerShell 5 and Notepad save it), decoded before reading`);
      }
    }
    for (const b of bufs) scanner.push(b);
  };
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  try {
    let next = it.next();
    for (;;) {
      let r: IteratorResult<unknown>;
      try {
        r = await next;
      } catch (err) {
        diags.report('error', 'read-failed', `reading stopped after line ${scanner.lines}: ${errorMessage(err)}`);
        break;
      }
      if (r.done === true) break;
      // Ask for the next chunk before scanning this one, so the disk read runs in the
      // background meanwhile (awaiting only afterwards measured 1.5-2x slower).
      next = it.next();
      next.catch(() => undefined);
      feed(decoder.push(toBuffer(r.value)));
    }
  } finally {
    // Releases the file when the visitor threw; a no-op once the stream ended.
    await it.return?.().catch(() => undefined);
  }
  feed(decoder.end());
  scanner.end();
  return { encoding: decoder.encoding ?? 'utf8', lines: scanner.lines, dataLines: scanner.dataLines };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), 'utf8');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
