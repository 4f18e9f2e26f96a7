/**
 * @module Loads content packs (a folder with `rules/` and `indicators/`) into validated rules and
 * indicator sets. Built-in and user packs go through this one loader.
 *
 * Errors are collected, not thrown one at a time: every broken file is reported with its path
 * and line, and the files that are fine still load (a missing pack folder is an error of its
 * own, distinct from a broken file in it).
 *
 * Built-in packs are served from the build-time cache (`cache.ts`) file by file, when a file's
 * bytes are the ones the cache was built from; every other file is parsed from YAML and
 * validated. The YAML parser and the schema (and with them the `yaml` and `zod` libraries) are
 * loaded on first use only, so a scan whose built-in pack is fully cached loads neither.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { ContentError } from '../core/errors.js';
import { ContentCache, type CacheInput } from './cache.js';
import type { IndicatorSet, Rule } from './schema.js';
import type * as SchemaModule from './schema.js';
import type * as YamlFileModule from './yaml-file.js';

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

export interface LoadOptions {
  /**
   * The cache built-in packs are served from: the build's cache by default (when present and
   * current), null to read every file from YAML.
   */
  readonly cache?: ContentCache | null;
}

/** Loads and merges packs in order. A later pack cannot replace an id an earlier pack defined. */
export function loadContent(packs: readonly PackSource[], options: LoadOptions = {}): ContentPack {
  const rules: LoadedRule[] = [];
  const sets = new Map<string, IndicatorSet>();
  const errors: ContentError[] = [];
  const ruleFiles = new Map<string, string>();
  let cache: ContentCache | null | undefined = options.cache;

  for (const pack of packs) {
    if (!isDir(pack.dir)) {
      errors.push(new ContentError('content pack folder not found', { path: pack.dir }));
      continue;
    }
    if (pack.builtin && cache === undefined) cache = ContentCache.open();
    const packCache = pack.builtin ? (cache ?? null) : null;
    for (const file of yamlFiles(join(pack.dir, 'indicators'))) {
      const bytes = readBytes(file, errors);
      if (!bytes) continue;
      const parsed = packCache?.indicatorSet(packRelative(pack.dir, file), bytes) ?? parseIndicatorSet(file, bytes, errors);
      if (!parsed) continue;
      if (sets.has(parsed.id)) {
        errors.push(new ContentError(`indicator set "${parsed.id}" is already defined`, { path: file }));
        continue;
      }
      sets.set(parsed.id, parsed);
    }
    const rulesDir = join(pack.dir, 'rules');
    for (const file of yamlFiles(rulesDir)) {
      const bytes = readBytes(file, errors);
      if (!bytes) continue;
      const parsed = packCache?.rule(packRelative(pack.dir, file), bytes) ?? parseRule(file, bytes, errors);
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

/**
 * The cache entries for a pack: every file that parses and validates, read from YAML (never
 * from an existing cache). Broken files are left out and returned with their errors.
 */
export function cacheInputs(dir: string): { readonly inputs: CacheInput[]; readonly errors: readonly ContentError[] } {
  const inputs: CacheInput[] = [];
  const errors: ContentError[] = [];
  for (const file of yamlFiles(join(dir, 'indicators'))) {
    const bytes = readBytes(file, errors);
    const data = bytes && parseIndicatorSet(file, bytes, errors);
    if (bytes && data) inputs.push({ rel: packRelative(dir, file), bytes, kind: 'indicators', data });
  }
  for (const file of yamlFiles(join(dir, 'rules'))) {
    const bytes = readBytes(file, errors);
    const data = bytes && parseRule(file, bytes, errors);
    if (bytes && data) inputs.push({ rel: packRelative(dir, file), bytes, kind: 'rule', data });
  }
  return { inputs, errors };
}

/** YAML parsing and the zod schema, loaded on first use (`require` of the ES modules, Node 20.19+). */
interface YamlParsing {
  readonly yaml: typeof YamlFileModule;
  readonly schema: typeof SchemaModule;
}

const require = createRequire(import.meta.url);
let parsing: YamlParsing | undefined;

function yamlParsing(): YamlParsing {
  parsing ??= {
    yaml: require('./yaml-file.js') as typeof YamlFileModule,
    schema: require('./schema.js') as typeof SchemaModule,
  };
  return parsing;
}

function parseRule(file: string, bytes: Buffer, errors: ContentError[]): Rule | null {
  const { yaml, schema } = yamlParsing();
  return yaml.parseYamlText(bytes.toString('utf8'), file, schema.ruleSchema, errors)?.data ?? null;
}

function parseIndicatorSet(file: string, bytes: Buffer, errors: ContentError[]): IndicatorSet | null {
  const { yaml, schema } = yamlParsing();
  return yaml.parseYamlText(bytes.toString('utf8'), file, schema.indicatorSetSchema, errors)?.data ?? null;
}

function readBytes(file: string, errors: ContentError[]): Buffer | null {
  try {
    return readFileSync(file);
  } catch (e) {
    errors.push(new ContentError(`cannot read: ${(e as Error).message}`, { path: file }));
    return null;
  }
}

/** Path of a file inside its pack, `/` separators (the cache's key). */
function packRelative(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
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
