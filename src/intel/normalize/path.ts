/**
 * @module Windows file paths as indicator keys.
 *
 * The key of `C:\Program Files\Microsoft\Exchange Server\V15\FrontEnd\HttpProxy\owa\auth\x.aspx`
 * is `\program files\microsoft\exchange server\v15\frontend\httpproxy\owa\auth\x.aspx`:
 * - lower case (Windows compares names case-insensitively);
 * - without the drive letter (a collection may mount the system drive anywhere, and a path is
 *   the same indicator on `C:` and `D:`), without `\\?\` prefixes, and admin shares
 *   (`\\host\C$\x`) read as `\x`;
 * - `/` read as `\`, repeated separators folded, `.` and `..` resolved, no trailing separator;
 * - environment variables replaced by their default values, so `%ProgramFiles%\x` and
 *   `C:\Program Files\x` meet, and `%ExchangeInstallPath%` is the default Exchange 2013+
 *   install folder (the file record's `CanonicalPath` writes a non-default install that way).
 *   Unknown variables stay as lower-case `%name%` segments.
 */
import type { Normalized } from './text.js';
import { short } from './text.js';

/** Default values of the variables paths are written with, keys lower case, no drive. */
export const PATH_VARIABLES: Readonly<Record<string, string>> = {
  systemdrive: '',
  systemroot: '\\windows',
  windir: '\\windows',
  programfiles: '\\program files',
  programw6432: '\\program files',
  'programfiles(x86)': '\\program files (x86)',
  commonprogramfiles: '\\program files\\common files',
  'commonprogramfiles(x86)': '\\program files (x86)\\common files',
  programdata: '\\programdata',
  allusersprofile: '\\programdata',
  public: '\\users\\public',
  // Exchange sets %ExchangeInstallPath% with a trailing backslash; both spellings work.
  exchangeinstallpath: '\\program files\\microsoft\\exchange server\\v15\\',
  exchangeinstalldir: '\\program files\\microsoft\\exchange server\\v15\\',
};

/** True when text looks like a Windows path rather than a bare file name. */
export function looksLikeWindowsPath(text: string): boolean {
  const t = text.trim();
  return /^[A-Za-z]:[\\/]/.test(t) || t.startsWith('\\\\') || /^%[A-Za-z0-9_()]+%[\\/]/.test(t) || (/^[\\/]/.test(t) && t.includes('\\'));
}

export function normalizeWindowsPath(text: string): Normalized {
  let t = text.trim().replace(/^"(.*)"$/, '$1');
  if (t === '') return { ok: false, reason: 'empty path' };
  t = t.replace(/\//g, '\\');
  t = t.replace(/^\\\\[?.]\\UNC\\/i, '\\\\').replace(/^\\\\[?.]\\(?=[A-Za-z]:)/, '');
  // Admin share: \\host\C$\x is C:\x.
  const admin = /^\\\\[^\\]+\\([A-Za-z])\$(\\|$)/.exec(t);
  if (admin) t = `${admin[1]!}:\\${t.slice(admin[0].length)}`;
  t = t.replace(/%([A-Za-z0-9_()]+)%/g, (m, name: string) => PATH_VARIABLES[name.toLowerCase()] ?? m.toLowerCase());
  t = t.replace(/^[A-Za-z]:/, '');
  if (/[<>"|?*\u0000-\u001f]/.test(t)) return { ok: false, reason: `"${short(text)}" has characters Windows paths cannot have` };
  let root = '\\';
  if (t.startsWith('\\\\')) {
    const parts = t.slice(2).split('\\');
    root = `\\\\${parts.shift() ?? ''}\\${parts.shift() ?? ''}\\`;
    t = parts.join('\\');
  }
  const segments: string[] = [];
  for (const seg of t.split('\\')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      segments.pop();
      continue;
    }
    // Windows ignores trailing dots and spaces in names.
    segments.push(seg.replace(/[. ]+$/, '') || seg);
  }
  if (segments.length === 0) return { ok: false, reason: `"${short(text)}" names no file` };
  return { ok: true, value: (root + segments.join('\\')).toLowerCase() };
}
