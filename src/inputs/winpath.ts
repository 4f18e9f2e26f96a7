/**
 * @module Windows path helpers, used wherever a path from content, a log line or a disk is
 * compared with another or shown as the path it has on the server.
 *
 * Everything here is plain string work, so it behaves the same on Linux (where triage data is
 * usually analysed) as on Windows; nothing touches the file system. Windows semantics followed:
 * `/` and `\` are both separators, drive letters and names compare case-insensitively, `C:\`
 * and `c:/` are the same folder, `\\server\share` is a root, and `.`/`..` segments are resolved
 * before comparing (a logged path such as `...\ClientAccess\OAB\..\..\FrontEnd\x.aspx` must not
 * pass for a path inside `ClientAccess\OAB`).
 */

/** Environment lookup table, e.g. `process.env`. */
export type WindowsEnv = Readonly<Record<string, string | undefined>>;

/**
 * Drive letter (upper case) that a folder of a triage collection stands for: `C` and `c` as
 * KAPE writes them, `C$` (admin share copies) and `C%3A` (URL-encoded `C:`) as other collectors
 * do. Null for any other name.
 */
export function driveOfFolder(name: string): string | null {
  const m = /^([A-Za-z])(?:\$|%3A)?$/i.exec(name);
  return m?.[1] ? m[1].toUpperCase() : null;
}

interface ParsedPath {
  /** `C:\`, `\\server\share`, `\` (rooted on the current drive) or '' (relative). */
  readonly root: string;
  readonly segments: readonly string[];
}

function parse(path: string): ParsedPath {
  let p = path.replace(/\//g, '\\');
  // Win32 namespace prefixes name the same files: \\?\C:\x is C:\x, \\?\UNC\srv\sh is \\srv\sh.
  const unc = /^\\\\[?.]\\UNC\\/i.exec(p);
  if (unc) p = `\\\\${p.slice(unc[0].length)}`;
  else if (/^\\\\[?.]\\[A-Za-z]:/.test(p)) p = p.slice(4);

  let root: string;
  let rest: string;
  if (/^[A-Za-z]:/.test(p)) {
    // `C:x` (relative to the drive's current folder) is read as `C:\x`: no log or content path
    // means anything else by it, and treating it as relative would let it dodge comparisons.
    root = `${p.charAt(0).toUpperCase()}:\\`;
    rest = p.slice(2);
  } else if (p.startsWith('\\\\')) {
    const parts = p.slice(2).split('\\').filter((s) => s !== '');
    const server = parts.shift() ?? '';
    const share = parts.shift() ?? '';
    root = share ? `\\\\${server}\\${share}` : `\\\\${server}`;
    rest = parts.join('\\');
  } else if (p.startsWith('\\')) {
    root = '\\';
    rest = p.slice(1);
  } else {
    root = '';
    rest = p;
  }

  const segments: string[] = [];
  for (const s of rest.split('\\')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      const last = segments.at(-1);
      // Never climb above a root; a relative path keeps its leading `..`.
      if (last !== undefined && last !== '..') segments.pop();
      else if (root === '') segments.push('..');
      continue;
    }
    segments.push(s);
  }
  return { root, segments };
}

function format({ root, segments }: ParsedPath): string {
  if (segments.length === 0) return root;
  const body = segments.join('\\');
  if (root === '' || root.endsWith('\\')) return root + body;
  return `${root}\\${body}`;
}

/**
 * Canonical display form: backslashes, upper-case drive letter, repeated separators collapsed
 * (the leading `\\` of a UNC path kept), `.` and `..` resolved, no trailing separator except on
 * a drive root (`C:\`). Case of names is kept.
 *
 * @example normalizeWindowsPath('c:/Program Files//Microsoft\\') === 'C:\\Program Files\\Microsoft'
 */
export function normalizeWindowsPath(path: string): string {
  return format(parse(path));
}

/**
 * Comparison key: the normalised path, upper-cased (NTFS compares names through an upper-case
 * table), with trailing dots and spaces dropped from each name as the Win32 API drops them
 * (`aspnet_client.` opens `aspnet_client`).
 */
export function windowsPathKey(path: string): string {
  const { root, segments } = parse(path);
  const names = segments.map((s) => (s === '..' ? s : s.replace(/[. ]+$/, '')));
  return format({ root: root.toUpperCase(), segments: names.map((s) => s.toUpperCase()) });
}

/** True when both strings name the same path on a Windows server. */
export function windowsPathEquals(a: string, b: string): boolean {
  return windowsPathKey(a) === windowsPathKey(b);
}

/**
 * True when `path` is `folder` or lies below it, comparing whole names (`C:\rootkit` is not
 * inside `C:\root`).
 */
export function isWindowsPathWithin(path: string, folder: string): boolean {
  const p = windowsPathKey(path);
  const f = windowsPathKey(folder);
  if (p === f) return true;
  return p.startsWith(f.endsWith('\\') ? f : `${f}\\`);
}

/** Joins Windows path parts with single backslashes and normalises the result. */
export function joinWindowsPath(base: string, ...parts: readonly string[]): string {
  return normalizeWindowsPath([base, ...parts].join('\\'));
}

/** The normalised path with exactly one trailing backslash (the form `MsiInstallPath` uses). */
export function withTrailingBackslash(path: string): string {
  const n = normalizeWindowsPath(path);
  return n.endsWith('\\') ? n : `${n}\\`;
}

/**
 * The server path of a path in a drive-mirroring triage tree: `C/Program Files/x` →
 * `C:\Program Files\x`, `c$/root/a.dmp` → `C:\root\a.dmp`, `C` → `C:\`. Null when the first
 * segment is not a drive folder (see {@link driveOfFolder}).
 */
export function treePathToWindows(treePath: string): string | null {
  const segments = treePath.split('/').filter((s) => s !== '');
  const first = segments.shift();
  const drive = first === undefined ? null : driveOfFolder(first);
  if (drive === null) return null;
  return format({ root: `${drive}:\\`, segments });
}

/**
 * The tree path under which a live server path is presented (the mirror layout triage
 * collectors write): `C:\Program Files\x` → `C/Program Files/x`. Null for UNC and relative paths,
 * which have no place in a drive mirror.
 */
export function windowsPathToTree(path: string): string | null {
  const { root, segments } = parse(path);
  const m = /^([A-Z]):\\$/.exec(root);
  if (!m?.[1]) return null;
  return [m[1], ...segments].join('/');
}

/**
 * Expands `%NAME%` references the way cmd.exe does, looking names up case-insensitively (Windows
 * environment names are case-insensitive; a plain object copy of it is not). Unknown names are
 * left as written, so the result shows what could not be resolved.
 */
export function expandWindowsEnv(text: string, env: WindowsEnv): string {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v);
  return text.replace(/%([^%\\/:*?"<>|\r\n]+)%/g, (whole, name: string) => lower.get(name.toLowerCase()) ?? whole);
}
