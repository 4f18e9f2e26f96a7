/**
 * @module Normalisers for hashes, domains, e-mail addresses, URLs, URL paths, user agents and
 * file names, plus refanging of defanged text. Each returns the match key (`value`) or a reason.
 */
import { domainToASCII } from 'node:url';
import type { HashType } from '../model.js';

export type Normalized = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

const ok = (value: string): Normalized => ({ ok: true, value });
const bad = (reason: string): Normalized => ({ ok: false, reason });

const HASH_LENGTHS: Readonly<Record<number, HashType>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** The hash type of a hex string by its length, or null when it is not a hash. */
export function hashTypeOf(text: string): HashType | null {
  const t = text.trim();
  if (!/^[0-9A-Fa-f]+$/.test(t)) return null;
  return HASH_LENGTHS[t.length] ?? null;
}

/** Lower-case hex of the expected length; the type must agree with the length. */
export function normalizeHash(text: string, expected: HashType): Normalized {
  const t = text.trim();
  const type = hashTypeOf(t);
  if (type === null) return bad(`"${short(t)}" is not a hex hash`);
  if (type !== expected) return bad(`"${short(t)}" has the length of ${type}, not ${expected}`);
  return ok(t.toLowerCase());
}

/**
 * Lower case, no trailing dot, IDNA (punycode) for international names; labels of letters,
 * digits, `-` and `_`, at most 63 characters, 253 in all; at least two labels, and a top-level
 * label that is not all digits.
 */
export function normalizeDomain(text: string): Normalized {
  let t = text.trim().replace(/\.$/, '');
  if (t === '') return bad('empty domain');
  if (/[\s/\\@:]/.test(t)) return bad(`"${short(t)}" is not a domain name`);
  // domainToASCII refuses `_`, which is common in real (SRV-style and malware) host names.
  const underscore = t.includes('_');
  const ascii = underscore ? t.toLowerCase() : domainToASCII(t);
  if (ascii === '') return bad(`"${short(t)}" is not a valid domain name (IDNA)`);
  t = ascii;
  if (t.length > 253) return bad('domain name longer than 253 characters');
  const labels = t.split('.');
  if (labels.length < 2) return bad(`"${short(t)}" has no top-level domain`);
  for (const l of labels) {
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)) return bad(`"${short(t)}" has an invalid label "${short(l)}"`);
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return bad(`"${short(t)}" looks like an address, not a domain`);
  return ok(t);
}

/** `local@domain`: local part lower-cased as most mail systems compare it, domain as above. */
export function normalizeEmail(text: string): Normalized {
  const t = text.trim().replace(/^mailto:/i, '').replace(/^smtp:/i, '');
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1) return bad(`"${short(t)}" is not an e-mail address`);
  const local = t.slice(0, at);
  if (/[\s<>()[\],;:"]/.test(local)) return bad(`"${short(t)}" is not an e-mail address`);
  const d = normalizeDomain(t.slice(at + 1));
  if (!d.ok) return d;
  return ok(`${local.toLowerCase()}@${d.value}`);
}

const UNRESERVED = /%([0-9A-Fa-f]{2})/g;

/**
 * URL match key: `host[:port]/path[?query]`, lower case, without scheme, user info, default
 * port and fragment; percent-escapes of unreserved characters decoded. A value without a scheme
 * is read as `http://`. Exchange and IIS compare paths case-insensitively, so the key does too.
 */
export function normalizeUrl(text: string): Normalized {
  let t = text.trim();
  if (t === '') return bad('empty URL');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) t = `http://${t}`;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return bad(`"${short(text)}" is not a URL`);
  }
  if (u.hostname === '') return bad(`"${short(text)}" has no host`);
  const host = u.hostname.toLowerCase();
  const port = u.port ? `:${u.port}` : '';
  const path = decodeUnreserved(u.pathname || '/');
  const query = u.search ? decodeUnreserved(u.search) : '';
  return ok(`${host}${port}${path}${query}`.toLowerCase());
}

/** Just the host of a URL key (for prefilter literals and domain checks). */
export function urlKeyHost(key: string): string {
  const slash = key.indexOf('/');
  const hostPort = slash < 0 ? key : key.slice(0, slash);
  return hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : hostPort.replace(/:\d+$/, '');
}

function decodeUnreserved(s: string): string {
  return s.replace(UNRESERVED, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
}

/** A request path as logged (`/owa/auth/x.aspx`, optional `?query`): lower case, `//` folded. */
export function normalizeUrlPath(text: string): Normalized {
  let t = text.trim();
  if (!t.startsWith('/')) return bad(`"${short(t)}" is not a URL path (must start with /)`);
  if (/\s/.test(t)) return bad(`"${short(t)}" contains white space`);
  const q = t.indexOf('?');
  const path = q < 0 ? t : t.slice(0, q);
  const query = q < 0 ? '' : t.slice(q);
  t = decodeUnreserved(path).replace(/\/{2,}/g, '/') + decodeUnreserved(query);
  return ok(t.toLowerCase());
}

/**
 * User agent match key: IIS writes spaces as `+` (`Mozilla/5.0+(compatible;+...)`) while the
 * HttpProxy log and most feeds keep spaces; the key is the IIS spelling in lower case, so both
 * spellings of one agent meet. (IIS leaves a real `+` as it is, so the reverse mapping would be
 * ambiguous.)
 */
export function normalizeUserAgent(text: string): Normalized {
  const t = text.trim();
  if (t === '' || t === '-') return bad('empty user agent');
  return ok(userAgentKey(t));
}

export function userAgentKey(ua: string): string {
  return ua.trim().replace(/ /g, '+').toLowerCase();
}

/** File name: lower case (Windows compares names case-insensitively), no separators. */
export function normalizeFileName(text: string): Normalized {
  const t = text.trim().replace(/^"|"$/g, '');
  if (t === '') return bad('empty file name');
  if (/[\\/]/.test(t)) return bad(`"${short(t)}" is a path, not a file name`);
  if (/[<>:"|?*\u0000-\u001f]/.test(t)) return bad(`"${short(t)}" has characters Windows file names cannot have`);
  return ok(t.toLowerCase());
}

/**
 * Undoes the usual defanging: `hxxp(s)`, `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[://]`, `[@]`,
 * `[at]`. Applied to list formats before type inference; not to regexes or paths.
 */
export function refang(text: string): string {
  return text
    .replace(/\bhxxp(s?)/gi, (_m, s: string) => `http${s}`)
    .replace(/\bfxp\b/gi, 'ftp')
    .replace(/\[\s*:\s*\/\/\s*\]/g, '://')
    .replace(/\[\s*(?:\.|dot)\s*\]|\(\s*(?:\.|dot)\s*\)|\{\s*(?:\.|dot)\s*\}/gi, '.')
    .replace(/\[\s*:\s*\]/g, ':')
    .replace(/\[\s*(?:@|at)\s*\]|\(\s*(?:@|at)\s*\)/gi, '@');
}

/** A value shortened for messages. */
export function short(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
