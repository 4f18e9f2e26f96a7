/**
 * @module Anchors of a server's file system in a list of tree paths: the drive folders of a
 * triage mirror (`C/`, `D/`, `C$/`, `C%3A/`) and the Exchange install folders, wherever the
 * collector put them. Layout detection and host grouping are built on these two facts.
 *
 * Only paths are looked at, never contents, and every comparison ignores case: collectors copy
 * names as the server spells them, and servers spell them inconsistently (`V15\Bin` vs `bin`).
 */
import { driveOfFolder } from './winpath.js';

export interface DriveFolder {
  /** The folder name as in the tree (`C`, `c`, `C$`, `C%3A`). */
  readonly folder: string;
  /** Upper-case drive letter. */
  readonly letter: string;
}

export interface InstallCandidate {
  /** Tree path of the install folder (no trailing `/`); '' when it is the tree root. */
  readonly prefix: string;
  /**
   * Number of install markers present: `Logging/HttpProxy`, `FrontEnd/HttpProxy`, and
   * `ClientAccess` beside `Bin` (counted as one).
   */
  readonly score: number;
  /** True when the install lies inside an accepted drive folder. */
  readonly onDrive: boolean;
}

export interface Anchors {
  readonly drives: readonly DriveFolder[];
  /** Best first: most markers, then inside a drive folder, then shallowest, then by path. */
  readonly installs: readonly InstallCandidate[];
}

/**
 * Names that only occur at the top of a Windows volume. A single-letter folder counts as a drive
 * only when it holds one of these (or an Exchange install): a loose-log folder may well have a
 * subfolder named `A` or `E`, and taking it for a drive would switch off file-name hints.
 */
const VOLUME_TOP_FOLDERS = new Set([
  'program files',
  'program files (x86)',
  'programdata',
  'inetpub',
  'windows',
  'users',
  'root',
  'exchange',
  'exchange server',
  'perflogs',
  'documents and settings',
  '$recycle.bin',
  '$extend',
  '$mft',
  '$logfile',
  'pagefile.sys',
]);

type Marker = 'logging' | 'frontend' | 'clientaccess' | 'bin';

function depth(prefix: string): number {
  return prefix === '' ? 0 : prefix.split('/').length;
}

/**
 * Finds the drive folders directly below `root` and every Exchange install candidate below it.
 * @param paths tree paths of files (full paths; those outside `root` are ignored)
 * @param root '' or a folder prefix ending in `/`
 */
export function findAnchors(paths: readonly string[], root = ''): Anchors {
  const markers = new Map<string, { prefix: string; found: Set<Marker> }>();
  const driveTops = new Map<string, Set<string>>();
  const rootFolder = root.replace(/\/$/, '');

  for (const path of paths) {
    if (!path.startsWith(root)) continue;
    const segs = path.slice(root.length).split('/');
    const lower = segs.map((s) => s.toLowerCase());
    const folders = segs.length - 1; // the last segment is the file name
    if (folders >= 1 && driveOfFolder(segs[0] ?? '') !== null) {
      const tops = driveTops.get(segs[0] ?? '') ?? new Set<string>();
      tops.add(lower[1] ?? '');
      driveTops.set(segs[0] ?? '', tops);
    }
    for (let i = 0; i < folders; i++) {
      const here = lower[i];
      const next = i + 1 < folders ? lower[i + 1] : undefined;
      let marker: Marker | null = null;
      if (here === 'logging' && next === 'httpproxy') marker = 'logging';
      else if (here === 'frontend' && next === 'httpproxy') marker = 'frontend';
      else if (here === 'clientaccess') marker = 'clientaccess';
      else if (here === 'bin') marker = 'bin';
      if (marker === null) continue;
      const key = lower.slice(0, i).join('/');
      let m = markers.get(key);
      if (!m) {
        const rel = segs.slice(0, i).join('/');
        m = { prefix: rel === '' ? rootFolder : root + rel, found: new Set() };
        markers.set(key, m);
      }
      m.found.add(marker);
    }
  }

  const scored: { prefix: string; score: number }[] = [];
  for (const { prefix, found } of markers.values()) {
    const score = (found.has('logging') ? 1 : 0) + (found.has('frontend') ? 1 : 0) + (found.has('clientaccess') && found.has('bin') ? 1 : 0);
    if (score > 0) scored.push({ prefix, score });
  }

  const drives: DriveFolder[] = [];
  for (const [folder, tops] of driveTops) {
    const letter = driveOfFolder(folder);
    if (letter === null) continue;
    const full = root + folder;
    const holdsInstall = scored.some((c) => c.prefix.toLowerCase().startsWith(`${full.toLowerCase()}/`));
    if (holdsInstall || [...tops].some((t) => VOLUME_TOP_FOLDERS.has(t))) drives.push({ folder, letter });
  }
  drives.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));

  const driveRoots = drives.map((d) => `${root}${d.folder}/`);
  const installs: InstallCandidate[] = scored.map((c) => ({ ...c, onDrive: driveRoots.some((d) => c.prefix.startsWith(d)) }));
  installs.sort(
    (a, b) =>
      b.score - a.score ||
      Number(b.onDrive) - Number(a.onDrive) ||
      depth(a.prefix) - depth(b.prefix) ||
      (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0),
  );
  return { drives, installs };
}
