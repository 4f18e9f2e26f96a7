/**
 * @module File names and relative paths built from untrusted strings (host names from logs,
 * paths inside a zip), so that a sink writing `<dir>/<host>/<path>` never leaves `<dir>`.
 *
 * The result must also be valid on Windows, where responders copy these folders: the characters
 * `<>:"|?*`, controls, trailing dots and spaces, and device names such as `CON` are not allowed
 * there and would make a copy fail half-way.
 */

/** Characters not allowed in a Windows file name, plus bidi and invisible characters. */
const BAD_CHARS = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
/** DOS device names are special in every folder on Windows, with or without an extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * One path segment that is safe as a file or folder name on Linux, macOS and Windows.
 * Never empty, never `.` or `..`, at most `maxLength` UTF-16 code units.
 */
export function safeFileName(name: string, maxLength = 120): string {
  // Windows drops trailing dots and spaces, so `a.` and `a` would be the same file there.
  let s = name.replace(BAD_CHARS, '_').replace(/[. ]+$/, (m) => '_'.repeat(m.length));
  if (s === '') s = '_';
  if (RESERVED.test(s)) s = `_${s}`;
  if (s.length > maxLength) {
    let cut = maxLength;
    const last = s.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
    s = s.slice(0, cut);
  }
  return s;
}

/**
 * A relative path (`/` separators) that stays below whatever folder it is joined to: `\` counts as
 * a separator, empty, `.` and `..` segments are dropped (so `../../etc/passwd` becomes
 * `etc/passwd` and `/etc/passwd` loses its root), and each segment goes through
 * {@link safeFileName} (so `C:` becomes `C_`). Never empty.
 */
export function safeRelativePath(path: string): string {
  const segments = path
    .split(/[\\/]+/)
    .filter((seg) => seg !== '' && seg !== '.' && seg !== '..')
    .map((seg) => safeFileName(seg, 200));
  return segments.length > 0 ? segments.join('/') : '_';
}

/**
 * A distinct safe file name for each of `names`: two names that become equal once made safe,
 * or differ only in case (one file on Windows and macOS), get `_2`, `_3`... in input order.
 * `reserved` names (compared case-insensitively) are never handed out, so a host called
 * `manifest.json` cannot take the place of the sink's own file.
 */
export function uniqueSafeNames(names: Iterable<string>, reserved: readonly string[] = [], maxLength = 100): Map<string, string> {
  const used = new Set<string>(reserved.map((r) => r.toLowerCase()));
  const out = new Map<string, string>();
  for (const name of names) {
    if (out.has(name)) continue;
    const safe = safeFileName(name, maxLength);
    let candidate = safe;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${safe}_${n}`;
    used.add(candidate.toLowerCase());
    out.set(name, candidate);
  }
  return out;
}
