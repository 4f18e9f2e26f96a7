/**
 * @module What a scan calls: the active indicator set (the user's store, if there is one, plus
 * exhunt's bundled pack in `content/intel/`), compiled once into detectors.
 *
 * A scan never creates a store: when there is none, only the bundled pack is loaded. A broken
 * pack file is reported and the other files still load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecordKind } from '../core/origin.js';
import { ContentCache } from '../content/cache.js';
import { builtinContentDir } from '../content/package-root.js';
import { resolveStorePath } from '../store/location.js';
import { formatLocation } from './model.js';
import type { HashType, Indicator } from './model.js';
import { bundledPackNames, readBundledPackFile } from './bundled-cache.js';
import { FormatError } from './formats/types.js';
import { IndicatorDetector } from './match/detector.js';
import type { CompileOptions, CompileStats, IntelMatcher } from './match/matcher.js';
import { IntelMatcherBuilder } from './match/matcher.js';

export interface LoadIntelOptions extends CompileOptions {
  /** `--store PATH`; default: the default store location. */
  readonly store?: string | null;
  /** Read the store (default true). */
  readonly useStore?: boolean;
  /** Load exhunt's bundled pack (default true). */
  readonly bundled?: boolean;
  /** Folder of the bundled pack (default `content/intel` of the package). */
  readonly bundledDir?: string;
}

export interface IntelSet {
  readonly matcher: IntelMatcher;
  /** One detector per record kind something can match; hand each to the engine for its kind. */
  readonly detectors: readonly IndicatorDetector[];
  /** File hashes to compute per swept file (SHA-256 is always computed by the engine). */
  readonly hashes: ReadonlySet<HashType>;
  readonly stats: CompileStats;
  /** Problems with bundled pack files (the rest loaded). */
  readonly errors: readonly string[];
  /** Where indicators came from: the store path (or null when there is none) and pack files. */
  readonly storePath: string | null;
  readonly packs: readonly string[];
}

/**
 * Reads every pack in a folder into memory; an indicator in several packs has all their sources.
 * Files of the built-in pack come from the build-time content cache when they are the ones it
 * was built from (`cache`: the build's by default for the built-in folder; null never).
 */
export async function loadBundledIndicators(
  dir: string,
  cache: ContentCache | null | undefined = undefined,
): Promise<{ indicators: Indicator[]; errors: string[]; files: string[] }> {
  const merged = new Map<string, Indicator>();
  const errors: string[] = [];
  const files: string[] = [];
  const builtin = resolve(dir) === resolve(builtinContentDir(), 'intel');
  const packCache = builtin ? (cache === undefined ? ContentCache.open() : cache) : null;
  const importedAt = new Date().toISOString();
  for (const name of bundledPackNames(dir)) {
    const file = join(dir, name);
    const bytes = readFileSync(file);
    let pack = packCache?.intelPack(`intel/${name}`, bytes);
    if (pack === undefined) {
      try {
        pack = await readBundledPackFile(file, name, bytes.toString('utf8'));
      } catch (e) {
        errors.push(e instanceof FormatError && e.at ? `${formatLocation(e.at)}: ${e.message}` : `${file}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
    }
    errors.push(...pack.skips);
    files.push(file);
    for (const i of pack.indicators) {
      const key = `${i.type}\u0000${i.value}`;
      const provenance = i.provenance.map((p) => ({ ...p, importedAt }));
      const old = merged.get(key);
      merged.set(key, old ? { ...old, provenance: [...old.provenance, ...provenance] } : { ...i, provenance, id: merged.size + 1 });
    }
  }
  return { indicators: [...merged.values()], errors, files };
}

export async function loadIntel(options: LoadIntelOptions = {}): Promise<IntelSet> {
  const builder = new IntelMatcherBuilder(options);
  const errors: string[] = [];
  let packs: string[] = [];
  if (options.bundled !== false) {
    const b = await loadBundledIndicators(options.bundledDir ?? join(builtinContentDir(), 'intel'));
    for (const i of b.indicators) builder.add(i);
    errors.push(...b.errors);
    packs = b.files;
  }
  let storePath: string | null = null;
  if (options.useStore !== false) {
    const path = resolveStorePath(options.store);
    if (existsSync(path)) {
      // The store's SQLite driver is loaded only when there is a store to read.
      const { openStore } = await import('../store/index.js');
      const store = await openStore({ path, create: false });
      try {
        await store.intel.forEach({}, (ind) => builder.add(ind));
        storePath = path;
      } finally {
        await store.close();
      }
    } else if (options.store) {
      errors.push(`no exhunt store at ${path}`);
    }
  }
  const matcher = builder.build();
  const kinds: RecordKind[] = ['iis', 'httpproxy', 'ecp', 'oab', 'event', 'file'];
  return {
    matcher,
    detectors: kinds.filter((k) => matcher.kinds.has(k)).map((k) => new IndicatorDetector(matcher, k)),
    hashes: matcher.hashes,
    stats: matcher.stats,
    errors,
    storePath,
    packs,
  };
}
