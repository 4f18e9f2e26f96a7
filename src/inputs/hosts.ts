/**
 * @module Host grouping: one PATH may hold the collections of several servers
 * (`cases/EXCH01/C/...`, `cases/EXCH02/C/...`). detectHosts splits its paths into one group per
 * server so that each gets its own layout, verdict and coverage.
 *
 * A folder is a host root when it has drive folders or is itself an Exchange install. Wrapper
 * folders with nothing else beside them (the top folder of most zips) are looked through. When
 * no child folder is a host, the whole tree is one group.
 */
import { findAnchors } from './anchors.js';

export interface HostGroup {
  /** The host's folder name, or null when the host is the PATH itself. A hint, not a hostname. */
  readonly name: string | null;
  /** Tree prefix of the host ('' or a folder path ending in `/`); pass it to detectLayout. */
  readonly root: string;
  readonly paths: readonly string[];
}

/** How many single wrapper folders are looked through before giving up. */
const MAX_WRAPPERS = 4;

function isHostRoot(paths: readonly string[], root: string): boolean {
  const { drives, installs } = findAnchors(paths, root);
  const rootFolder = root.replace(/\/$/, '');
  return drives.length > 0 || installs.some((i) => i.prefix === rootFolder);
}

function lastFolder(root: string): string | null {
  const name = root.replace(/\/$/, '').split('/').at(-1);
  return name === undefined || name === '' ? null : name;
}

function find(paths: readonly string[], root: string, wrappers: number): HostGroup[] | null {
  if (isHostRoot(paths, root)) return [{ name: lastFolder(root), root, paths }];

  const children = new Map<string, string[]>();
  let looseFiles = 0;
  for (const p of paths) {
    const rest = p.slice(root.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      looseFiles++;
      continue;
    }
    const child = rest.slice(0, slash);
    const list = children.get(child) ?? [];
    list.push(p);
    children.set(child, list);
  }

  if (children.size === 1 && looseFiles === 0 && wrappers < MAX_WRAPPERS) {
    const [only] = children.keys();
    if (only !== undefined) return find(paths, `${root}${only}/`, wrappers + 1);
  }

  // A child is a host when it has drives or is an install, or an install lies anywhere below it
  // without drives (`EXCH02/Exchange/Logging/HttpProxy/...`).
  const installs = findAnchors(paths, root).installs;
  const hosts: HostGroup[] = [];
  for (const [child, list] of children) {
    const childRoot = `${root}${child}/`;
    const hasInstall = installs.some((i) => `${i.prefix}/`.startsWith(childRoot));
    if (hasInstall || isHostRoot(list, childRoot)) hosts.push({ name: child, root: childRoot, paths: list });
  }
  if (hosts.length === 0) return null;
  // Files beside the hosts (notes, a loose log) still get scanned, as one more group; filtering
  // the input keeps its order.
  const rest = paths.filter((p) => !hosts.some((h) => p.startsWith(h.root)));
  if (rest.length > 0) hosts.push({ name: null, root, paths: rest });
  return hosts;
}

/**
 * Groups tree paths by host. Always returns at least one group; the groups partition `paths`.
 */
export function detectHosts(paths: readonly string[]): HostGroup[] {
  return find(paths, '', 0) ?? [{ name: null, root: '', paths }];
}
