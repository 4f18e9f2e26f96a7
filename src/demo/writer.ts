/**
 * @module Buffered log writer. Lines are copied straight into a 1 MiB buffer (no string
 * building: concatenating rows into big strings costs more than generating them) and a full
 * buffer is written before the next line is accepted, so memory stays at one buffer per open
 * file whatever the size (backpressure by construction). Buffers come from a shared pool.
 *
 * Writes are synchronous on purpose: measured here, the promise API costs about four times more
 * per small file (open, write, utimes, close) and halves large-write throughput, and a generator
 * has nothing else to do while a chunk is written. `generateDemo` yields to the event loop
 * between files so timers and signals still run.
 * Lines must be 7-bit ASCII: byte counts are character counts.
 */
import { closeSync, futimesSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const CHUNK = 1 << 20;
/** Room for one more line of up to this length is kept in every buffer. */
const MAX_LINE = 64 * 1024;

/** Creates folders once per path for the whole run. */
export class DirMaker {
  readonly #made = new Set<string>();

  ensure(dir: string): void {
    if (this.#made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.#made.add(dir);
  }
}

/** Reusable write buffers. */
export class BufferPool {
  readonly #free: Buffer[] = [];

  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafe(CHUNK + MAX_LINE);
  }

  give(b: Buffer): void {
    if (this.#free.length < 16) this.#free.push(b);
  }
}

export class LogWriter {
  /** Path as given to `create`. */
  readonly path: string;
  readonly #fd: number;
  readonly #pool: BufferPool;
  #buf: Buffer;
  #used = 0;
  #bytes = 0;
  #lines = 0;
  #closed = false;

  private constructor(path: string, fd: number, pool: BufferPool) {
    this.path = path;
    this.#fd = fd;
    this.#pool = pool;
    this.#buf = pool.take();
  }

  /** Opens a new file; fails if it exists (the caller cleared the output folder). */
  static create(path: string, dirs: DirMaker, pool: BufferPool): LogWriter {
    dirs.ensure(dirname(path));
    return new LogWriter(path, openSync(path, 'wx'), pool);
  }

  /** Bytes written or buffered so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Lines written or buffered so far; the next line gets number `lines + 1`. */
  get lines(): number {
    return this.#lines;
  }

  /** Appends `text` and CRLF; writes the buffer out when it is full. */
  line(text: string): void {
    if (text.length > MAX_LINE - 2) throw new RangeError(`line of ${text.length} characters is too long for the demo writer`);
    const n = this.#buf.write(text, this.#used, 'latin1');
    this.#buf[this.#used + n] = 13;
    this.#buf[this.#used + n + 1] = 10;
    this.#used += n + 2;
    this.#bytes += n + 2;
    this.#lines++;
    if (this.#used >= CHUNK) this.flush();
  }

  /** Writes the buffered lines to the file. */
  flush(): void {
    let off = 0;
    while (off < this.#used) off += writeSync(this.#fd, this.#buf, off, this.#used - off);
    this.#used = 0;
  }

  /** Writes what is left, sets the modification time, closes. Idempotent. */
  close(mtime: Date | null): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.flush();
      if (mtime) futimesSync(this.#fd, mtime, mtime);
    } finally {
      this.#pool.give(this.#buf);
      closeSync(this.#fd);
    }
  }
}
