/**
 * @module Runs the log rules over every line of one log file, for callers whose parser does not
 * hand out raw lines: a second, cheap pass over the bytes. Lines are cut at LF (CR before it
 * dropped), numbered from 1 like the parsers number them (headers and comments included), decoded
 * as UTF-16 when the file starts with a UTF-16 byte-order mark and as UTF-8 otherwise. Most lines
 * are rejected by the literal prefilter on their bytes before any decoding.
 */
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import type { Hit } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import { LineMatcher } from './literals.js';
import type { LineScanner } from '../../core/detector.js';

/** What this needs of a YaraScanner or YaraPool (the core line-scanner contract). */
export type { LineScanner } from '../../core/detector.js';

export interface LogLinesOptions {
  readonly path: string;
  readonly kind: RecordKind;
  /** Lines longer than this are not scanned (the parsers skip them too). Default 1 MiB. */
  readonly maxLineBytes?: number;
}

const matchers = new WeakMap<readonly string[], LineMatcher>();

export async function scanLogLines(scanner: LineScanner, open: () => Promise<Readable>, options: LogLinesOptions): Promise<Hit[]> {
  const hits: Hit[] = [];
  if (!scanner.scansLines) return hits;
  const lits = scanner.lineLiterals;
  let matcher: LineMatcher | null = null;
  if (lits) {
    matcher = matchers.get(lits) ?? new LineMatcher(lits);
    matchers.set(lits, matcher);
  }
  const max = options.maxLineBytes ?? 1024 * 1024;
  let lineNo = 0;
  const onLine = (raw: string, decode: () => string, bytes: number): void => {
    lineNo += 1;
    if (bytes > max || (matcher && !matcher.test(raw))) return;
    hits.push(...scanner.scanLine(decode(), { path: options.path, line: lineNo, kind: options.kind }));
  };

  const stream = await open();
  let carry = Buffer.alloc(0);
  let utf16: TextDecoder | null = null;
  let text = '';
  let first = true;
  let overlong = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf: Buffer = chunk;
    if (first) {
      first = false;
      if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
        utf16 = new TextDecoder(buf[0] === 0xff ? 'utf-16le' : 'utf-16be');
        buf = buf.subarray(2);
      } else if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (utf16) {
      text += utf16.decode(buf, { stream: true });
      let nl = text.indexOf('\n');
      let start = 0;
      for (; nl >= 0; nl = text.indexOf('\n', start)) {
        const line = text.slice(start, text[nl - 1] === '\r' ? nl - 1 : nl);
        onLine(line, () => line, line.length * 2);
        start = nl + 1;
      }
      text = text.slice(start);
      continue;
    }
    const data = carry.length > 0 ? Buffer.concat([carry, buf]) : buf;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      const s = start;
      if (overlong) {
        overlong = false;
        onLine('', () => '', max + 1);
      } else onLine(data.toString('latin1', s, end), () => data.toString('utf8', s, end), end - s);
      start = nl + 1;
    }
    carry = Buffer.from(data.subarray(start));
    // A line longer than the limit is not kept in memory: it is counted and skipped.
    if (carry.length > max) {
      overlong = true;
      carry = Buffer.alloc(0);
    }
  }
  if (utf16) {
    text += utf16.decode();
    if (text.length > 0) onLine(text, () => text, text.length * 2);
  } else if (overlong) {
    onLine('', () => '', max + 1);
  } else if (carry.length > 0) {
    const last = carry[carry.length - 1] === 13 ? carry.subarray(0, -1) : carry;
    onLine(last.toString('latin1'), () => last.toString('utf8'), last.length);
  }
  return hits;
}
