/**
 * @module Where a batch of new bytes of a growing log may be cut, and the header context a
 * parser needs to read bytes from the middle of a file.
 *
 * Only complete lines are consumed: a batch ends after a line feed, never inside a half-written
 * last line, and (for the CSV logs, whose quoted values may hold line breaks) never inside an
 * open quoted record, so the parser sees the same units a scan of the whole file would. Line
 * feeds are counted on the way: the checkpoint's line number is the file's true line number.
 *
 * The header context is what the parser learned from earlier lines: the `#Software`, `#Version`,
 * `#Date`, `#Fields:` directives (W3C and Exchange) and, for Exchange CSV logs, a plain CSV header
 * on line 1. It is kept in the checkpoint and replayed before the new bytes. Directives are kept
 * in file order (the first block, for `#Version`, and the most recent ones, for the `#Fields:` in
 * force), up to {@link MAX_HEADER_LINES} lines and {@link MAX_HEADER_BYTES} bytes.
 *
 * Byte layout: UTF-8 (with or without BOM), and UTF-16 LE or BE (PowerShell's exports), where a
 * line feed is the code unit 0x000A at an even offset from the start of the text.
 */
import { sniffEncoding } from '../sources/lines/encoding.js';
import { looksLikeCsvHeader } from '../sources/exchange-csv/csv.js';

const LF = 0x0a;
const QUOTE = 0x22;
const HASH = 0x23;

/** Lines a quoted record may span before it is taken for a stray quote (as the parser does). */
export const MAX_RECORD_LINES = 1000;
export const MAX_HEADER_LINES = 64;
/** Directive lines kept from the top of the file (its first header block). */
const HEADER_FIRST_LINES = 8;
export const MAX_HEADER_BYTES = 64 * 1024;

export interface TextLayout {
  /** Bytes per code unit. */
  readonly unit: 1 | 2;
  /** Little endian (UTF-16LE); irrelevant for UTF-8. */
  readonly le: boolean;
  /** Byte-order mark at the start of the file (replayed before the header). */
  readonly bom: Buffer;
}

/** The text layout of a file from its first bytes (the same sniffing the parsers use). */
export function textLayout(head: Buffer): TextLayout {
  const s = sniffEncoding(head);
  const bom = head.subarray(0, s.bomLength);
  if (s.encoding === 'utf8') return { unit: 1, le: true, bom: Buffer.from(bom) };
  return { unit: 2, le: s.encoding === 'utf16le', bom: Buffer.from(bom) };
}

function unitAt(buf: Buffer, i: number, t: TextLayout): number {
  if (t.unit === 1) return buf[i] ?? -1;
  const a = buf[i];
  const b = buf[i + 1];
  if (a === undefined || b === undefined) return -1;
  return t.le ? a | (b << 8) : (a << 8) | b;
}

/** Offset just after the next line feed at or after `from`, or -1. */
function nextLineEnd(buf: Buffer, from: number, t: TextLayout): number {
  if (t.unit === 1) {
    const nl = buf.indexOf(LF, from);
    return nl < 0 ? -1 : nl + 1;
  }
  for (let i = from; i + 1 < buf.length; i += 2) if (unitAt(buf, i, t) === LF) return i + 2;
  return -1;
}

function oddQuotes(buf: Buffer, start: number, end: number, t: TextLayout): boolean {
  let odd = false;
  if (t.unit === 1) {
    let q = buf.indexOf(QUOTE, start);
    while (q !== -1 && q < end) {
      odd = !odd;
      q = buf.indexOf(QUOTE, q + 1);
    }
    return odd;
  }
  for (let i = start; i + 1 < end; i += 2) if (unitAt(buf, i, t) === QUOTE) odd = !odd;
  return odd;
}

/** First code unit of a line after NUL padding (IIS and Exchange pad after an unclean stop). */
function firstUnit(buf: Buffer, start: number, end: number, t: TextLayout): { unit: number; at: number } {
  let i = start;
  while (i < end && unitAt(buf, i, t) === 0) i += t.unit;
  return { unit: i < end ? unitAt(buf, i, t) : -1, at: i };
}

export function decodeLine(bytes: Buffer, t: TextLayout): string {
  const enc = t.unit === 1 ? 'utf-8' : t.le ? 'utf-16le' : 'utf-16be';
  return new TextDecoder(enc).decode(bytes).replace(/\r?\n$/, '');
}

/** The header context of one file: a plain CSV header from line 1, then directive lines. */
export class HeaderContext {
  line1: Buffer | null;
  readonly directives: Buffer[];

  constructor(line1: Buffer | null = null, directives: Buffer[] = []) {
    this.line1 = line1;
    this.directives = directives;
  }

  /** Reads back what {@link serialize} wrote (the first line is line 1 unless it is a directive). */
  static parse(stored: Buffer | null, t: TextLayout): HeaderContext {
    const h = new HeaderContext();
    if (!stored || stored.length === 0) return h;
    let pos = 0;
    while (pos < stored.length) {
      const end = nextLineEnd(stored, pos, t);
      const stop = end < 0 ? stored.length : end;
      const line = stored.subarray(pos, stop);
      if (pos === 0 && firstUnit(line, 0, line.length, t).unit !== HASH) h.line1 = line;
      else h.directives.push(line);
      pos = stop;
    }
    return h;
  }

  get lineCount(): number {
    return (this.line1 ? 1 : 0) + this.directives.length;
  }

  serialize(): Buffer | null {
    const parts = [...(this.line1 ? [this.line1] : []), ...this.directives];
    return parts.length === 0 ? null : Buffer.concat(parts);
  }

  addDirective(line: Buffer): void {
    this.directives.push(Buffer.from(line));
    let bytes = this.directives.reduce((n, d) => n + d.length, this.line1?.length ?? 0);
    while ((this.directives.length > MAX_HEADER_LINES || bytes > MAX_HEADER_BYTES) && this.directives.length > HEADER_FIRST_LINES) {
      const [dropped] = this.directives.splice(HEADER_FIRST_LINES, 1);
      bytes -= dropped?.length ?? 0;
    }
  }

  /** Whether the parser reads the file as CSV with quoted records (OAB logs only once they have a header). */
  hasCsvColumns(t: TextLayout): boolean {
    if (this.line1 && looksLikeCsvHeader(decodeLine(this.line1, t))) return true;
    return this.directives.some((d) => /^#fields:/i.test(decodeLine(d, t).replace(/^\0+/, '')));
  }
}

export interface CutOptions {
  readonly layout: TextLayout;
  /** Quoted values may span lines (Exchange CSV logs). */
  readonly quoted: boolean;
  /** Keep line 1 as header context when it is not a directive (Exchange CSV logs). */
  readonly keepLine1: boolean;
  /** Line number of the first line in the buffer (the checkpoint's line + 1); null when unknown. */
  readonly firstLine: number | null;
  /** Bytes at the start of the buffer that are not text (the byte-order mark, at offset 0). */
  readonly skipBytes: number;
  /** The buffer starts inside an over-long line that is being skipped. */
  readonly skipping: boolean;
  /** Lines longer than this are skipped (the parser's limit). */
  readonly maxLineBytes: number;
  /** The buffer is as long as a batch may be: a record still open at its end is given up. */
  readonly windowFull: boolean;
  /** The writer has been idle for long: a last line without line feed is complete too. */
  readonly final: boolean;
}

export interface Cut {
  /** Bytes to consume from the start of the buffer. */
  readonly bytes: number;
  /** Where the bytes to parse start (after the tail of a skipped over-long line) and end. */
  readonly parseFrom: number;
  readonly parseTo: number;
  /** Lines completed by the consumed bytes (including the end of a skipped line). */
  readonly lines: number;
  /** Still inside an over-long line after the cut. */
  readonly skipping: boolean;
  /** An over-long line started here (its 1-based line number, when known; 0 otherwise). */
  readonly tooLongAt: number | null;
  /** Header lines among the consumed bytes, in order. */
  readonly headerLines: readonly { readonly bytes: Buffer; readonly line1: boolean }[];
}

/** Decides how much of `buf` (new bytes from the checkpoint's offset) can be consumed now. */
export function cutLines(buf: Buffer, o: CutOptions): Cut {
  const t = o.layout;
  let pos = o.skipBytes;
  let lines = 0;
  let parseFrom = o.skipBytes;
  if (o.skipping) {
    const end = nextLineEnd(buf, pos, t);
    if (end < 0) return { bytes: buf.length, parseFrom: buf.length, parseTo: buf.length, lines: 0, skipping: true, tooLongAt: null, headerLines: [] };
    pos = end;
    lines = 1;
    parseFrom = end;
  }
  let safe = pos;
  let safeLines = lines;
  const headers: { bytes: Buffer; line1: boolean }[] = [];
  let pending: { bytes: Buffer; line1: boolean }[] = [];
  let inRecord = false;
  let recordLines = 0;
  let recordStart = pos;
  for (;;) {
    const end = nextLineEnd(buf, pos, t);
    if (end < 0) break;
    const lineNo = o.firstLine === null ? null : o.firstLine + lines;
    if (!inRecord) {
      const first = firstUnit(buf, pos, end, t);
      if (first.unit === HASH) pending.push({ bytes: buf.subarray(first.at, end), line1: false });
      else if (lineNo === 1 && o.keepLine1) pending.push({ bytes: buf.subarray(pos, end), line1: true });
      else if (o.quoted && end - pos <= o.maxLineBytes && oddQuotes(buf, pos, end, t)) {
        inRecord = true;
        recordLines = 1;
        recordStart = pos;
      }
    } else {
      recordLines++;
      if (oddQuotes(buf, pos, end, t) || recordLines > MAX_RECORD_LINES || end - recordStart > o.maxLineBytes) inRecord = false;
    }
    lines++;
    pos = end;
    if (!inRecord) {
      safe = pos;
      safeLines = lines;
      headers.push(...pending);
      pending = [];
    }
  }
  if (inRecord && (o.windowFull || o.final)) {
    // A quote that does not close within the window, or by the time the writer went quiet, is a
    // stray quote: the parser reads those lines one by one, so they can be consumed.
    safe = pos;
    safeLines = lines;
    headers.push(...pending);
    inRecord = false;
  }
  if (!inRecord && pos < buf.length && safe === pos) {
    const rest = buf.length - pos;
    if (rest > o.maxLineBytes + 2) {
      // An over-long line: consumed while it streams past, its line feed ends the skip.
      const at = o.firstLine === null ? 0 : o.firstLine + lines;
      return { bytes: buf.length, parseFrom, parseTo: pos, lines, skipping: true, tooLongAt: at, headerLines: headers };
    }
    if (o.final) return { bytes: buf.length, parseFrom, parseTo: buf.length, lines: lines + 1, skipping: false, tooLongAt: null, headerLines: headers };
  }
  return { bytes: safe, parseFrom, parseTo: safe, lines: safeLines, skipping: false, tooLongAt: null, headerLines: headers };
}
