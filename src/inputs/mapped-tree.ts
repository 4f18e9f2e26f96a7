/**
 * @module A tree assembled from several folders, each presented under its own tree prefix. The
 * live host uses it to show `C:\inetpub\wwwroot` as `C/inetpub/wwwroot/...`, the same path a
 * triage collection of that server has, so layout detection and every rule treat both alike.
 */
import fsp from 'node:fs/promises';
import type { DiagnosticSink } from '../core/diagnostic.js';
import type { InputTree, TreeEntry } from './tree.js';
import { compareTreePaths } from './tree-path.js';
import { errorCode, reportUnreadable, walkFolder } from './walk.js';

export interface MappedRoot {
  /** Folder on this machine. */
  readonly dir: string;
  /** Tree path its files appear under, `/` separators, no leading or trailing `/`. */
  readonly prefix: string;
}

export interface MappedTreeOptions {
  readonly input: string;
  readonly label: string;
  readonly onDiagnostic?: DiagnosticSink;
}

function isSegmentPrefix(outer: string, inner: string): boolean {
  // Case-insensitive: the roots are Windows folders, where `C/Root` and `C/root` are one folder.
  const o = outer.toLowerCase();
  const i = inner.toLowerCase();
  return i === o || i.startsWith(`${o}/`);
}

/**
 * Keeps each folder once: roots inside another root are dropped (their files already come with
 * the outer one), the rest are sorted by prefix. Because no remaining prefix contains another,
 * walking them one after another yields the whole tree in sorted order.
 */
export function disjointRoots(roots: readonly MappedRoot[]): MappedRoot[] {
  const sorted = [...roots].sort((a, b) => a.prefix.split('/').length - b.prefix.split('/').length);
  const kept: MappedRoot[] = [];
  for (const r of sorted) if (!kept.some((k) => isSegmentPrefix(k.prefix, r.prefix))) kept.push(r);
  return kept.sort((a, b) => compareTreePaths(a.prefix, b.prefix));
}

/**
 * Opens the union of `roots`. A root that does not exist is skipped quietly (a server without
 * `C:\root` is the normal case); one that exists but cannot be read is reported as `unreadable`.
 */
export function openMappedTree(roots: readonly MappedRoot[], options: MappedTreeOptions): InputTree {
  const onDiagnostic = options.onDiagnostic ?? (() => undefined);
  const plan = disjointRoots(roots);
  async function* entries(): AsyncGenerator<TreeEntry> {
    for (const root of plan) {
      try {
        if (!(await fsp.stat(root.dir)).isDirectory()) continue;
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') reportUnreadable(onDiagnostic, root.prefix, error);
        continue;
      }
      yield* walkFolder(root.dir, root.prefix, onDiagnostic);
    }
  }
  return { input: options.input, label: options.label, entries, close: () => Promise.resolve() };
}
