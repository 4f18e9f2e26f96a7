/**
 * @module One file of exhunt's bundled indicator packs (`content/intel/*.yaml`) as the pack reader
 * gives it, in the shape the build-time content cache keeps (`content/cache.ts`): every scan
 * thread loads these packs, and reading them from YAML meant loading the YAML and schema
 * libraries (about 25 MB of memory per thread) and parsing them (50-80 ms) before the first line.
 *
 * The reader, with those libraries, is imported only when a file has to be read from its YAML
 * (no cache, or a file changed since the build).
 */
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
