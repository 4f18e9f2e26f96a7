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
import { compileLiterals, type LiteralMatcher } from '../../sources/lines/literals.js';

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
const EMPTY = Buffer.alloc(0);

/**
 * One file's pass, fed chunk by chunk: by `scanLogLines` from its own read, or by the scan from
 * the bytes its parser reads anyway (`ParseOptions.onBytes`), which spares reading every log twice.
 */
export class LogLinesPass {
  readonly #hits: Hit[] = [];
  readonly #cutter: LineCutter | null;
  /** UTF-16 when the file starts with its byte-order mark; decided by the first chunk. */
  #utf16: TextDecoder | null = null;
  #first = true;
  /** The file's first bytes while fewer than three have come. */
  #head: Buffer = EMPTY;
  /** The scanner's prefilter literals, and their matcher once `line` is used. */
  readonly #literals: readonly string[] | null;
  #own: LiteralMatcher | null | undefined;

  constructor(scanner: LineScanner, options: LogLinesOptions) {
    this.#literals = scanner.lineLiterals;
    if (!scanner.scansLines) {
      this.#cutter = null;
      return;
    }
    const target = asBatchScanner(scanner);
    const lits = target.gatesLines ? null : scanner.lineLiterals;
    let matcher: LineMatcher | null = null;
    if (lits) {
      matcher = matchers.get(lits) ?? new LineMatcher(lits);
      matchers.set(lits, matcher);
    }
    const origin = { path: options.path, kind: options.kind };
    const hits = this.#hits;
    this.#cutter = new LineCutter({
      maxLineBytes: options.maxLineBytes ?? 1024 * 1024,
      batchBytes: options.batchBytes,
      keep: matcher ? (latin1) => matcher.test(latin1) : null,
      flush: (batch) => {
        for (const h of target.scanLineBatch(batch, origin)) hits.push(h);
      },
    });
  }

  /** Whether the scanner has log rules at all (otherwise chunks are ignored). */
  get active(): boolean {
    return this.#cutter !== null;
  }

  /** The next chunk of the file; `reused`: its memory is overwritten after the call (copied here). */
  chunk(chunk: Buffer, reused: boolean): void {
    const cutter = this.#cutter;
    if (cutter === null || chunk.length === 0) return;
    let buf = chunk;
    if (this.#first) {
      // The byte-order mark decides the encoding: hold the first bytes until there are three.
      buf = this.#head.length > 0 ? Buffer.concat([this.#head, buf]) : buf;
      if (buf.length < 3) {
        this.#head = Buffer.from(buf);
        return;
      }
      this.#head = EMPTY;
      this.#start(buf, reused);
      return;
    }
    this.#feed(cutter, buf, reused);
  }

  #start(buf: Buffer, reused: boolean): void {
    this.#first = false;
    let rest = buf;
    if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
      this.#utf16 = new TextDecoder(buf[0] === 0xff ? 'utf-16le' : 'utf-16be');
      rest = buf.subarray(2);
    } else if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) rest = buf.subarray(3);
    this.#feed(this.#cutter!, rest, reused);
  }

  #feed(cutter: LineCutter, buf: Buffer, reused: boolean): void {
    if (this.#utf16) cutter.text(this.#utf16.decode(buf, { stream: true }));
    // The cutter keeps chunks until a batch is full.
    else if (buf.length > 0) cutter.bytes(reused ? Buffer.from(buf) : buf);
  }

  /**
   * A line the parser's reader handed over (`ParseOptions.onLine`), instead of the whole file's
   * bytes: for scanners whose `lineLiterals` are in the parser's prefilter, so that every line
   * a rule can match arrives. A quoted record spanning lines is split back into its lines.
   */
  line(buf: Buffer, start: number, end: number, first: number): void {
    const cutter = this.#cutter;
    if (cutter === null) return;
    // The parser's prefilter also lets through lines for other detectors' literals: only
    // those holding one of the scanner's own go on (the same search as the prefilter's).
    const own = (this.#own ??= compileLiterals(this.#literals));
    let number = first;
    for (let s = start; s <= end; number++) {
      let nl = buf.indexOf(10, s);
      if (nl < 0 || nl > end) nl = end;
      const e = nl > s && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (own === null || own.test(buf, s, e)) cutter.line(buf.subarray(s, e), number);
      s = nl + 1;
    }
  }

  /** End of the file: the last lines are scanned; every hit of the file. */
  end(): Hit[] {
    const cutter = this.#cutter;
    if (cutter === null) return this.#hits;
    if (this.#first && this.#head.length > 0) this.#start(this.#head, false);
    if (this.#utf16) cutter.text(this.#utf16.decode());
    cutter.end();
    return this.#hits;
  }
}

export async function scanLogLines(scanner: LineScanner, open: () => Promise<Readable>, options: LogLinesOptions): Promise<Hit[]> {
  const pass = new LogLinesPass(scanner, options);
  if (!pass.active) return [];
  await eachChunk(await open(), (chunk) => pass.chunk(chunk, false));
  return pass.end();
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
