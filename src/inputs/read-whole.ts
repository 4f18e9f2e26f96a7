/**
 * @module Reads a tree entry whole into memory, with a cap: for scanners that need the whole file
 * (YARA). The declared size is not trusted (a zip entry can lie): reading stops at the cap.
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
