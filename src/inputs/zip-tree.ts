/**
 * @module Zip input trees: a triage zip read in place with yauzl, never extracted to disk.
 *
 * The central directory is read once when the tree is opened: that is where the archive is
 * judged (corrupt → InputError; too big in total → ZipBombError) and each entry is vetted:
 * - unsafe names (zip-slip in any spelling, see zip-names.ts) → `zip-slip` diagnostic, skipped;
 * - entries declaring more than `maxRatio` times their compressed size → `zip-bomb`, skipped;
 * - encrypted entries → `encrypted`; methods other than store/deflate → `unsupported-compression`;
 *   sizes that cannot be true → `bad-entry`; a second entry with the same name → `duplicate-entry`;
 * - folders and symbolic links are skipped silently (links are never followed, as on disk).
 * Bytes are then read on demand through ZipEntryGuard, which fails a stream that turns out larger,
 * smaller or different than its entry declared.
 *
 * yauzl is opened with `decodeStrings: false` because its own name check rejects the whole archive
 * on the first `../` name; one planted entry must not hide the rest of the evidence, so names are
 * decoded and judged here, per entry.
 */
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { DiagnosticSink } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { inputLabel } from './fs-tree.js';
import type { InputTree, TreeEntry } from './tree.js';
import { compareTreePaths } from './tree-path.js';
import { ZipEntryGuard } from './zip-guard.js';
import { safeZipName } from './zip-names.js';

export interface ZipLimits {
  /** Largest total declared uncompressed size of the accepted entries. Default 20 GiB. */
  readonly maxTotalBytes?: number;
  /** Largest uncompressed:compressed ratio of one entry. Default 1000 (deflate's ceiling is ~1032). */
  readonly maxRatio?: number;
  /** Most entries the central directory may declare. Default 500,000 (each costs memory while open). */
  readonly maxEntries?: number;
}

export interface ZipTreeOptions extends ZipLimits {
  readonly onDiagnostic?: DiagnosticSink;
}

export const ZIP_LIMIT_DEFAULTS: Required<ZipLimits> = {
  maxTotalBytes: 20 * 1024 ** 3,
  maxRatio: 1000,
  maxEntries: 500_000,
};

/**
 * The ratio check only applies from this declared size up: a small file of zeros legitimately
 * deflates ~1000:1, and at this size even a false ratio costs nothing (the guard caps it anyway).
 */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/** The archive as a whole exceeds a limit. Carries the diagnostic code the run reports it under. */
export class ZipBombError extends InputError {
  readonly code = 'zip-bomb';
}

const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      // validateEntrySizes off: yauzl would fail the whole listing on one stored entry with
      // inconsistent sizes; that check and the stream-time one are done per entry here instead.
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
      (error, zip) => (error ? reject(error) : resolve(zip)),
    );
  });
}

function isSymlink(entry: Entry): boolean {
  // Unix-made entries keep st_mode in the high 16 bits of the external attributes.
  return entry.versionMadeBy >> 8 === 3 && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

function isDosDirectory(entry: Entry): boolean {
  // Some Windows tools mark folders only by the DOS directory attribute, not a trailing slash.
  return (entry.externalFileAttributes & 0x10) !== 0 && entry.uncompressedSize === 0;
}

function modified(entry: Entry): Date | null {
  // DOS timestamps carry no zone; reading them as UTC keeps results the same on every analyst's
  // machine (the server's zone is unknown here). Extended UT/NTFS timestamps are true UTC.
  const date = entry.getLastModDate({ timezone: 'UTC' });
  return Number.isNaN(date.getTime()) ? null : date;
}

interface Accepted {
  readonly path: string;
  readonly entry: Entry;
}

/** Reads and vets the central directory. Throws ZipBombError or lets yauzl's errors through. */
async function listEntries(zip: ZipFile, input: string, limits: Required<ZipLimits>, report: DiagnosticSink): Promise<Accepted[]> {
  if (zip.entryCount > limits.maxEntries) {
    throw new ZipBombError(`archive declares ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`, { path: input });
  }
  const accepted: Accepted[] = [];
  const seen = new Set<string>();
  let total = 0;
  for await (const entry of zip.eachEntry()) {
    const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const name = safeZipName(raw);
    if (name.kind === 'unsafe') {
      // The name is attacker-chosen: quote it, and report against the zip itself (it has no safe path).
      report({ level: 'error', code: 'zip-slip', message: `entry ${JSON.stringify(raw)} ${name.reason}; skipped`, path: input });
      continue;
    }
    if (name.kind === 'directory' || isDosDirectory(entry) || isSymlink(entry)) continue;
    const { path } = name;
    const skip = (level: 'warning' | 'error', code: string, why: string): void => report({ level, code, message: `${why}; skipped`, path });

    if (entry.isEncrypted()) {
      skip('warning', 'encrypted', 'zip entry is encrypted');
      continue;
    }
    if (entry.compressionMethod !== METHOD_STORE && entry.compressionMethod !== METHOD_DEFLATE) {
      skip('warning', 'unsupported-compression', `zip entry uses compression method ${entry.compressionMethod} (only store and deflate are read)`);
      continue;
    }
    if (entry.compressedSize > zip.fileSize || (entry.compressionMethod === METHOD_STORE && entry.compressedSize !== entry.uncompressedSize)) {
      skip('error', 'bad-entry', `zip entry declares impossible sizes (${entry.compressedSize} compressed, ${entry.uncompressedSize} uncompressed)`);
      continue;
    }
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (entry.uncompressedSize >= RATIO_FLOOR_BYTES && ratio > limits.maxRatio) {
      skip('error', 'zip-bomb', `zip entry would inflate ${Math.round(ratio)}:1 (limit ${limits.maxRatio}:1)`);
      continue;
    }
    if (seen.has(path)) {
      skip('warning', 'duplicate-entry', 'zip holds a second entry with this name (the first is read)');
      continue;
    }
    seen.add(path);
    total += entry.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new ZipBombError(`archive would inflate to more than the limit of ${limits.maxTotalBytes} bytes`, { path: input });
    }
    accepted.push({ path, entry });
  }
  return accepted.sort((a, b) => compareTreePaths(a.path, b.path));
}

function treeEntry(zip: ZipFile, { path, entry }: Accepted): TreeEntry {
  return {
    path,
    size: entry.uncompressedSize,
    mtime: modified(entry),
    async open(): Promise<Readable> {
      let raw: Readable;
      try {
        raw = await zip.openReadStreamPromise(entry);
      } catch (error) {
        throw new InputError(`cannot read zip entry (${error instanceof Error ? error.message : String(error)})`, { path });
      }
      const guard = new ZipEntryGuard({ path, size: entry.uncompressedSize, crc32: entry.crc32 });
      raw.once('error', (error) => guard.destroy(new InputError(`zip entry is corrupt (${error.message})`, { path })));
      // When the reader stops early or the guard fails, stop inflating (and reading the file).
      guard.once('close', () => raw.destroy());
      raw.pipe(guard);
      return guard;
    },
  };
}

/**
 * Opens a zip file as a read-only tree. Rejects with an InputError naming the file when it is not
 * a readable zip (no end record, corrupt central directory), and with ZipBombError when it
 * exceeds `maxEntries` or `maxTotalBytes`. Per-entry problems are reported and skipped.
 */
export async function openZipTree(path: string, options: ZipTreeOptions = {}): Promise<InputTree> {
  const limits: Required<ZipLimits> = {
    maxTotalBytes: options.maxTotalBytes ?? ZIP_LIMIT_DEFAULTS.maxTotalBytes,
    maxRatio: options.maxRatio ?? ZIP_LIMIT_DEFAULTS.maxRatio,
    maxEntries: options.maxEntries ?? ZIP_LIMIT_DEFAULTS.maxEntries,
  };
  const report = options.onDiagnostic ?? (() => undefined);
  let zip: ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    throw new InputError(`not a readable zip archive (${error instanceof Error ? error.message : String(error)})`, { path });
  }
  let accepted: Accepted[];
  try {
    accepted = await listEntries(zip, path, limits, report);
  } catch (error) {
    zip.close();
    if (error instanceof InputError) throw error;
    throw new InputError(`corrupt zip archive (${error instanceof Error ? error.message : String(error)})`, { path });
  }
  const entries = accepted.map((a) => treeEntry(zip, a));
  return {
    input: path,
    label: inputLabel(path),
    // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the simplest AsyncIterable
    entries: async function* () {
      yield* entries;
    },
    close: () => {
      // Streams still open keep the file open until they end (yauzl reference-counts the fd).
      zip.close();
      return Promise.resolve();
    },
  };
}
