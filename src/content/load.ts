/**
 * @module Loads content packs (a folder with `rules/` and `indicators/`) into validated rules and
 * indicator sets. Built-in and user packs go through this one loader.
 *
 * Errors are collected, not thrown one at a time: every broken file is reported with its path
 * and line, and the files that are fine still load (a missing pack folder is an error of its
 * own, distinct from a broken file in it).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ContentError } from '../core/errors.js';
import type { IndicatorSet, Rule } from './schema.js';
import { indicatorSetSchema, ruleSchema } from './schema.js';
import { readYamlFile } from './yaml-file.js';

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
      const parsed = readYamlFile(file, indicatorSetSchema, errors)?.data;
      if (!parsed) continue;
      if (sets.has(parsed.id)) {
        errors.push(new ContentError(`indicator set "${parsed.id}" is already defined`, { path: file }));
        continue;
      }
      sets.set(parsed.id, parsed);
    }
    const rulesDir = join(pack.dir, 'rules');
    for (const file of yamlFiles(rulesDir)) {
      const parsed = readYamlFile(file, ruleSchema, errors)?.data;
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
