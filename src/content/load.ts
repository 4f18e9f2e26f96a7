/**
 * @module Loads content packs (a folder with `rules/` and `indicators/`) into validated rules and
 * indicator sets. Built-in and user packs go through this one loader.
 *
 * Errors are collected, not thrown one at a time: every broken file is reported with its path
 * and line, and the files that are fine still load (a missing pack folder is an error of its
 * own, distinct from a broken file in it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ZodError } from 'zod';
import { ContentError } from '../core/errors.js';
import type { IndicatorSet, Rule } from './schema.js';
import { indicatorSetSchema, ruleSchema } from './schema.js';

export interface LoadedRule {
  readonly rule: Rule;
  /** File the rule came from, and whether it is part of exhunt's built-in pack. */
  readonly file: string;
  readonly builtin: boolean;
}

export interface ContentPack {
  readonly rules: readonly LoadedRule[];
  readonly indicatorSets: ReadonlyMap<string, IndicatorSet>;
  readonly errors: readonly ContentError[];
}

export interface PackSource {
  readonly dir: string;
  readonly builtin: boolean;
}

/** Loads and merges packs in order. A later pack cannot replace an id an earlier pack defined. */
export function loadContent(packs: readonly PackSource[]): ContentPack {
  const rules: LoadedRule[] = [];
  const sets = new Map<string, IndicatorSet>();
  const errors: ContentError[] = [];
  const ruleFiles = new Map<string, string>();

  for (const pack of packs) {
    if (!isDir(pack.dir)) {
      errors.push(new ContentError('content pack folder not found', { path: pack.dir }));
      continue;
    }
    for (const file of yamlFiles(join(pack.dir, 'indicators'))) {
      const parsed = parseYamlFile(file, (v) => indicatorSetSchema.safeParse(v), errors);
      if (!parsed) continue;
      if (sets.has(parsed.id)) {
        errors.push(new ContentError(`indicator set "${parsed.id}" is already defined`, { path: file }));
        continue;
      }
      sets.set(parsed.id, parsed);
    }
    const rulesDir = join(pack.dir, 'rules');
    for (const file of yamlFiles(rulesDir)) {
      const parsed = parseYamlFile(file, (v) => ruleSchema.safeParse(v), errors);
      if (!parsed) continue;
      const expected = relative(rulesDir, file).replace(/\.ya?ml$/i, '').split(sep).join('.');
      if (parsed.id !== expected) {
        errors.push(new ContentError(`rule id "${parsed.id}" must match its path (expected "${expected}")`, { path: file, line: 1 }));
        continue;
      }
      const earlier = ruleFiles.get(parsed.id);
      if (earlier) {
        errors.push(new ContentError(`rule "${parsed.id}" is already defined in ${earlier}`, { path: file, line: 1 }));
        continue;
      }
      ruleFiles.set(parsed.id, file);
      rules.push({ rule: parsed, file, builtin: pack.builtin });
    }
  }
  return { rules, indicatorSets: sets, errors };
}

type SafeParse<T> = (value: unknown) => { success: true; data: T } | { success: false; error: ZodError };

/** Parses one YAML file and validates it; errors carry the line of the offending node. */
function parseYamlFile<T>(file: string, validate: SafeParse<T>, errors: ContentError[]): T | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    errors.push(new ContentError(`cannot read: ${(e as Error).message}`, { path: file }));
    return null;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const line = lineCounter.linePos(err.pos[0]).line;
      errors.push(new ContentError(`YAML: ${err.message.split('\n')[0] ?? err.message}`, { path: file, line }));
    }
    return null;
  }
  const result = validate(doc.toJS());
  if (result.success) return result.data;
  const data: unknown = doc.toJS();
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    // An unknown key is reported at the key itself, not at the mapping that holds it.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const at = key === undefined ? path : [...path, key];
      const missing = key === undefined && path.length > 0 && valueAt(data, path) === undefined;
      const where = at.length ? `${at.join('.')}: ` : '';
      const message = missing ? 'required key is missing' : key !== undefined ? `unknown key "${key}"` : issue.message;
      errors.push(new ContentError(`${where}${message}`, { path: file, line: lineOf(doc, lineCounter, at) }));
    }
  }
  return null;
}

/** Line of the deepest node on the path that exists (for a missing key, its parent mapping). */
function lineOf(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  return 1;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

function yamlFiles(dir: string): string[] {
  if (!isDir(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/i.test(f))
    .map((f) => join(dir, f))
    .sort();
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
