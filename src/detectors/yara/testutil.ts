/**
 * @module Test support for the YARA tests (not exported from the index): fixture and shared data
 * paths, the skip-or-fail rule for shared data, and scanners compiled once per test file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Hit } from '../../core/finding.js';
import { findYaraCommand, loadBinding } from './loader.js';
import type { YaraCompileOptions } from './compile.js';
import { YaraScanner } from './scan.js';

/** The repository root (this file runs from `dist/src/detectors/yara/`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export function fixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', 'yara', ...parts);
}

/** Path in the shared reference data (`../shared/data`), whether or not it exists. */
export function shared(...parts: string[]): string {
  return join(repoRoot, '..', 'shared', 'data', ...parts);
}

export const SIGNATURE_BASE = shared('signature-base', 'yara-all');
/** The 16 Exchange-related signature-base files (HAFNIUM, ProxyShell, web shells...). */
export const SIGNATURE_BASE_EXCHANGE = shared('signature-base', 'yara');
export const VOLEXITY = shared('volexity-threat-intel');
export const CHIRP = shared('cisagov-chirp', 'indicators', 'AA21-062A', 'AA21062A.yaml');

/**
 * True when every path exists. Otherwise the test is skipped with the reason, or fails when
 * `CI` is set (CI must have the shared data).
 */
export function requireShared(t: TestContext, ...paths: string[]): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  if (process.env.CI) assert.fail(`missing shared reference data: ${missing.join(', ')}`);
  t.skip(`needs ../shared reference data (${missing[0] ?? ''} not found)`);
  return false;
}

/** True when the `yara` command is installed; otherwise skips (fails under CI). */
export function requireYaraCommand(t: TestContext): boolean {
  if (findYaraCommand()) return true;
  if (process.env.CI) assert.fail('the yara command is required in CI (scripts/setup-system.sh installs it)');
  t.skip('needs the yara command (apt-get install yara)');
  return false;
}

/** True when the YARA-X binding loads; otherwise skips (fails under CI on Linux x64). */
export function requireBinding(t: TestContext): boolean {
  if (loadBinding().binding) return true;
  if (process.env.CI && process.platform === 'linux' && process.arch === 'x64') assert.fail(`YARA-X binding missing: ${loadBinding().info.detail}`);
  t.skip(`needs the YARA-X binding (${loadBinding().info.detail})`);
  return false;
}

const scanners = new Map<string, YaraScanner>();

/** A scanner compiled once per test process for the given options (closed at exit). */
export function sharedScanner(options: YaraCompileOptions): YaraScanner {
  const key = JSON.stringify(options);
  let s = scanners.get(key);
  if (!s) {
    s = YaraScanner.open(options);
    scanners.set(key, s);
    process.once('exit', () => s?.close());
  }
  return s;
}

/** Rule ids of hits, sorted. */
export function ruleIds(hits: readonly Hit[]): string[] {
  return hits.map((h) => h.ruleId).sort();
}

/**
 * The lines of `bytes` the way every reference in these tests splits them: at LF, a CR before it
 * dropped, numbered from 1, the last line even without a break; `from` skips a byte-order mark.
 */
export function* rawLines(bytes: Buffer, from = 0): Generator<{ line: number; start: number; end: number }> {
  let line = 0;
  for (let start = from; start < bytes.length; ) {
    let nl = bytes.indexOf(10, start);
    if (nl < 0) nl = bytes.length;
    line += 1;
    yield { line, start, end: nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl };
    start = nl + 1;
  }
}
