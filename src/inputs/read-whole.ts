/**
 * @module Reads a tree entry into memory, with a cap: whole, for scanners that need the whole file
 * (YARA), or its first bytes, for format detection. The declared size is not trusted (a zip entry
 * can lie): reading stops at the cap.
 */
import type { Readable } from 'node:stream';

/** The whole stream, or null when the file is larger than `max` (it is then not read past the cap). */
export async function readWhole(open: () => Promise<Readable>, size: number, max: number): Promise<Buffer | null> {
  if (size > max) return null;
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = await open();
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      stream.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The first `max` bytes of the stream (fewer when it is shorter); the rest is not read. */
export async function readHead(open: () => Promise<Readable>, max: number): Promise<Buffer> {
  const stream = await open();
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    n += chunk.length;
    if (n >= max) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, max);
}
