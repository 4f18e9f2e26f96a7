/**
 * @module The streaming line reader every log parser is built on.
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
import type { CappedDiagnostics } from './capped-diagnostics.js';
import { Utf8ChunkDecoder, type TextEncoding } from './encoding.js';
import { compileLiterals, type LiteralMatcher } from './literals.js';

/** Why a line is handed to the visitor (see the module doc). */
export type LineRole = 'directive' | 'data' | 'coverage';

export interface LineVisitor {
  /**
   * RFC 4180 mode: when true, a line feed inside double quotes continues the record. Read when
   * reading starts and again after every line handed over, so a parser can switch it on once
   * a header shows the file is CSV.
   */
  readonly quoted: boolean;
  /**
   * Receives a line, or a quoted record spanning lines (then `line` is its first line and the
   * text keeps the inner line breaks). `text` has no line terminator. Returns true when an
   * entry time was read from it, which ends the search for the first entry's time.
   * Must not throw on any content.
   */
  line(text: string, line: number, role: LineRole): boolean;
}

export interface LineReaderOptions {
  /** Lower-case literals of the prefilter; null reads every line as `data`. */
  readonly literals: readonly string[] | null;
  /** Longest line accepted, in bytes without terminator. Default `DEFAULT_MAX_LINE_BYTES`. */
  readonly maxLineBytes?: number;
  readonly diagnostics: CappedDiagnostics;
}

export interface LineStats {
  readonly encoding: TextEncoding;
  /** Physical lines, counting a last line without a line feed. */
  readonly lines: number;
  /** Data units: lines (or quoted records) that are neither blank nor `#` directives. */
  readonly dataLines: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** A quoted value spanning more lines than this is taken for a stray quote. */
export const MAX_RECORD_LINES = 1000;
/** Data lines handed over as `coverage` while none has yielded a time yet (then give up). */
export const MAX_FIRST_TIME_TRIES = 100;

const LF = 10;
const CR = 13;
const QUOTE = 34;
const HASH = 35;

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

/** A quoted record that has not closed yet; its lines are copies (the chunks move on). */
interface OpenRecord {
  readonly firstLine: number;
  readonly parts: Buffer[];
  /** Terminator after each part as found in the file (`\r\n` or `\n`). */
  readonly seps: string[];
  readonly lineNos: number[];
  readonly cands: boolean[];
  bytes: number;
}

/** The line terminator found at `stop` (the end of a line's content), as written in the file. */
function terminatorAt(buf: Buffer, stop: number): string {
  if (buf[stop] === CR) return '\r\n';
  return buf[stop] === LF ? '\n' : '';
}

function countQuotesOdd(buf: Buffer, start: number, end: number): boolean {
  let odd = false;
  let q = buf.indexOf(QUOTE, start);
  while (q !== -1 && q < end) {
    odd = !odd;
    q = buf.indexOf(QUOTE, q + 1);
  }
  return odd;
}

/**
 * The push side of `readLines`: `push` UTF-8 chunks in order, then `end` once. Exported for
 * tests and for callers that already hold bytes.
 */
export class LineScanner {
  readonly #v: LineVisitor;
  readonly #m: LiteralMatcher | null;
  readonly #max: number;
  readonly #diags: CappedDiagnostics;

  #quoted: boolean;
  #lineNo = 0;
  #dataLines = 0;
  #wantFirst = true;
  #firstTries = 0;
  /** Start of a line that continues into the next chunk. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside an over-long line: bytes are dropped until its line feed. */
  #skipping = false;
  #skipIsDirective = false;
  #rec: OpenRecord | null = null;
  /** Last data unit not handed over (copy), for the newest entry time. */
  #last: Buffer | null = null;
  #lastLine = 0;

  constructor(visitor: LineVisitor, options: LineReaderOptions) {
    this.#v = visitor;
    this.#m = compileLiterals(options.literals);
    this.#max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#diags = options.diagnostics;
    this.#quoted = visitor.quoted;
  }

  get lines(): number {
    return this.#lineNo;
  }

  get dataLines(): number {
    return this.#dataLines;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.#skipping) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) return;
      this.#endSkipped();
      pos = nl + 1;
    }
    if (this.#pending.length > 0) {
      const nl = chunk.indexOf(LF, pos);
      if (nl === -1) {
        this.#addPending(chunk.subarray(pos));
        return;
      }
      // Only the one line that straddles the chunk border is copied.
      const line = Buffer.concat([...this.#pending, chunk.subarray(pos, nl + 1)]);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#region(line, 0, line.length);
      pos = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(LF);
    if (lastNl >= pos) {
      this.#region(chunk, pos, lastNl + 1);
      pos = lastNl + 1;
    }
    if (pos < chunk.length) this.#addPending(chunk.subarray(pos));
  }

  end(): void {
    if (this.#skipping) this.#endSkipped();
    if (this.#pending.length > 0) {
      const line = Buffer.concat(this.#pending);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#region(line, 0, line.length);
    }
    if (this.#rec !== null) this.#abandonRecord('the file ends inside a quoted value');
    if (this.#last !== null) {
      const last = this.#last;
      this.#deliver(last.toString('utf8'), this.#lastLine, 'coverage');
    }
  }

  #addPending(piece: Buffer): void {
    // One byte of slack for the CR of a CRLF terminator.
    if (this.#pendingBytes + piece.length <= this.#max + 1) {
      this.#pending.push(piece);
      this.#pendingBytes += piece.length;
      return;
    }
    const first = this.#pending.length > 0 ? (this.#pending[0] as Buffer)[0] : piece[0];
    this.#pending = [];
    this.#pendingBytes = 0;
    // An over-long line also ends an open quoted record: no record may be that long.
    if (this.#rec !== null) this.#abandonRecord(`line ${this.#lineNo + 1} is too long`);
    this.#skipping = true;
    this.#skipIsDirective = first === HASH;
    this.#reportTooLong(this.#lineNo + 1);
  }

  #endSkipped(): void {
    this.#skipping = false;
    this.#lineNo++;
    // Counted as an entry: it is a line of the log that could not be read.
    if (!this.#skipIsDirective) this.#dataLines++;
  }

  #reportTooLong(line: number): void {
    this.#diags.report('warning', 'line-too-long', `line longer than ${this.#max} bytes skipped`, line);
  }

  /**
   * Reads the complete lines in `buf[start, end)`. Every line there ends with a line feed except
   * the last one at the end of the file. This loop is the hot path: the common line (outside a
   * quoted record, balanced quotes, normal length, no NUL) is handled inline, anything else by
   * `#slowLine`, which defines the behaviour.
   */
  #region(buf: Buffer, start: number, end: number): void {
    const m = this.#m;
    const max = this.#max;
    if (m !== null) m.region(buf, start, end);
    // Next literal hit at or after the current line; -2 = not searched yet, -1 = none left.
    let hit = m === null ? -1 : -2;
    let quoted = this.#quoted;
    let q = quoted ? buf.indexOf(QUOTE, start) : -1;
    let lastStart = -1;
    let lastEnd = 0;
    let lastNo = 0;
    let pos = start;
    while (pos < end) {
      let nl = buf.indexOf(LF, pos);
      if (nl === -1 || nl >= end) nl = end;
      const lineNo = ++this.#lineNo;
      let stop = nl;
      if (stop > pos && buf[stop - 1] === CR) stop--;
      let odd = false;
      while (q !== -1 && q < nl) {
        odd = !odd;
        q = buf.indexOf(QUOTE, q + 1);
      }
      let cand = true;
      if (m !== null) {
        if (hit !== -1 && hit < pos) hit = m.next(pos);
        cand = hit !== -1 && hit < nl;
      }
      const first = buf[pos];
      let handedOver = true;
      if (odd || this.#rec !== null || first === 0 || stop - pos > max) {
        this.#slowLine(buf, pos, stop, lineNo, cand);
        lastStart = -1;
      } else if (stop === pos) {
        handedOver = false; // blank line: not an entry
      } else if (first === HASH) {
        this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'directive');
      } else {
        this.#dataLines++;
        if (cand) {
          this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'data');
          lastStart = -1;
        } else if (this.#wantFirst) {
          this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'coverage');
          lastStart = -1;
        } else {
          handedOver = false;
          lastStart = pos;
          lastEnd = stop;
          lastNo = lineNo;
        }
      }
      // The visitor may have switched quoted mode (it saw a CSV header).
      if (handedOver && this.#quoted !== quoted) {
        quoted = this.#quoted;
        q = quoted ? buf.indexOf(QUOTE, nl + 1) : -1;
      }
      pos = nl + 1;
    }
    if (lastStart !== -1) {
      this.#last = Buffer.from(buf.subarray(lastStart, lastEnd));
      this.#lastLine = lastNo;
    }
  }

  /** Any line, in any state; `[pos, stop)` is the line without its terminator. */
  #slowLine(buf: Buffer, pos: number, stop: number, lineNo: number, cand: boolean): void {
    if (this.#rec !== null) {
      if (stop - pos > this.#max) {
        this.#abandonRecord(`line ${lineNo} is too long`);
        this.#unit(buf, pos, stop, lineNo, cand);
        return;
      }
      this.#appendToRecord(buf, pos, stop, lineNo, cand);
      return;
    }
    this.#unit(buf, pos, stop, lineNo, cand);
  }

  /** A line that starts a unit (no quoted record is open). */
  #unit(buf: Buffer, pos: number, stop: number, lineNo: number, cand: boolean): void {
    if (stop - pos > this.#max) {
      this.#reportTooLong(lineNo);
      if (buf[pos] !== HASH) this.#dataLines++;
      return;
    }
    if (buf[pos] === 0) {
      // IIS and Exchange preallocate log files; after an unclean shutdown the file holds a run of
      // NULs, often followed by the next `#Software:` header on the same line.
      let p = pos;
      while (p < stop && buf[p] === 0) p++;
      this.#diags.report('warning', 'nul-padding', `${p - pos} NUL bytes skipped (padding left by an unclean shutdown?)`, lineNo);
      pos = p;
    }
    if (pos === stop) return;
    if (buf[pos] === HASH) {
      this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'directive');
      return;
    }
    if (this.#quoted && countQuotesOdd(buf, pos, stop)) {
      const sep = terminatorAt(buf, stop);
      this.#rec = {
        firstLine: lineNo,
        parts: [Buffer.from(buf.subarray(pos, stop))],
        seps: [sep],
        lineNos: [lineNo],
        cands: [cand],
        bytes: stop - pos + sep.length,
      };
      return;
    }
    this.#dataLines++;
    this.#dataUnit(buf, pos, stop, lineNo, cand);
  }

  #dataUnit(buf: Buffer, pos: number, stop: number, lineNo: number, cand: boolean): void {
    if (cand) this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'data');
    else if (this.#wantFirst) this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'coverage');
    else {
      this.#last = Buffer.from(buf.subarray(pos, stop));
      this.#lastLine = lineNo;
    }
  }

  #appendToRecord(buf: Buffer, pos: number, stop: number, lineNo: number, cand: boolean): void {
    const rec = this.#rec as OpenRecord;
    const sep = terminatorAt(buf, stop);
    rec.parts.push(Buffer.from(buf.subarray(pos, stop)));
    rec.seps.push(sep);
    rec.lineNos.push(lineNo);
    rec.cands.push(cand);
    rec.bytes += stop - pos + sep.length;
    if (countQuotesOdd(buf, pos, stop)) {
      // The quote opened on the first line closes here: one record, numbered by its first line.
      this.#rec = null;
      const pieces: Buffer[] = [];
      rec.parts.forEach((p, i) => {
        pieces.push(p);
        if (i < rec.parts.length - 1) pieces.push(Buffer.from(rec.seps[i] ?? '\n', 'latin1'));
      });
      const whole = Buffer.concat(pieces);
      this.#dataLines++;
      this.#dataUnit(whole, 0, whole.length, rec.firstLine, rec.cands.includes(true));
      return;
    }
    if (rec.bytes > this.#max || rec.parts.length > MAX_RECORD_LINES) {
      this.#abandonRecord(`no closing quote within ${rec.parts.length} lines`);
    }
  }

  /**
   * Gives up a quoted record (stray quote, or a value too long to be real): its first line is
   * read on its own, as it stands, and the following lines are read again as ordinary lines.
   * They all had balanced quotes (otherwise the record would have closed), so none of them
   * opens a record again and the work stays bounded.
   */
  #abandonRecord(why: string): void {
    const rec = this.#rec as OpenRecord;
    this.#rec = null;
    this.#diags.report('warning', 'unclosed-quote', `quote opened here is not closed (${why}); lines read one by one`, rec.firstLine);
    const first = rec.parts[0] as Buffer;
    this.#dataLines++;
    this.#dataUnit(first, 0, first.length, rec.firstLine, rec.cands[0] ?? true);
    for (let i = 1; i < rec.parts.length; i++) {
      const p = rec.parts[i] as Buffer;
      this.#unit(p, 0, p.length, rec.lineNos[i] ?? rec.firstLine, rec.cands[i] ?? true);
    }
  }

  #deliver(text: string, lineNo: number, role: LineRole): void {
    const gotTime = this.#v.line(text, lineNo, role);
    this.#quoted = this.#v.quoted;
    if (role === 'directive') return;
    this.#last = null;
    if (this.#wantFirst && (gotTime || ++this.#firstTries >= MAX_FIRST_TIME_TRIES)) this.#wantFirst = false;
  }
}
