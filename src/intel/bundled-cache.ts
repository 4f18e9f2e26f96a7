/**
 * @module One file of exhunt's bundled indicator packs (`content/intel/*.yaml`) as the pack reader
 * gives it, in the shape the build-time content cache keeps (`content/cache.ts`): every scan
 * thread loads these packs, and reading them from YAML meant loading the YAML and schema
 * libraries (about 25 MB of memory per thread) and parsing them (50-80 ms) before the first line.
 *
 * The reader, with those libraries, is imported only when a file has to be read from its YAML
 * (no cache, or a file changed since the build).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheInput } from '../content/cache.js';
import { ContentError } from '../core/errors.js';
import { FormatError } from './formats/types.js';
import type { Indicator, Provenance } from './model.js';

/** An indicator of a pack file, without its store id and import time (given when loaded). */
export type PackIndicator = Omit<Indicator, 'id' | 'provenance'> & { readonly provenance: readonly Omit<Provenance, 'importedAt'>[] };

export interface BundledPackFile {
  /** The pack's `source:` (else the file name). */
  readonly source: string;
  readonly indicators: readonly PackIndicator[];
  /** Items skipped or warned about, each as `location: message`. */
  readonly skips: readonly string[];
}

/**
 * Reads a pack file from its text. Throws a `FormatError` (with its location) or another error
 * when the file cannot be read as a pack at all.
 */
export async function readBundledPackFile(file: string, name: string, text: string): Promise<BundledPackFile> {
  const [{ packReader }, { Collector }, { MemorySession }] = await Promise.all([
    import('./formats/pack/pack.js'),
    import('./import/collector.js'),
    import('./memory.js'),
  ]);
  const sourceMatch = /^source:\s*(.+)$/m.exec(text);
  const source = sourceMatch ? sourceMatch[1]!.trim().replace(/^["']|["']$/g, '') : name;
  const session = new MemorySession(source);
  const collector = new Collector(session);
  await packReader.read(text, { file, options: {} }, collector);
  await collector.flush();
  return {
    source,
    indicators: session.indicators().map(({ id: _id, provenance, ...rest }) => ({
      ...rest,
      provenance: provenance.map(({ importedAt: _at, ...p }) => p),
    })),
    skips: collector.skips.map((s) => `${s.location}: ${s.message}`),
  };
}

/** The pack files of a folder (`*.yaml`, `*.yml`), by name, sorted; none when there is no such folder. */
export function bundledPackNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort() : [];
}

/**
 * The build-time cache entries of a content folder's indicator packs (`intel/`), skipped items
 * included; a file the reader rejects is left out with its error (and reported again by every
 * scan that reads it from YAML).
 */
export async function intelPackCacheInputs(contentDir: string): Promise<{ readonly inputs: CacheInput[]; readonly errors: readonly ContentError[] }> {
  const inputs: CacheInput[] = [];
  const errors: ContentError[] = [];
  const dir = join(contentDir, 'intel');
  for (const name of bundledPackNames(dir)) {
    const path = join(dir, name);
    const bytes = readFileSync(path);
    try {
      inputs.push({ rel: `intel/${name}`, bytes, kind: 'intel', data: await readBundledPackFile(path, name, bytes.toString('utf8')) });
    } catch (e) {
      const line = e instanceof FormatError ? e.at?.line : undefined;
      errors.push(new ContentError(e instanceof Error ? e.message : String(e), { path, ...(line !== undefined ? { line } : {}) }));
    }
  }
  return { inputs, errors };
}
