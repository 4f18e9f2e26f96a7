/**
 * @module The line reader every log parser is built on: `readLines` over a stream, and
 * `readLinesSync` over a file on disk read in place (see `LogInput.openSync`).
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
import type { SyncByteReader } from '../source.js';
import { Utf8ChunkDecoder } from './encoding.js';
import { LineScanner } from './line-scanner.js';
import type { LineReaderOptions, LineStats, LineVisitor } from './line-visitor.js';

/**
 * Reads `stream` to its end and hands lines to `visitor`. Never rejects on content; a read error
 * after the stream was opened becomes an `error` diagnostic (`read-failed`) and ends the file.
 * An error thrown by the visitor is not caught (it is a bug, not bad input).
 */
export async function readLines(stream: Readable, visitor: LineVisitor, options: LineReaderOptions): Promise<LineStats> {
  const reading = new Reading(visitor, options);
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  try {
    let next = it.next();
    for (;;) {
      let r: IteratorResult<unknown>;
      try {
        r = await next;
      } catch (err) {
        reading.failed(err);
        break;
      }
      if (r.done === true) break;
      // Ask for the next chunk before scanning this one, so the disk read runs in the
      // background meanwhile (awaiting only afterwards measured 1.5-2x slower).
      next = it.next();
      next.catch(() => undefined);
      reading.push(toBuffer(r.value));
    }
  } finally {
    // Releases the file when the visitor threw; a no-op once the stream ended.
    await it.return?.().catch(() => undefined);
  }
  return reading.end();
}

/** Chunk size of synchronous reads. */
const SYNC_CHUNK_BYTES = 1024 * 1024;
/** The buffer synchronous reads go into, one per thread (parsing one file never yields). */
let syncBuffer: Buffer | null = null;

/**
 * `readLines` over a file read synchronously: chunks go into one buffer reused for every file
 * (the scanner keeps nothing of a chunk), so reading allocates nothing per file. The same lines,
 * numbers, diagnostics and totals as `readLines` over a stream of the same bytes. Does not close
 * the reader.
 */
export function readLinesSync(reader: SyncByteReader, visitor: LineVisitor, options: LineReaderOptions): LineStats {
  const buf = (syncBuffer ??= Buffer.allocUnsafeSlow(SYNC_CHUNK_BYTES));
  const reading = new Reading(visitor, options);
  for (;;) {
    let n: number;
    try {
      n = reader.read(buf);
    } catch (err) {
      reading.failed(err);
      break;
    }
    if (n <= 0) break;
    reading.push(buf.subarray(0, n));
  }
  return reading.end();
}

/** One file being read: decoding, scanning and the encoding warning, whatever the bytes come from. */
class Reading {
  readonly #decoder = new Utf8ChunkDecoder();
  readonly #scanner: LineScanner;
  readonly #diags: LineReaderOptions['diagnostics'];
  #reported = false;

  readonly #onBytes: ((chunk: Buffer) => void) | undefined;

  constructor(visitor: LineVisitor, options: LineReaderOptions) {
    this.#scanner = new LineScanner(visitor, options);
    this.#diags = options.diagnostics;
    this.#onBytes = options.onBytes;
  }

  push(chunk: Buffer): void {
    this.#onBytes?.(chunk);
    this.#feed(this.#decoder.push(chunk));
  }

  /** A read error after the file was opened: reported, and the file ends there. */
  failed(err: unknown): void {
    this.#diags.report('error', 'read-failed', `reading stopped after line ${this.#scanner.lines}: ${errorMessage(err)}`);
  }

  end(): LineStats {
    this.#feed(this.#decoder.end());
    this.#scanner.end();
    return { encoding: this.#decoder.encoding ?? 'utf8', lines: this.#scanner.lines, dataLines: this.#scanner.dataLines };
  }

  #feed(bufs: Buffer[]): void {
    const decoder = this.#decoder;
    if (!this.#reported && decoder.encoding !== null) {
      this.#reported = true;
      if (decoder.encoding !== 'utf8') {
        const name = decoder.encoding === 'utf16le' ? 'UTF-16LE' : 'UTF-16BE';
        this.#diags.report('warning', 'utf16', `file is ${name} (as PowerShell 5 and Notepad save it), decoded before reading`);
      }
    }
    for (const b of bufs) this.#scanner.push(b);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), 'utf8');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
