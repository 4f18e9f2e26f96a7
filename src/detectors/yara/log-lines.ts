/**
 * @module Runs the log rules over every line of one log file, for callers whose parser does not
 * hand out raw lines: a second, cheap pass over the bytes. Lines are cut at LF (CR before it
 * dropped), numbered from 1 like the parsers number them (headers and comments included), decoded
 * as UTF-16 when the file starts with a UTF-16 byte-order mark and as UTF-8 otherwise; lines
 * longer than `maxLineBytes` are skipped.
 *
 * Lines go to the scanner in batches of about a megabyte (line-cutter.ts), so that a scanner with
 * a gate (YaraScanner, see line-batch.ts) runs the engine once per batch plus once per line that
 * holds a string some rule needs. UTF-8 files are passed as they were read: each line is the same
 * bytes the scanner would get from the decoded and re-encoded line, which a batch of valid UTF-8
 * is checked to guarantee (other batches are re-encoded line by line). Without a gate the
 * scanner's literal prefilter picks the lines first; a plain LineScanner gets one call per line.
 */
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import type { LineOrigin, LineScanner } from '../../core/detector.js';
import type { Hit } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import type { LineBatch } from './line-batch.js';
import { LineCutter } from './line-cutter.js';
import { LineMatcher } from './literals.js';

/** What this needs of a YaraScanner or YaraPool (the core line-scanner contract). */
export type { LineScanner } from '../../core/detector.js';

/** A line scanner that takes whole batches (YaraScanner and YaraPool are). */
export interface BatchLineScanner extends LineScanner {
  /** True: give it every line (its gate is exact and cheaper than the literal prefilter). */
  readonly gatesLines: boolean;
  scanLineBatch(batch: LineBatch & { readonly seen?: number }, origin: Omit<LineOrigin, 'line'>): Hit[];
}

export interface LogLinesOptions {
  readonly path: string;
  readonly kind: RecordKind;
  /** Lines longer than this are not scanned (the parsers skip them too). Default 1 MiB. */
  readonly maxLineBytes?: number;
  /** Bytes gathered per batch (tests use small ones). Default 1 MiB. */
  readonly batchBytes?: number;
}

const matchers = new WeakMap<readonly string[], LineMatcher>();

export async function scanLogLines(scanner: LineScanner, open: () => Promise<Readable>, options: LogLinesOptions): Promise<Hit[]> {
  const hits: Hit[] = [];
  if (!scanner.scansLines) return hits;
  const target = asBatchScanner(scanner);
  const lits = target.gatesLines ? null : scanner.lineLiterals;
  let matcher: LineMatcher | null = null;
  if (lits) {
    matcher = matchers.get(lits) ?? new LineMatcher(lits);
    matchers.set(lits, matcher);
  }
  const origin = { path: options.path, kind: options.kind };
  const cutter = new LineCutter({
    maxLineBytes: options.maxLineBytes ?? 1024 * 1024,
    batchBytes: options.batchBytes,
    keep: matcher ? (latin1) => matcher.test(latin1) : null,
    flush: (batch) => {
      for (const h of target.scanLineBatch(batch, origin)) hits.push(h);
    },
  });

  // UTF-16 when the file starts with its byte-order mark (held in an object: set in a callback).
  const decoding: { utf16: TextDecoder | null; first: boolean } = { utf16: null, first: true };
  await eachChunk(await open(), (chunk) => {
    let buf = chunk;
    if (decoding.first) {
      decoding.first = false;
      if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
        decoding.utf16 = new TextDecoder(buf[0] === 0xff ? 'utf-16le' : 'utf-16be');
        buf = buf.subarray(2);
      } else if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (decoding.utf16) cutter.text(decoding.utf16.decode(buf, { stream: true }));
    else cutter.bytes(buf);
  });
  if (decoding.utf16) cutter.text(decoding.utf16.decode());
  cutter.end();
  return hits;
}

/**
 * Hands each chunk of the stream to `onChunk` as it arrives and resolves at its end. Reads in
 * `readable` handlers rather than with `for await`: a triage folder has thousands of small logs,
 * each a one-chunk stream, and the async iterator's set-up cost per stream showed in profiles.
 */
function eachChunk(stream: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (e: unknown): void => {
      stream.destroy();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    stream.on('readable', () => {
      try {
        for (let c: unknown = stream.read(); c !== null; c = stream.read()) {
          if (Buffer.isBuffer(c)) onChunk(c);
          else if (c instanceof Uint8Array) onChunk(Buffer.from(c.buffer, c.byteOffset, c.length));
          else if (typeof c === 'string') onChunk(Buffer.from(c, 'utf8'));
        }
      } catch (e) {
        fail(e);
      }
    });
    stream.once('end', () => resolve());
    stream.once('error', fail);
  });
}

function isBatchScanner(s: LineScanner): s is BatchLineScanner {
  const b = s as Partial<BatchLineScanner>;
  return typeof b.scanLineBatch === 'function' && typeof b.gatesLines === 'boolean';
}

/** The scanner itself, or a plain LineScanner called once per line of a batch. */
function asBatchScanner(s: LineScanner): BatchLineScanner {
  if (isBatchScanner(s)) return s;
  return {
    scansLines: s.scansLines,
    lineLiterals: s.lineLiterals,
    gatesLines: false,
    scanLine: (line, origin) => s.scanLine(line, origin),
    scanLineBatch: (batch, origin) => {
      const hits: Hit[] = [];
      for (let i = 0; i < batch.lines.length; i++) {
        const line = s.scanLine(batch.buf.toString('utf8', batch.starts[i], batch.ends[i]), { ...origin, line: batch.lines[i] ?? 0 });
        for (const h of line) hits.push(h);
      }
      return hits;
    },
  };
}
