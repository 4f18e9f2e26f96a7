/**
 * @module What a scan calls: the active indicator set (the user's store, if there is one, plus
 * exhunt's bundled pack in `content/intel/`), compiled once into detectors.
 *
 * A scan never creates a store: when there is none, only the bundled pack is loaded. A broken
 * pack file is reported and the other files still load.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordKind } from '../core/origin.js';
import { builtinContentDir } from '../content/package-root.js';
import { openStore, resolveStorePath } from '../store/index.js';
import { formatLocation } from './model.js';
import type { HashType, Indicator } from './model.js';
import { packReader } from './formats/pack/pack.js';
import { FormatError } from './formats/types.js';
import { Collector } from './import/collector.js';
import { IndicatorDetector } from './match/detector.js';
import type { CompileOptions, CompileStats, IntelMatcher } from './match/matcher.js';
import { IntelMatcherBuilder } from './match/matcher.js';
import { MemorySession } from './memory.js';

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

/** Reads every pack in a folder into memory; an indicator in several packs has all their sources. */
export async function loadBundledIndicators(dir: string): Promise<{ indicators: Indicator[]; errors: string[]; files: string[] }> {
  const merged = new Map<string, Indicator>();
  const errors: string[] = [];
  const files: string[] = [];
  if (!existsSync(dir)) return { indicators: [], errors, files };
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort()) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    const sourceMatch = /^source:\s*(.+)$/m.exec(text);
    const source = sourceMatch ? sourceMatch[1]!.trim().replace(/^["']|["']$/g, '') : name;
    const session = new MemorySession(source);
    const collector = new Collector(session);
    try {
      await packReader.read(text, { file, options: {} }, collector);
      await collector.flush();
    } catch (e) {
      errors.push(e instanceof FormatError && e.at ? `${formatLocation(e.at)}: ${e.message}` : `${file}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    for (const s of collector.skips) errors.push(`${s.location}: ${s.message}`);
    files.push(file);
    for (const i of session.indicators()) {
      const key = `${i.type}\u0000${i.value}`;
      const old = merged.get(key);
      merged.set(key, old ? { ...old, provenance: [...old.provenance, ...i.provenance] } : { ...i, id: merged.size + 1 });
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
