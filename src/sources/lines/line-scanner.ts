/**
 * @module The line scanner behind `readLines`: UTF-8 chunks in, lines and records out, with
 * exact line numbers. The hot loop (`#region`) and the rules for everything unusual (`#slowLine`
 * and below) live here; see `read-lines.ts` for what is handed over and why.
 */
import type { CappedDiagnostics } from './capped-diagnostics.js';
import { compileLiterals, type LiteralMatcher } from './literals.js';
import { DEFAULT_MAX_LINE_BYTES, MAX_FIRST_TIME_TRIES, MAX_RECORD_LINES, type LineReaderOptions, type LineRole, type LineVisitor } from './line-visitor.js';
import { QuotedRecord, hasOddQuotes } from './quoted-record.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const HASH = 35;

/**
 * The push side of `readLines`: `push` UTF-8 chunks in order, then `end` once. Exported for
 * tests and for callers that already hold bytes. Nothing of a chunk is kept after `push`
 * returns (what must outlive it, such as a line continuing into the next chunk, is copied), so
 * a reader may read the next chunk into the same buffer.
 */
export class LineScanner {
  readonly #v: LineVisitor;
  readonly #m: LiteralMatcher | null;
  readonly #max: number;
  readonly #diags: CappedDiagnostics;
  readonly #onLine: LineReaderOptions['onLine'];
  /** The visitor, when it probes lines the literals did not let through. */
  readonly #prober: LineVisitor | null;

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
  #rec: QuotedRecord | null = null;
  /** Last data unit not handed over (copy), for the newest entry time. */
  #last: Buffer | null = null;
  #lastLine = 0;

  constructor(visitor: LineVisitor, options: LineReaderOptions) {
    this.#v = visitor;
    this.#m = compileLiterals(options.literals);
    this.#max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#diags = options.diagnostics;
    this.#onLine = options.onLine;
    this.#quoted = visitor.quoted;
    this.#prober = visitor.probe !== undefined && this.#m !== null ? visitor : null;
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
      // A copy: the caller may reuse the chunk's memory once `push` returns.
      this.#pending.push(Buffer.from(piece));
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
    const prober = this.#prober;
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
      if (!cand && prober !== null && stop > pos && first !== HASH) cand = prober.probe!(buf, pos, stop);
      let handedOver = true;
      if (odd || this.#rec !== null || first === 0 || stop - pos > max) {
        this.#slowLine(buf, pos, stop, lineNo, cand);
        lastStart = -1;
      } else if (stop === pos) {
        handedOver = false; // blank line: not an entry
      } else if (first === HASH) {
        this.#onLine?.(buf, pos, stop, lineNo);
        this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'directive');
      } else {
        this.#dataLines++;
        if (cand) {
          this.#onLine?.(buf, pos, stop, lineNo);
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
      this.#onLine?.(buf, pos, stop, lineNo);
      this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'directive');
      return;
    }
    if (this.#quoted && hasOddQuotes(buf, pos, stop)) {
      this.#rec = new QuotedRecord(buf, pos, stop, lineNo, cand);
      return;
    }
    this.#dataLines++;
    this.#dataUnit(buf, pos, stop, lineNo, cand);
  }

  #dataUnit(buf: Buffer, pos: number, stop: number, lineNo: number, cand: boolean): void {
    if (cand) {
      this.#onLine?.(buf, pos, stop, lineNo);
      this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'data');
    } else if (this.#wantFirst) this.#deliver(buf.toString('utf8', pos, stop), lineNo, 'coverage');
    else {
      this.#last = Buffer.from(buf.subarray(pos, stop));
      this.#lastLine = lineNo;
    }
  }

  #appendToRecord(buf: Buffer, pos: number, stop: number, lineNo: number, cand: boolean): void {
    const rec = this.#rec as QuotedRecord;
    rec.add(buf, pos, stop, lineNo, cand);
    if (hasOddQuotes(buf, pos, stop)) {
      // The quote opened on the first line closes here: one record, numbered by its first line.
      this.#rec = null;
      const whole = rec.join();
      this.#dataLines++;
      this.#dataUnit(whole, 0, whole.length, rec.firstLine, rec.candidate);
      return;
    }
    if (rec.bytes > this.#max || rec.lines.length > MAX_RECORD_LINES) {
      this.#abandonRecord(`no closing quote within ${rec.lines.length} lines`);
    }
  }

  /**
   * Gives up a quoted record (stray quote, or a value too long to be real): its first line is
   * read on its own, as it stands, and the following lines are read again as ordinary lines.
   * They all had balanced quotes (otherwise the record would have closed), so none of them
   * opens a record again and the work stays bounded.
   */
  #abandonRecord(why: string): void {
    const rec = this.#rec as QuotedRecord;
    this.#rec = null;
    this.#diags.report('warning', 'unclosed-quote', `quote opened here is not closed (${why}); lines read one by one`, rec.firstLine);
    rec.lines.forEach((l, i) => {
      if (i === 0) {
        this.#dataLines++;
        this.#dataUnit(l.bytes, 0, l.bytes.length, l.line, l.candidate);
      } else this.#unit(l.bytes, 0, l.bytes.length, l.line, l.candidate);
    });
  }

  #deliver(text: string, lineNo: number, role: LineRole): void {
    const gotTime = this.#v.line(text, lineNo, role);
    this.#quoted = this.#v.quoted;
    if (role === 'directive') return;
    this.#last = null;
    if (this.#wantFirst && (gotTime || ++this.#firstTries >= MAX_FIRST_TIME_TRIES)) this.#wantFirst = false;
  }
}
