/**
 * @module Zip entry names → safe tree paths. Refuses every name that could point outside the
 * archive's own tree if it were ever written to disk (zip-slip), in any spelling: `../x`, `..\x`,
 * `/x`, `\\server\share\x`, `C:/x`, `C:x`, and `.. `/`...` names that Windows trims to `..`.
 *
 * Windows tools (old .NET `ZipFile`, some PowerShell versions) write `\` as the separator, so a
 * backslash is read as a separator, never as part of a name.
 */

export type ZipName =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'directory' }
  | { readonly kind: 'unsafe'; readonly reason: string };

/** Classifies a decoded entry name (as stored, before any separator conversion). */
export function safeZipName(name: string): ZipName {
  if (name.includes('\0')) return { kind: 'unsafe', reason: 'contains a NUL character' };
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return { kind: 'unsafe', reason: 'is an absolute path' };
  if (/^[A-Za-z]:/.test(slashed)) return { kind: 'unsafe', reason: 'starts with a drive letter' };

  const segments: string[] = [];
  for (const s of slashed.split('/')) {
    if (s === '' || s === '.') continue;
    // Win32 drops trailing dots and spaces from names, so `.. ` and `...` behave like `..`
    // there; no collector writes such names, only an attacker would.
    if (/^[. ]+$/.test(s)) return { kind: 'unsafe', reason: 'climbs out of the archive (`..`)' };
    segments.push(s);
  }
  if (slashed.endsWith('/') || segments.length === 0) return { kind: 'directory' };
  return { kind: 'file', path: segments.join('/') };
}
