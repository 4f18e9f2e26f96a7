/**
 * @module The build-time cache of the built-in content pack: every rule and indicator file of
 * `content/`, already parsed and validated, in one JSON file written by `npm run build`
 * (`scripts/build-content-cache.mjs`). Reading YAML and validating it cost a scan 0.3 s of CPU
 * before the first log line, and loading the YAML and schema libraries another 0.2 s.
 *
 * The same file holds exhunt's bundled indicator packs (`content/intel/`) as read by the intel
 * pack reader (`intel/bundled-cache.ts`), which spares every scan thread the YAML and schema
 * libraries (about 25 MB of memory each) and the parse; and the Sigma pipelines
 * (`content/pipelines/`), validated as `detectors/sigma/pipeline/parse.ts` does.
 *
 * The cache is an accelerator, never a source of truth:
 * - each entry is used only for a file whose bytes hash to the entry's SHA-256, so a file edited,
 *   added or renamed after the build is read from its YAML as before (and reported with its line
 *   when it is broken); a file that did not validate at build time has no entry;
 * - the whole cache is ignored when the compiled schema modules differ from the ones it was
 *   written with (`tsc` run without the cache script), or when it is missing or unreadable;
 * - only packs loaded as built-in consult it; user packs always go through the YAML loader.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PipelineFile } from '../detectors/sigma/pipeline/schema.js';
import type { BundledPackFile } from '../intel/bundled-cache.js';
import type { IndicatorSet, Rule } from './schema.js';

type CacheEntry =
  | { readonly kind: 'rule'; readonly sha256: string; readonly data: Rule }
  | { readonly kind: 'indicators'; readonly sha256: string; readonly data: IndicatorSet }
  | { readonly kind: 'intel'; readonly sha256: string; readonly data: BundledPackFile }
  | { readonly kind: 'pipeline'; readonly sha256: string; readonly data: PipelineFile };

/** The data of each kind of entry. */
type CacheData = { readonly [E in CacheEntry as E['kind']]: E['data'] };

interface CacheFile {
  readonly format: typeof FORMAT;
  /** {@link schemaFingerprint} of the build that wrote the file. */
  readonly fingerprint: string;
  /** Entries by path relative to the pack folder, `/` separators. */
  readonly files: Readonly<Record<string, CacheEntry>>;
}

const FORMAT = 1;

/** Where the build writes the cache: beside this module, in `dist/src/content/`. */
export const BUILTIN_CACHE_FILE = fileURLToPath(new URL('./builtin-content.json', import.meta.url));

/**
 * Compiled modules whose code decides what a validated file looks like: the schemas (content
 * packs, Sigma pipelines) and every module they import (a test checks that this list follows
 * the schemas' imports).
 */
export const SCHEMA_MODULES = ['./schema.js', './model.js', '../core/severity.js', '../core/origin.js', '../detectors/sigma/pipeline/schema.js'] as const;

/**
 * Where the code that reads an indicator pack starts (the pack format, the normalisers behind the
 * collector, the in-memory session); the fingerprint follows their relative imports, so any
 * compiled module that shapes a cached indicator is in it.
 */
export const INTEL_PACK_ROOTS = ['../intel/bundled-cache.js', '../intel/formats/pack/pack.js', '../intel/import/collector.js', '../intel/memory.js'] as const;

/** SHA-256 of the schema modules' and the indicator pack reader's compiled text, or null when one cannot be read. */
export function schemaFingerprint(): string | null {
  const h = createHash('sha256');
  try {
    for (const m of SCHEMA_MODULES) h.update(readFileSync(new URL(m, import.meta.url))).update('\0');
    for (const file of moduleClosure(INTEL_PACK_ROOTS.map((m) => fileURLToPath(new URL(m, import.meta.url))))) h.update(readFileSync(file)).update('\0');
  } catch {
    return null;
  }
  return h.digest('hex');
}

/** Compiled modules reachable from `roots` through relative `import`/`export ... from` statements, sorted. */
export function moduleClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^'"]*from\s+'(\.[^']+)'/gm)) {
      todo.push(fileURLToPath(new URL(m[1] as string, `file://${file}`)));
    }
  }
  return [...seen].sort();
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ContentCache {
  readonly #files: Readonly<Record<string, CacheEntry>>;

  private constructor(files: Readonly<Record<string, CacheEntry>>) {
    this.#files = files;
  }

  /** The cache at `file`, or null when it is missing, unreadable, or from other schema code. */
  static open(file: string = BUILTIN_CACHE_FILE): ContentCache | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
    if (!isCacheFile(parsed)) return null;
    const fingerprint = schemaFingerprint();
    if (fingerprint === null || parsed.fingerprint !== fingerprint) return null;
    return new ContentCache(parsed.files);
  }

  /** The validated rule of the file at `rel` (pack-relative, `/` separators), when `bytes` are the ones cached. */
  rule(rel: string, bytes: Buffer): Rule | undefined {
    return this.#data('rule', rel, bytes);
  }

  /** The validated indicator set of the file at `rel`, when `bytes` are the ones cached. */
  indicatorSet(rel: string, bytes: Buffer): IndicatorSet | undefined {
    return this.#data('indicators', rel, bytes);
  }

  /** The indicators of the bundled intel pack file at `rel` (`intel/<name>.yaml`), when `bytes` are the ones cached. */
  intelPack(rel: string, bytes: Buffer): BundledPackFile | undefined {
    return this.#data('intel', rel, bytes);
  }

  /** The validated Sigma pipeline of the file at `rel` (`pipelines/…`), when `bytes` are the ones cached. */
  pipeline(rel: string, bytes: Buffer): PipelineFile | undefined {
    return this.#data('pipeline', rel, bytes);
  }

  /** The data of the entry for `rel` when it is of `kind` and `bytes` are the ones cached. */
  #data<K extends CacheEntry['kind']>(kind: K, rel: string, bytes: Buffer): CacheData[K] | undefined {
    const e = this.#entry(rel, bytes);
    // An entry's kind names the type of its data (CacheEntry pairs them).
    return e?.kind === kind ? (e.data as CacheData[K]) : undefined;
  }

  #entry(rel: string, bytes: Buffer): CacheEntry | undefined {
    const e = Object.hasOwn(this.#files, rel) ? this.#files[rel] : undefined;
    return e !== undefined && e.sha256 === sha256(bytes) ? e : undefined;
  }
}

/** One validated file for {@link writeContentCache}: its pack-relative path, bytes and data. */
export type CacheInput = { readonly rel: string; readonly bytes: Buffer } & (
  | { readonly kind: 'rule'; readonly data: Rule }
  | { readonly kind: 'indicators'; readonly data: IndicatorSet }
  | { readonly kind: 'intel'; readonly data: BundledPackFile }
  | { readonly kind: 'pipeline'; readonly data: PipelineFile }
);

/**
 * Writes a cache of validated files (atomically: a reader sees the old file or the new one).
 * Throws when the schema modules cannot be read (then there is nothing to key the cache to).
 */
export function writeContentCache(inputs: readonly CacheInput[], file: string = BUILTIN_CACHE_FILE): void {
  const fingerprint = schemaFingerprint();
  if (fingerprint === null) throw new Error('content cache: cannot read the compiled schema modules');
  const files: Record<string, CacheEntry> = {};
  for (const i of [...inputs].sort((a, b) => (a.rel < b.rel ? -1 : 1))) {
    const hash = sha256(i.bytes);
    files[i.rel] =
      i.kind === 'rule'
        ? { kind: 'rule', sha256: hash, data: i.data }
        : i.kind === 'indicators'
          ? { kind: 'indicators', sha256: hash, data: i.data }
          : i.kind === 'intel'
            ? { kind: 'intel', sha256: hash, data: i.data }
            : { kind: 'pipeline', sha256: hash, data: i.data };
  }
  const out: CacheFile = { format: FORMAT, fingerprint, files };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(out)}\n`);
  renameSync(tmp, file);
}

function isCacheFile(v: unknown): v is CacheFile {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as { format?: unknown; fingerprint?: unknown; files?: unknown };
  return c.format === FORMAT && typeof c.fingerprint === 'string' && typeof c.files === 'object' && c.files !== null;
}
