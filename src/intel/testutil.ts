/**
 * @module Test support for the intel tests (not exported): paths of the shared reference data,
 * skip-or-fail when it is missing, and throw-away stores in temp folders.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/index.js';
import { openStore } from '../store/index.js';

/** The repository root (this file runs from `dist/src/intel/`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function shared(...parts: string[]): string {
  return join(process.env.EXHUNT_SHARED_DIR ?? join(repoRoot, '..', 'shared'), 'data', ...parts);
}

export function fixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', 'intel', ...parts);
}

/** True when `path` exists; otherwise skips the test, or fails it under CI. */
export function requireShared(t: TestContext, path: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI) assert.fail(`missing shared reference data: ${path}`);
  t.skip(`needs ../shared reference data (${path} not found)`);
  return false;
}

export function tempDir(t: TestContext, prefix = 'exhunt-intel-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new store in a temp folder, closed after the test. */
export async function tempStore(t: TestContext): Promise<Store> {
  const store = await openStore({ path: join(tempDir(t), 'exhunt.db') });
  t.after(() => store.close());
  return store;
}
