/**
 * @module Text encoding of log files: sniffing it from the first bytes and turning UTF-16 into
 * UTF-8 chunk by chunk.
 *
 * Everything after this module sees UTF-8 bytes only, so the line scanner and the literal
 * prefilter have one byte layout to handle. UTF-16 matters because PowerShell 5's `Out-File`
 * and `>` write UTF-16LE by default, and responders often re-save or export logs that way.
 */
import { TextDecoder } from 'node:util';

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

export interface SniffResult {
  readonly encoding: TextEncoding;
  /** Bytes of byte-order mark at the start of the file (to skip). */
  readonly bomLength: number;
}

/** How many leading bytes `sniffEncoding` wants to see for the NUL-pattern guess. */
export const SNIFF_BYTES = 512;

/**
 * Guesses the encoding from the first bytes of a file: a byte-order mark when there is one,
 * otherwise the NUL pattern of UTF-16 text that is mostly ASCII (`A\0B\0` is UTF-16LE). Binary
 * junk or NUL padding (both positions zero) stays UTF-8, so the parsers report it as bad rows.
 */
export function sniffEncoding(head: Uint8Array): SniffResult {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    return { encoding: 'utf8', bomLength: 3 };
  }
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bomLength: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', bomLength: 2 };
  const pairs = Math.floor(Math.min(head.length, SNIFF_BYTES) / 2);
  // Fewer than two characters is not enough to tell "A\0" from a NUL in a binary file.
  if (pairs < 2) return { encoding: 'utf8', bomLength: 0 };
  // The common case, text without a NUL, answered by one native search instead of the count.
  if (head.subarray(0, 2 * pairs).indexOf(0) === -1) return { encoding: 'utf8', bomLength: 0 };
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZero++;
    if (head[2 * i + 1] === 0) oddZero++;
  }
  // Thresholds leave room for some non-Latin characters while rejecting NUL-padded files.
  if (oddZero >= pairs * 0.7 && evenZero <= pairs * 0.1) return { encoding: 'utf16le', bomLength: 0 };
  if (evenZero >= pairs * 0.7 && oddZero <= pairs * 0.1) return { encoding: 'utf16be', bomLength: 0 };
  return { encoding: 'utf8', bomLength: 0 };
}

/**
 * Turns a byte stream in any supported encoding into UTF-8 chunks. Push bytes with `push`, then
 * call `end` once; both return the UTF-8 chunks ready so far (often the input chunk itself, with
 * no copy, for UTF-8 files), to be used before the next call. The first `SNIFF_BYTES` are held
 * back (copied) until the encoding is known.
 */
export class Utf8ChunkDecoder {
  #encoding: TextEncoding | null = null;
  #head: Buffer[] = [];
  #headBytes = 0;
  #utf16: TextDecoder | null = null;

  /** Encoding of the file, known once `SNIFF_BYTES` bytes arrived or the input ended. */
  get encoding(): TextEncoding | null {
    return this.#encoding;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.#encoding === null) {
      this.#headBytes += chunk.length;
      if (this.#headBytes < SNIFF_BYTES) {
        // Held until the encoding is known: a copy, since the caller may reuse the chunk.
        this.#head.push(Buffer.from(chunk));
        return [];
      }
      this.#head.push(chunk);
      return this.#decide();
    }
    return this.#convert(chunk);
  }

  end(): Buffer[] {
    const out = this.#encoding === null ? this.#decide() : [];
    if (this.#utf16) {
      const rest = this.#utf16.decode();
      if (rest.length > 0) out.push(Buffer.from(rest, 'utf8'));
    }
    return out;
  }

  #decide(): Buffer[] {
    const head = this.#head.length === 1 ? (this.#head[0] as Buffer) : Buffer.concat(this.#head);
    this.#head = [];
    const { encoding, bomLength } = sniffEncoding(head);
    this.#encoding = encoding;
    if (encoding !== 'utf8') this.#utf16 = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be', { ignoreBOM: true });
    const body = head.subarray(bomLength);
    return body.length === 0 ? [] : this.#convert(body);
  }

  #convert(chunk: Buffer): Buffer[] {
    if (this.#utf16 === null) return [chunk];
    // `stream: true` keeps an odd trailing byte or a lone high surrogate for the next chunk.
    const text = this.#utf16.decode(chunk, { stream: true });
    return text.length === 0 ? [] : [Buffer.from(text, 'utf8')];
  }
}
