/**
 * @module Loads `content/exchange/` (builds.yaml, products.yaml, fixes.yaml), validates each file
 * strictly and then across files (every source id declared, every fixed build present in the
 * build table on the line it claims, every conflict id defined), collecting every problem as a
 * ContentError with file and line.
 */
import { join } from 'node:path';
import type { ContentError as ContentErrorType } from '../../core/errors.js';
import { ContentError } from '../../core/errors.js';
import { builtinContentDir } from '../../content/package-root.js';
import { formatShort, mustParseFull } from '../build.js';
import { BuildCatalog } from '../catalog.js';
import {
  buildsFileSchema,
  fixesFileSchema,
  productsFileSchema,
  type BuildsFile,
  type Conflict,
  type ContentSource,
  type Family,
  type FixesFile,
  type ProductsFile,
} from './schema.js';
import { readYamlFile, type YamlFile, type YamlPath } from '../../content/yaml-file.js';

export interface ExchangeContent {
  readonly dir: string;
  readonly catalog: BuildCatalog;
  readonly families: readonly Family[];
  readonly conflicts: readonly Conflict[];
  /** Every source of the three files, by id. */
  readonly sources: ReadonlyMap<string, ContentSource>;
  readonly howToEvaluate: readonly string[];
}

export interface LoadResult {
  readonly content: ExchangeContent | null;
  readonly errors: readonly ContentErrorType[];
}

export function defaultExchangeContentDir(): string {
  return join(builtinContentDir(), 'exchange');
}

/** Loads and cross-checks the three files of `dir`; `content` is null when anything is wrong. */
export function loadExchangeContent(dir: string = defaultExchangeContentDir()): LoadResult {
  const errors: ContentError[] = [];
  const builds = readYamlFile<BuildsFile>(join(dir, 'builds.yaml'), buildsFileSchema, errors);
  const products = readYamlFile<ProductsFile>(join(dir, 'products.yaml'), productsFileSchema, errors);
  const fixes = readYamlFile<FixesFile>(join(dir, 'fixes.yaml'), fixesFileSchema, errors);
  if (!builds || !products || !fixes) return { content: null, errors };

  const err = (f: YamlFile<unknown>, path: YamlPath, message: string): void => {
    errors.push(new ContentError(`${path.join('.')}: ${message}`, { path: f.file, line: f.lineAt(path) }));
  };

  const sources = new Map<string, ContentSource>();
  for (const f of [builds, products, fixes] as const) {
    f.data.sources.forEach((s, i) => {
      const earlier = sources.get(s.id);
      if (earlier && earlier.name !== s.name) err(f, ['sources', i, 'id'], `source "${s.id}" is declared differently in another file`);
      sources.set(s.id, s);
    });
  }
  const checkSource = (f: YamlFile<unknown>, path: YamlPath, id: string): void => {
    if (!sources.has(id)) err(f, path, `unknown source "${id}" (declare it under sources:)`);
  };

  // Build table: sources, uniqueness, long form matching the short form.
  const seen = new Map<string, number>();
  builds.data.builds.forEach((b, i) => {
    b.sources.forEach((s, j) => checkSource(builds, ['builds', i, 'sources', j], s));
    const parsed = mustParseFull(b.build);
    const short = formatShort(parsed);
    const before = seen.get(short);
    if (before !== undefined) err(builds, ['builds', i, 'build'], `build ${short} is already listed (entry ${before + 1})`);
    seen.set(short, i);
    const long = `${parsed.major}.${String(parsed.minor).padStart(2, '0')}.${String(parsed.build).padStart(4, '0')}.${String(parsed.revision).padStart(3, '0')}`;
    if (long !== b.buildLong) err(builds, ['builds', i, 'buildLong'], `does not match build ${b.build} (expected ${long})`);
  });
  products.data.products.forEach((p, i) => p.sources.forEach((s, j) => checkSource(products, ['products', i, 'sources', j], s)));

  const catalog = new BuildCatalog(builds.data.builds, products.data.products);
  for (const id of ['2010', '2013', '2016', '2019', 'SE'] as const) {
    if (!catalog.products.has(id)) err(products, ['products'], `product ${id} is missing`);
  }

  // Fix table: every fixed build must be in the build table, on the line the entry names.
  const conflictIds = new Set(fixes.data.conflicts.map((c) => c.id));
  const checkFix = (path: YamlPath, e: { product: string; line: string; build: string; source: string; alternate?: string[]; conflict?: string }): void => {
    checkSource(fixes, [...path, 'source'], e.source);
    for (const [k, b] of [['build', e.build], ...(e.alternate ?? []).map((a, n) => [`alternate.${n}`, a])] as const) {
      const entry = catalog.entry(mustParseFull(b));
      if (!entry) err(fixes, [...path, ...k.split('.')], `build ${b} is not in builds.yaml`);
      else if (entry.product !== e.product || entry.line !== e.line) {
        err(fixes, [...path, ...k.split('.')], `build ${b} is ${entry.product} ${entry.line} in builds.yaml, not ${e.product} ${e.line}`);
      }
    }
    if (e.conflict !== undefined && !conflictIds.has(e.conflict)) err(fixes, [...path, 'conflict'], `unknown conflict "${e.conflict}"`);
  };
  const familyIds = new Set<string>();
  fixes.data.families.forEach((fam, i) => {
    const at: YamlPath = ['families', i];
    if (familyIds.has(fam.id)) err(fixes, [...at, 'id'], `family "${fam.id}" is already defined`);
    familyIds.add(fam.id);
    fam.sources.forEach((s, j) => checkSource(fixes, [...at, 'sources', j], s));
    fam.fixed.forEach((f, j) => checkFix([...at, 'fixed', j], f));
    fam.includedFrom.forEach((f, j) => checkFix([...at, 'includedFrom', j], f));
    fam.mitigationOnly.forEach((m, j) => {
      checkSource(fixes, [...at, 'mitigationOnly', j, 'source'], m.source);
      if (!catalog.entry(mustParseFull(m.minimumBuild))) err(fixes, [...at, 'mitigationOnly', j, 'minimumBuild'], `build ${m.minimumBuild} is not in builds.yaml`);
    });
    fam.cves.forEach((c, j) => {
      c.fixed?.forEach((f, k) => checkFix([...at, 'cves', j, 'fixed', k], f));
      c.includedFrom?.forEach((f, k) => checkFix([...at, 'cves', j, 'includedFrom', k], f));
    });
    if (fam.mitigationOnly.length > 0 && fam.remedy === undefined) err(fixes, [...at, 'remedy'], 'mitigationOnly lines need a remedy');
  });
  fixes.data.conflicts.forEach((c, i) => {
    c.values.forEach((v, j) => checkSource(fixes, ['conflicts', i, 'values', j, 'source'], v.source));
    c.families.forEach((f, j) => {
      if (!familyIds.has(f)) err(fixes, ['conflicts', i, 'families', j], `unknown family "${f}"`);
    });
  });

  if (errors.length > 0) return { content: null, errors };
  return {
    content: {
      dir,
      catalog,
      families: fixes.data.families,
      conflicts: fixes.data.conflicts,
      sources,
      howToEvaluate: fixes.data.howToEvaluate,
    },
    errors,
  };
}
