/**
 * @module `collectSink`: copies every file that has a finding into a case folder, with a SHA-256
 * manifest, so the evidence survives log rotation and clean-up on the server and can be handed
 * on with a record of what was taken (Test-ProxyLogon's `-CollectFiles`, with hashes).
 *
 * Layout: `<dir>/<host>/<source.path>`, plus `<dir>/manifest.json` and `<dir>/manifest.csv`.
 * Each file is copied once per host, input and path, however many findings it has. Host and
 * path come from logs and archives an attacker may control, so both are made safe first
 * (`safeRelativePath`: no `..`, no root, no drive colon; `/` structure kept) and the final
 * path is checked to be inside `<dir>`, also after resolving symbolic links. Two files that end
 * up with the same name get `~2`, `~3`... before the extension.
 *
 * Files are read only through `openEvidence`, which the engine supplies and which opens the
 * scanned entry again (from a folder, a zip or the live host); the sink never opens a source path
 * itself. Copies are made at close, after the engine has finished reading the inputs. A file
 * that cannot be opened or copied is listed in the manifest with its error and the rest go on;
 * only a manifest that cannot be written fails the run.
 *
 * An earlier collection is never replaced silently: if `<dir>` already has a manifest, `begin`
 * (or `close`) rejects unless `overwrite` is set, and without it existing copies are not replaced.
 */
import { createHash, type Hash } from 'node:crypto';
import { access, lstat, mkdir, open, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Finding } from '../../core/finding.js';
import type { Sink } from '../../core/sink.js';
import type { ScanSummary } from '../../core/summary.js';
import { escapeJsonText, safeRelativePath, uniqueSafeNames } from '../escape/index.js';
import { errorMessage, SinkError, SinkLifecycle } from '../lifecycle.js';
import type { Manifest, ManifestEntry } from './manifest.js';
import { manifestCsv } from './manifest.js';

export interface CollectOptions {
  /** Collection folder; created when missing. */
  readonly dir: string;
  /** Opens the scanned file behind a finding; null when the input no longer has it. */
  readonly openEvidence: (f: Finding) => Promise<Readable | null>;
  /** Allow writing over an earlier collection in `dir`. Default false. */
  readonly overwrite?: boolean;
}

interface Group {
  readonly first: Finding;
  readonly rules: Set<string>;
}

const MANIFEST_NAMES = ['manifest.json', 'manifest.csv'];

/** `a/b/web.aspx` → `a/b/web~2.aspx`: keeps the extension, so the copy opens with the same tool. */
function withSuffix(rel: string, n: number): string {
  const slash = rel.lastIndexOf('/');
  const dot = rel.lastIndexOf('.');
  return dot > slash + 1 ? `${rel.slice(0, dot)}~${n}${rel.slice(dot)}` : `${rel}~${n}`;
}

function isInside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Real path of `path`, or of its deepest ancestor that exists (nothing is created). */
async function realExisting(path: string): Promise<string> {
  for (let cur = path; ; ) {
    try {
      return await realpath(cur);
    } catch {
      const up = dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}

/** Hashes and counts the bytes as they pass through to the copy. */
function tap(hash: Hash, count: { bytes: number }): (source: AsyncIterable<unknown>) => AsyncGenerator<Uint8Array> {
  return async function* (source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const buf = chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk));
      hash.update(buf);
      count.bytes += buf.length;
      yield buf;
    }
  };
}

export function collectSink(options: CollectOptions): Sink {
  const life = new SinkLifecycle('collect');
  const root = resolve(options.dir);

  async function refuseOldCollection(): Promise<void> {
    if (options.overwrite) return;
    for (const name of MANIFEST_NAMES) {
      const exists = await access(join(root, name)).then(
        () => true,
        () => false,
      );
      if (exists) throw new SinkError(`collect sink: ${options.dir} already holds a collection (${name}); choose another folder or remove it first`);
    }
  }

  /** Copies one file; returns the manifest fields that describe the outcome. Never throws. */
  async function copy(f: Finding, rel: string): Promise<Pick<ManifestEntry, 'copy' | 'sha256' | 'bytes' | 'error'>> {
    const failed = (error: string): Pick<ManifestEntry, 'copy' | 'sha256' | 'bytes' | 'error'> => ({ copy: null, sha256: null, bytes: null, error });
    const target = resolve(root, ...rel.split('/'));
    if (!isInside(root, target)) return failed('unsafe path');
    let source: Readable | null;
    try {
      source = await options.openEvidence(f);
    } catch (err) {
      return failed(`cannot open: ${errorMessage(err)}`);
    }
    if (!source) return failed('not available from the input');
    let created = false;
    try {
      // A symbolic link planted inside the collection folder must not lead the copy out of it:
      // checked before creating folders (mkdir follows links) and again after (races).
      const realRoot = await realpath(root);
      if (!isInside(realRoot, (await realExisting(dirname(target))) + sep)) throw new Error('folder resolves outside the collection');
      await mkdir(dirname(target), { recursive: true });
      if (!isInside(realRoot, (await realpath(dirname(target))) + sep)) throw new Error('folder resolves outside the collection');
      // With overwrite the open below would follow a link at the file name itself.
      if ((await lstat(target).catch(() => null))?.isSymbolicLink()) throw new Error('the target is a symbolic link');
      const handle = await open(target, options.overwrite ? 'w' : 'wx');
      created = true;
      const hash = createHash('sha256');
      const count = { bytes: 0 };
      await pipeline(source, tap(hash, count), handle.createWriteStream());
      return { copy: rel, sha256: hash.digest('hex'), bytes: count.bytes, error: null };
    } catch (err) {
      source.destroy();
      // Remove a partial copy, but never a file this run did not create.
      if (created) await rm(target, { force: true }).catch(() => undefined);
      return failed(`cannot copy: ${errorMessage(err)}`);
    }
  }

  return {
    name: 'collect',
    async begin(): Promise<void> {
      life.begin();
      await refuseOldCollection();
    },
    write(_finding: Finding): void {
      life.write();
    },
    async close(summary: ScanSummary, findings: readonly Finding[]): Promise<void> {
      life.close();
      await refuseOldCollection();
      try {
        await mkdir(root, { recursive: true });
      } catch (err) {
        throw new SinkError(`collect sink: cannot create ${options.dir}: ${errorMessage(err)}`);
      }
      const groups = new Map<string, Group>();
      for (const f of findings) {
        const key = `${f.host}\0${f.input}\0${f.source.path}`;
        const g = groups.get(key) ?? { first: f, rules: new Set<string>() };
        g.rules.add(f.ruleId);
        groups.set(key, g);
      }
      const hostDirs = uniqueSafeNames(
        [...groups.values()].map((g) => g.first.host),
        MANIFEST_NAMES,
      );
      const used = new Set<string>();
      const entries: ManifestEntry[] = [];
      for (const { first: f, rules } of groups.values()) {
        const base = `${hostDirs.get(f.host) ?? '_'}/${safeRelativePath(f.source.path)}`;
        let rel = base;
        // Case-insensitive, because the folder may be copied to Windows or macOS.
        for (let n = 2; used.has(rel.toLowerCase()); n++) rel = withSuffix(base, n);
        used.add(rel.toLowerCase());
        const outcome = await copy(f, rel);
        entries.push({ host: f.host, input: f.input, path: f.source.path, ...outcome, rules: [...rules].sort() });
      }
      const manifest: Manifest = { schemaVersion: 1, exhuntVersion: summary.exhuntVersion, createdAt: summary.finishedAt, files: entries };
      try {
        await writeFile(join(root, 'manifest.json'), `${escapeJsonText(JSON.stringify(manifest, null, 2))}\n`, 'utf8');
        await writeFile(join(root, 'manifest.csv'), manifestCsv(manifest), 'utf8');
      } catch (err) {
        throw new SinkError(`collect sink: cannot write the manifest in ${options.dir}: ${errorMessage(err)}`);
      }
    },
  };
}
