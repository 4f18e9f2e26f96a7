/**
 * @module Cuts a log file's bytes (or UTF-16 text, decoded) into numbered lines and hands them
 * out in batches of about `batchBytes` (line-batch.ts's `LineBatch`). Valid UTF-8 is passed as
 * read, without copying lines: those bytes are exactly what decoding and re-encoding a line gives.
 * Stretches that are not valid UTF-8, and UTF-16 text, are re-encoded line by line into a batch of
 * their own, as scanning a decoded line always did.
 *
 * Memory stays bounded whatever the input (log lines are attacker-controlled): a line longer than
 * `maxLineBytes` is not kept, only counted and skipped when its end comes.
 */
import { isUtf8 } from 'node:buffer';
import type { LineBatch } from './line-batch.js';

export interface LineCutterOptions {
  readonly maxLineBytes: number;
  /** Which lines to batch, given the line as latin1 text (UTF-16: as text); null for all. */
  readonly keep: ((line: string) => boolean) | null;
  /** Receives each batch, in line order. `seen`: lines read for it, kept or not. */
  readonly flush: (batch: LineBatch & { readonly seen: number }) => void;
  /** New bytes gathered before lines are cut and batched. Default 1 MiB. */
  readonly batchBytes?: number;
  /** Lines per batch at most, whatever their bytes (the tables stay small with one-byte lines). */
  readonly maxBatchLines?: number;
}

const LF = Buffer.from('\n');

export class LineCutter {
  readonly #max: number;
  readonly #keep: ((line: string) => boolean) | null;
  readonly #flush: LineCutterOptions['flush'];
  readonly #batchBytes: number;
  readonly #maxLines: number;
  /** Number of the last line cut. */
  #line = 0;
  /** Bytes read but not yet cut: a partial line first (`#carried` bytes of it), then new data. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #carried = 0;
  /** UTF-16 input: decoded text not yet cut. */
  #text = '';
  #textMode = false;
  /** The line being read is longer than the limit: skip it when its end comes. */
  #overlong = false;
  readonly #built = new BuiltBatch();

  constructor(options: LineCutterOptions) {
    this.#max = options.maxLineBytes;
    this.#keep = options.keep;
    this.#flush = options.flush;
    this.#batchBytes = options.batchBytes ?? 1024 * 1024;
    this.#maxLines = options.maxBatchLines ?? 65536;
  }

  /** More UTF-8 bytes (byte-order mark already removed). */
  bytes(buf: Buffer): void {
    if (buf.length === 0) return;
    this.#pending.push(buf);
    this.#pendingBytes += buf.length;
    // Counting only new bytes keeps copying linear when a long partial line is carried along.
    if (this.#pendingBytes - this.#carried >= this.#batchBytes) this.#drain(false);
  }

  /** More decoded UTF-16 text. */
  text(s: string): void {
    this.#textMode = true;
    this.#text += s;
    let start = 0;
    for (let nl = this.#text.indexOf('\n'); nl >= 0; nl = this.#text.indexOf('\n', start)) {
      const line = this.#text.slice(start, this.#text[nl - 1] === '\r' ? nl - 1 : nl);
      this.#textLine(line);
      start = nl + 1;
    }
    this.#text = this.#text.slice(start);
    if (this.#text.length * 2 > this.#max) {
      this.#overlong = true;
      this.#text = '';
    }
  }

  /**
   * One line already cut by someone else (the parser's line reader), with its number: copied
   * into the batch being built. Lines may skip numbers (those without any rule's literal).
   */
  line(bytes: Buffer, number: number): void {
    this.#line = number;
    this.#built.seen += 1;
    if (bytes.length > this.#max) return;
    this.#built.add(Buffer.from(bytes), number);
    if (this.#built.bytes >= this.#batchBytes || this.#built.lines >= this.#maxLines) this.#flushBuilt();
  }

  /** End of input: the last line, even without a line break, and the last batches. */
  end(): void {
    if (this.#textMode) {
      // As before: the last UTF-16 line keeps a trailing CR.
      if (this.#text.length > 0) this.#textLine(this.#text);
      this.#text = '';
    } else this.#drain(true);
    this.#flushBuilt();
  }

  #textLine(line: string): void {
    this.#line += 1;
    this.#built.seen += 1;
    if (this.#overlong) this.#overlong = false;
    else if (line.length * 2 <= this.#max && (!this.#keep || this.#keep(line))) {
      this.#built.add(Buffer.from(line, 'utf8'), this.#line);
      if (this.#built.bytes >= this.#batchBytes || this.#built.lines >= this.#maxLines) this.#flushBuilt();
    }
  }

  #drain(final: boolean): void {
    const data = this.#pending.length === 1 ? (this.#pending[0] ?? Buffer.alloc(0)) : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#carried = 0;
    const cut = final ? data.length : data.lastIndexOf(10) + 1;
    if (cut > 0) this.#cut(data, cut);
    if (final || cut === data.length) return;
    if (data.length - cut > this.#max) {
      this.#overlong = true;
      return;
    }
    // A copy: the rest of a large chunk is small, and the chunk can then be collected.
    const rest = Buffer.from(data.subarray(cut));
    this.#pending = [rest];
    this.#pendingBytes = this.#carried = rest.length;
  }

  /** Cuts `data[0, end)` (whole lines; the last one may lack its line break) into a batch. */
  #cut(data: Buffer, end: number): void {
    const valid = isUtf8(data.subarray(0, end));
    // Shared by all cutters: filled and handed to `flush` without an `await` in between.
    const table = TABLE;
    table.clear();
    let seen = 0;
    for (let s = 0; s < end; ) {
      let nl = data.indexOf(10, s);
      if (nl < 0 || nl >= end) nl = end;
      const e = nl > s && data[nl - 1] === 13 ? nl - 1 : nl;
      this.#line += 1;
      seen += 1;
      if (this.#overlong) this.#overlong = false;
      else if (e - s <= this.#max && (!this.#keep || this.#keep(data.toString('latin1', s, e)))) {
        if (valid) {
          table.push(s, e, this.#line);
          if (table.length >= this.#maxLines) {
            this.#flush({ buf: data, ...table.view(), seen });
            table.clear();
            seen = 0;
          }
        } else {
          const raw = data.subarray(s, e);
          this.#built.add(isUtf8(raw) ? raw : Buffer.from(data.toString('utf8', s, e), 'utf8'), this.#line);
          if (this.#built.lines >= this.#maxLines) {
            this.#built.seen += seen;
            seen = 0;
            this.#flushBuilt();
          }
        }
      }
      s = nl + 1;
    }
    if (valid) this.#flush({ buf: data, ...table.view(), seen });
    else {
      this.#built.seen += seen;
      this.#flushBuilt();
    }
  }

  #flushBuilt(): void {
    if (this.#built.seen > 0) this.#flush(this.#built.take());
  }
}

/**
 * Growable columns of line starts, ends and numbers: typed arrays, so no garbage per line (a
 * scan reads hundreds of thousands of lines per 100 MB); doubles, so no offset can overflow.
 */
class LineTable {
  #starts = new Float64Array(1024);
  #ends = new Float64Array(1024);
  #lines = new Float64Array(1024);
  #n = 0;

  get length(): number {
    return this.#n;
  }

  clear(): void {
    this.#n = 0;
  }

  push(start: number, end: number, line: number): void {
    if (this.#n === this.#starts.length) {
      const grow = (a: Float64Array): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#starts = grow(this.#starts);
      this.#ends = grow(this.#ends);
      this.#lines = grow(this.#lines);
    }
    this.#starts[this.#n] = start;
    this.#ends[this.#n] = end;
    this.#lines[this.#n] = line;
    this.#n += 1;
  }

  /** Views of the filled part, valid until the next `clear`. */
  view(): Pick<LineBatch, 'starts' | 'ends' | 'lines'> {
    return { starts: this.#starts.subarray(0, this.#n), ends: this.#ends.subarray(0, this.#n), lines: this.#lines.subarray(0, this.#n) };
  }
}

const TABLE = new LineTable();

/** Lines copied one after the other, each followed by a line feed. */
class BuiltBatch {
  #parts: Buffer[] = [];
  #starts: number[] = [];
  #ends: number[] = [];
  #lines: number[] = [];
  bytes = 0;
  seen = 0;

  get lines(): number {
    return this.#lines.length;
  }

  add(line: Buffer, number: number): void {
    this.#starts.push(this.bytes);
    this.#ends.push(this.bytes + line.length);
    this.#lines.push(number);
    this.#parts.push(line, LF);
    this.bytes += line.length + 1;
  }

  take(): LineBatch & { readonly seen: number } {
    const batch = { buf: Buffer.concat(this.#parts, this.bytes), starts: this.#starts, ends: this.#ends, lines: this.#lines, seen: this.seen };
    this.#parts = [];
    this.#starts = [];
    this.#ends = [];
    this.#lines = [];
    this.bytes = 0;
    this.seen = 0;
    return batch;
  }
}
