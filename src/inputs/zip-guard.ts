/**
 * @module The stream-time guard on a zip entry's bytes. The central directory only *declares*
 * sizes; a crafted entry can inflate to far more than it declares (a zip bomb that slips past the
 * listing checks) or to less, or to different bytes. The guard passes bytes through while
 * counting them and fails the stream, naming the entry, as soon as they exceed the declared size,
 * or at the end when they fall short or their CRC-32 differs. Failing early matters: the
 * upstream inflater is destroyed at once, so a bomb costs at most its declared size.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { InputError } from '../core/errors.js';

export interface EntryExpectation {
  /** Tree path of the entry, for error messages. */
  readonly path: string;
  readonly size: number;
  readonly crc32: number;
}

export class ZipEntryGuard extends Transform {
  readonly #expect: EntryExpectation;
  #bytes = 0;
  #crc = 0;

  constructor(expect: EntryExpectation) {
    super();
    this.#expect = expect;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#expect.size) {
      callback(
        new InputError(`zip-bomb: entry inflates past its declared ${this.#expect.size} bytes; reading stopped`, {
          path: this.#expect.path,
        }),
      );
      return;
    }
    this.#crc = crc32(chunk, this.#crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { path, size } = this.#expect;
    if (this.#bytes < size) {
      callback(new InputError(`zip entry ends after ${this.#bytes} of its declared ${size} bytes`, { path }));
    } else if (this.#crc !== this.#expect.crc32 >>> 0) {
      callback(new InputError('zip entry is corrupt (CRC-32 mismatch)', { path }));
    } else {
      callback();
    }
  }
}
