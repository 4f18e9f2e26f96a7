/**
 * @module Test support for the inventory tests (not exported from the inventory index): the
 * built-in content loaded once, observations from build strings, the shared facts, and temporary
 * folders.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { packageRoot } from '../content/package-root.js';
import { parseBuild } from './build.js';
import { loadExchangeContent, type ExchangeContent } from './content/load.js';
import { evaluate } from './evaluate.js';
import type { Confidence, Observation, PostureItem, ServerReport } from './types.js';

/** The repository root (found by package.json, from src/ under tsx or dist/src/ compiled). */
export const repoRoot = packageRoot();

let content: ExchangeContent | null = null;

export function builtinContent(): ExchangeContent {
  if (content) return content;
  const r = loadExchangeContent(join(repoRoot, 'content', 'exchange'));
  assert.deepEqual(r.errors.map((e) => e.message), []);
  assert.ok(r.content);
  content = r.content;
  return content;
}

export function observation(build: string | null, confidence: Confidence = 'exact', posture: PostureItem[] = [], method = 'build-argument'): Observation {
  return {
    host: 'EXCH01',
    input: build ?? '-',
    build: build === null ? null : parseBuild(build),
    confidence,
    method,
    evidence: [],
    history: [],
    posture: { items: posture },
    notes: [],
  };
}

export function evalBuild(build: string | null, confidence: Confidence = 'exact', posture: PostureItem[] = [], asOf = '2026-11-27'): ServerReport {
  return evaluate(observation(build, confidence, posture, confidence === 'cu-only' ? 'admin-display-version' : 'build-argument'), builtinContent(), { asOf });
}

/** Status of one family (by id) for a report. */
export function familyStatus(r: ServerReport, id: string): string {
  const f = r.families.find((x) => x.id === id);
  assert.ok(f, `family ${id}`);
  return f.status;
}

export function cveStatus(r: ServerReport, cve: string): string {
  for (const f of r.families) for (const c of f.cves) if (c.id === cve) return c.status;
  assert.fail(`no ${cve}`);
}

export function factsPath(name: string): string {
  return join(process.env.EXHUNT_SHARED_DIR ?? join(repoRoot, '..', 'shared'), 'data', 'exchange-facts', name);
}

/** True when the shared facts file exists; else skips the test (fails under CI). */
export function requireFacts(t: TestContext, name: string): boolean {
  const path = factsPath(name);
  if (existsSync(path)) return true;
  if (process.env.CI) assert.fail(`missing shared reference data: ${path}`);
  t.skip(`needs ../shared/data/exchange-facts/${name} (not found)`);
  return false;
}

export function tempDir(t: TestContext, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `exhunt-inv-${tag}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(dir: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [rel, data] of Object.entries(files)) {
    const abs = join(dir, ...rel.split('/'));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, data);
  }
}
