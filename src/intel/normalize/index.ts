/**
 * @module Normalisation of indicator values: one function from (type, raw text) to the match key,
 * and type inference for untyped lists. See docs/intel.md "Normalisation".
 */
import type { IndicatorAttrs, IndicatorType } from '../model.js';
import { HASH_TYPES } from '../model.js';
import { formatCidr, isNonPublic, parseCidr } from './ip.js';
import { looksLikeWindowsPath, normalizeWindowsPath } from './path.js';
import { toJsRegex } from './regex.js';
import type { Normalized } from './text.js';
import {
  hashTypeOf,
  normalizeDomain,
  normalizeEmail,
  normalizeFileName,
  normalizeHash,
  normalizeUrl,
  normalizeUrlPath,
  normalizeUserAgent,
  refang,
  short,
} from './text.js';

export * from './ip.js';
export * from './path.js';
export * from './regex.js';
export * from './text.js';

export interface NormalizedValue {
  readonly ok: true;
  readonly type: IndicatorType;
  readonly value: string;
  /** Set when the value is worth a warning in the import report (a private address range). */
  readonly warning?: string;
}
export type NormalizeResult = NormalizedValue | { readonly ok: false; readonly reason: string };

/**
 * The match key of `raw` as an indicator of `type`. For `ipv4`/`ipv6` the version is taken from
 * the value (a feed that says "ipv4" for an IPv6 address still gives an `ipv6` indicator).
 */
export function normalizeValue(type: IndicatorType, rawInput: string, attrs?: IndicatorAttrs | null): NormalizeResult {
  // Defanged network values are common even in typed feeds; refanging cannot harm these types.
  const raw = type === 'url' || type === 'domain' || type === 'email' || type === 'ipv4' || type === 'ipv6' ? refang(rawInput) : rawInput;
  const lift = (r: Normalized, t: IndicatorType = type): NormalizeResult => (r.ok ? { ok: true, type: t, value: r.value } : r);
  switch (type) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return lift(normalizeHash(raw, type));
    case 'ipv4':
    case 'ipv6': {
      const c = parseCidr(raw);
      if (!c) return { ok: false, reason: `"${short(raw.trim())}" is not an IP address or CIDR range` };
      const t: IndicatorType = c.version === 4 ? 'ipv4' : 'ipv6';
      const value = formatCidr(c);
      return isNonPublic(c)
        ? { ok: true, type: t, value, warning: `${value} is not a public address: it will match internal clients` }
        : { ok: true, type: t, value };
    }
    case 'domain':
      return lift(normalizeDomain(raw));
    case 'email':
      return lift(normalizeEmail(raw));
    case 'url':
      return lift(normalizeUrl(raw));
    case 'url-path':
      return lift(normalizeUrlPath(raw));
    case 'useragent':
      return lift(normalizeUserAgent(raw));
    case 'filename':
      // MISP and others put whole paths in "filename".
      return /[\\/]/.test(raw.trim()) ? lift(normalizeWindowsPath(raw), 'filepath') : lift(normalizeFileName(raw));
    case 'filepath':
      return lift(normalizeWindowsPath(raw));
    case 'filename-regex':
    case 'filepath-regex':
    case 'log-regex':
    case 'event-regex': {
      if (raw.trim() === '') return { ok: false, reason: 'empty regex' };
      const r = toJsRegex(raw, attrs?.flags ?? '');
      if (!r.ok) return r;
      if (attrs?.fpRegex) {
        const fp = toJsRegex(attrs.fpRegex);
        if (!fp.ok) return { ok: false, reason: `false-positive ${fp.reason}` };
      }
      return { ok: true, type, value: raw };
    }
    case 'log-substring':
      return raw.length < 3 ? { ok: false, reason: 'substring shorter than 3 characters' } : { ok: true, type, value: raw };
    case 'yara':
    case 'stix-pattern':
      return raw.trim() === '' ? { ok: false, reason: `empty ${type}` } : { ok: true, type, value: raw.trim() };
  }
}

/**
 * File extensions that make `name.ext` a file name rather than a domain in an untyped list.
 * Extensions that are also top-level domains (`com`, `zip`, `sh`, `py`, `pl`, `one`, `cab`) are
 * left out: a C2 list is full of `.com` names.
 */
const FILE_EXTENSIONS = new Set(
  (
    'aspx asp ashx asmx ascx axd config dll exe sys drv ocx cpl scr bat cmd ps1 psm1 psd1 vbs vbe js jse wsf wsh hta ' +
    'lnk msi msp jar war jsp jspx php php5 phtml rar 7z gz tgz tar iso img dmp txt log tmp dat bin ini inf ' +
    'xml json csv html htm doc docx xls xlsx xlsm ppt pptx pdf rtf eml pst ost lst db sqlite pem crt cer pfx'
  ).split(' '),
);

/**
 * Infers the type of one token of an untyped list (plain text, LOKI C2 lists, CSV without a type
 * column), after refanging: hash (by length), IP/CIDR, URL (has a scheme), e-mail, Windows path,
 * URL path (starts with `/`), file name (known extension), domain. Null when none fits.
 */
export function inferIndicator(rawToken: string): NormalizeResult | null {
  const token = refang(rawToken.trim()).replace(/^["'`]+|["'`,;]+$/g, '');
  if (token === '') return null;
  const hash = hashTypeOf(token);
  if (hash) return normalizeValue(hash, token);
  if (/^[0-9a-fA-F:.[\]]+(\/\d{1,3})?$/.test(token) && /[.:]/.test(token)) {
    const c = parseCidr(token);
    if (c) return normalizeValue(c.version === 4 ? 'ipv4' : 'ipv6', token);
    if (/^\d+(\.\d+){3}(\/\d+)?$/.test(token)) return { ok: false, reason: `"${short(token)}" is not a valid IPv4 address` };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(token)) return normalizeValue('url', token);
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(token)) return normalizeValue('email', token);
  if (looksLikeWindowsPath(token)) return normalizeValue('filepath', token);
  if (token.startsWith('/')) return normalizeValue('url-path', token);
  if (/\s/.test(token)) return null;
  if (/^[^\\/]+\.[A-Za-z0-9]{1,6}$/.test(token)) {
    const ext = token.slice(token.lastIndexOf('.') + 1).toLowerCase();
    if (FILE_EXTENSIONS.has(ext)) return normalizeValue('filename', token);
  }
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$/i.test(token) || /[^\u0000-\u007f]/.test(token)) {
    if (/^www\./i.test(token) && token.includes('/')) return normalizeValue('url', token);
    const d = normalizeDomain(token);
    if (d.ok) return { ok: true, type: 'domain', value: d.value };
    return null;
  }
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+\//i.test(token)) return normalizeValue('url', token);
  return null;
}

/** Maps type names used by feeds (`IndicatorType`, MISP types, LOKI, CSV columns) to exhunt types. */
export function typeFromName(name: string): IndicatorType | 'infer' | null {
  const n = name.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if ((HASH_TYPES as readonly string[]).includes(n)) return n as IndicatorType;
  switch (n) {
    case 'sha-256':
    case 'filehash-sha256':
      return 'sha256';
    case 'sha-1':
    case 'filehash-sha1':
      return 'sha1';
    case 'md-5':
    case 'filehash-md5':
      return 'md5';
    case 'sha-512':
      return 'sha512';
    case 'ip':
    case 'ipaddress':
    case 'ip-address':
    case 'ipv4':
    case 'ipv4-addr':
    case 'ip-src':
    case 'ip-dst':
    case 'networkip':
    case 'ipv6':
    case 'ipv6-addr':
    case 'cidr':
      return 'ipv4';
    case 'domain':
    case 'domain-name':
    case 'hostname':
    case 'host':
    case 'fqdn':
    case 'dnsname':
      return 'domain';
    case 'url':
    case 'uri-full':
    case 'link':
      return 'url';
    case 'uri':
    case 'url-path':
    case 'urlpath':
    case 'path':
      return 'url-path';
    case 'user-agent':
    case 'useragent':
    case 'ua':
      return 'useragent';
    case 'email':
    case 'email-addr':
    case 'email-src':
    case 'email-dst':
    case 'emailaddress':
      return 'email';
    case 'filename':
    case 'file-name':
    case 'name':
      return 'filename';
    case 'filepath':
    case 'file-path':
      return 'filepath';
    case 'filename-regex':
    case 'filepath-regex':
    case 'log-substring':
    case 'log-regex':
    case 'event-regex':
    case 'yara':
    case 'stix-pattern':
      return n;
    case '':
    case 'auto':
    case 'unknown':
      return 'infer';
    default:
      return null;
  }
}
