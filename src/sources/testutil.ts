/**
 * @module Test support for the sources tests (not exported from the sources index): inputs from
 * bytes or files, a collector for records and diagnostics, and the paths of fixtures and of the
 * shared reference data beside the repository.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../core/diagnostic.js';
import type { LogRecord } from '../core/record.js';
import type { FileStats, LogInput, LogParser } from './source.js';

/** The repository root (this file runs from `dist/src/sources/`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function fixturePath(name: string): string {
  return join(repoRoot, 'test', 'fixtures', 'logs', name);
}

/** Path of a file in the shared reference data (`../shared/data`), whether or not it exists. */
export function sharedDataPath(...parts: string[]): string {
  return join(repoRoot, '..', 'shared', 'data', ...parts);
}

/**
 * True when `path` exists. Otherwise the test is reported as skipped, or fails under CI
 * (`CI` set), where the shared data must be present.
 */
export function requireShared(t: TestContext, path: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI) assert.fail(`missing shared reference data: ${path}`);
  t.skip(`needs ../shared reference data (${path} not found)`);
  return false;
}

/** An input over bytes in memory, streamed in chunks of `chunkSize` (to test chunk borders). */
export function bytesInput(path: string, bytes: Buffer, chunkSize = 64 * 1024): LogInput {
  return {
    path,
    open: () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
      return Promise.resolve(Readable.from(chunks, { objectMode: false }));
    },
  };
}

export function fileInput(file: string, path = file): LogInput {
  return { path, open: () => Promise.resolve(createReadStream(file)) };
}

export interface Parsed {
  readonly records: LogRecord[];
  readonly diagnostics: Diagnostic[];
  readonly stats: FileStats;
}

export async function parseAll(
  parser: LogParser,
  input: LogInput,
  literals: readonly string[] | null = null,
  maxLineBytes?: number,
): Promise<Parsed> {
  const records: LogRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const stats = await parser(input, {
    literals,
    onRecord: (r) => records.push(r),
    onDiagnostic: (d) => diagnostics.push(d),
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
  });
  return { records, diagnostics, stats };
}

/** A small deterministic PRNG (mulberry32), so property tests replay the same cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** UTF-16 bytes of a string, little or big endian, with or without byte-order mark. */
export function utf16(text: string, endian: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  return endian === 'le' ? le : Buffer.from(le).swap16();
}
