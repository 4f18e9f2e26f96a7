/**
 * @module An RFC 4180 record whose quoted value runs over line breaks, while it is being
 * collected; plus the byte helpers the scanner uses to see where quotes open and close.
 *
 * Quote state is plain parity: every `"` toggles it, which is exact for well-formed CSV
 * (opening, closing and doubled quotes pair up) and needs one `indexOf` per quote, no per-byte
 * loop. The lines are copied, because the chunks they came from are released as reading goes on.
 */

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Whether `buf[start, end)` holds an odd number of double quotes. */
export function hasOddQuotes(buf: Buffer, start: number, end: number): boolean {
  let odd = false;
  let q = buf.indexOf(QUOTE, start);
  while (q !== -1 && q < end) {
    odd = !odd;
    q = buf.indexOf(QUOTE, q + 1);
  }
  return odd;
}

/** The line terminator found at `stop` (the end of a line's content), as written in the file. */
export function terminatorAt(buf: Buffer, stop: number): string {
  if (buf[stop] === CR) return '\r\n';
  return buf[stop] === LF ? '\n' : '';
}

/** One physical line of an open record. */
export interface RecordLine {
  readonly bytes: Buffer;
  readonly line: number;
  /** Whether the line holds a prefilter hit. */
  readonly candidate: boolean;
}

export class QuotedRecord {
  readonly lines: RecordLine[] = [];
  readonly #seps: string[] = [];
  #bytes = 0;

  /** Starts a record with its first line, `buf[start, stop)` (terminator found at `stop`). */
  constructor(buf: Buffer, start: number, stop: number, line: number, candidate: boolean) {
    this.add(buf, start, stop, line, candidate);
  }

  get firstLine(): number {
    return (this.lines[0] as RecordLine).line;
  }

  /** Bytes held so far, terminators included. */
  get bytes(): number {
    return this.#bytes;
  }

  get candidate(): boolean {
    return this.lines.some((l) => l.candidate);
  }

  add(buf: Buffer, start: number, stop: number, line: number, candidate: boolean): void {
    const sep = terminatorAt(buf, stop);
    this.lines.push({ bytes: Buffer.from(buf.subarray(start, stop)), line, candidate });
    this.#seps.push(sep);
    this.#bytes += stop - start + sep.length;
  }

  /** The whole record as in the file, inner line breaks kept, without the final terminator. */
  join(): Buffer {
    const pieces: Buffer[] = [];
    this.lines.forEach((l, i) => {
      pieces.push(l.bytes);
      if (i < this.lines.length - 1) pieces.push(Buffer.from(this.#seps[i] ?? '\n', 'latin1'));
    });
    return Buffer.concat(pieces);
  }
}
