/**
 * @module MISP attribute types → exhunt indicators. Composite types (`filename|sha256`,
 * `ip-dst|port`, `domain|ip`) are split: the parts that identify something become indicators,
 * the others (a file name beside its hash, a port) go into the description, because a file name
 * alone from `filename|sha256` would flag every file of that name.
 */
import type { IndicatorType } from '../../model.js';

export interface MispPart {
  readonly type: IndicatorType;
  readonly raw: string;
  readonly note?: string;
}

export type MispMapping = { readonly parts: readonly MispPart[] } | { readonly unsupported: string };

const HASHES = new Set(['md5', 'sha1', 'sha256', 'sha512']);

/** Types that are never indicators (references, free text, metadata). */
const NOT_INDICATORS = new Set([
  'text',
  'comment',
  'other',
  'link',
  'port',
  'counter',
  'datetime',
  'float',
  'size-in-bytes',
  'attachment',
  'boolean',
  'threat-actor',
  'campaign-name',
  'campaign-id',
  'vulnerability',
  'weakness',
  'whois-registrant-email',
  'whois-registrar',
  'whois-creation-date',
  'whois-registrant-name',
  'whois-registrant-org',
  'whois-registrant-phone',
  'hex',
  'target-org',
  'target-location',
  'target-user',
  'target-machine',
  'target-email',
  'target-external',
]);

export function mapMispAttribute(mispType: string, value: string): MispMapping {
  const t = mispType.trim().toLowerCase();
  const v = value;
  if (HASHES.has(t)) return { parts: [{ type: t as IndicatorType, raw: v }] };
  const composite = /^(filename|malware-sample)\|(md5|sha1|sha256|sha512)$/.exec(t);
  if (composite) {
    const bar = v.lastIndexOf('|');
    if (bar < 0) return { unsupported: `value of ${t} has no "|"` };
    return { parts: [{ type: composite[2] as IndicatorType, raw: v.slice(bar + 1), note: `file name ${v.slice(0, bar)}` }] };
  }
  switch (t) {
    case 'malware-sample': {
      const bar = v.lastIndexOf('|');
      return bar < 0 ? { unsupported: 'malware-sample without a hash' } : { parts: [{ type: 'md5', raw: v.slice(bar + 1), note: `file name ${v.slice(0, bar)}` }] };
    }
    case 'filename':
      return { parts: [{ type: 'filename', raw: v }] };
    case 'ip-src':
    case 'ip-dst':
      return { parts: [{ type: 'ipv4', raw: v }] };
    case 'ip-src|port':
    case 'ip-dst|port': {
      const bar = v.lastIndexOf('|');
      return bar < 0 ? { parts: [{ type: 'ipv4', raw: v }] } : { parts: [{ type: 'ipv4', raw: v.slice(0, bar), note: `port ${v.slice(bar + 1)}` }] };
    }
    case 'domain':
    case 'hostname':
      return { parts: [{ type: 'domain', raw: v }] };
    case 'hostname|port': {
      const bar = v.lastIndexOf('|');
      return { parts: [{ type: 'domain', raw: bar < 0 ? v : v.slice(0, bar), ...(bar < 0 ? {} : { note: `port ${v.slice(bar + 1)}` }) }] };
    }
    case 'domain|ip': {
      const bar = v.indexOf('|');
      if (bar < 0) return { parts: [{ type: 'domain', raw: v }] };
      return { parts: [{ type: 'domain', raw: v.slice(0, bar) }, { type: 'ipv4', raw: v.slice(bar + 1), note: `resolution of ${v.slice(0, bar)}` }] };
    }
    case 'url':
      return { parts: [{ type: 'url', raw: v }] };
    case 'uri':
      return v.trim().startsWith('/') ? { parts: [{ type: 'url-path', raw: v }] } : { parts: [{ type: 'url', raw: v }] };
    case 'user-agent':
      return { parts: [{ type: 'useragent', raw: v }] };
    case 'email':
    case 'email-src':
    case 'email-dst':
    case 'email-reply-to':
      return { parts: [{ type: 'email', raw: v }] };
    case 'yara':
      return { parts: [{ type: 'yara', raw: v }] };
    case 'stix2-pattern':
      return { parts: [{ type: 'stix-pattern', raw: v }] };
    default:
      if (NOT_INDICATORS.has(t)) return { unsupported: `MISP type "${t}" is context, not an indicator` };
      return { unsupported: `MISP type "${t}" is not one exhunt can match` };
  }
}

/** exhunt type → MISP attribute type (export). */
export function mispTypeOf(type: IndicatorType): string {
  switch (type) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return type;
    case 'ipv4':
    case 'ipv6':
      return 'ip-src';
    case 'domain':
      return 'domain';
    case 'url':
      return 'url';
    case 'url-path':
      return 'uri';
    case 'useragent':
      return 'user-agent';
    case 'email':
      return 'email-src';
    case 'filename':
    case 'filepath':
      return 'filename';
    case 'yara':
      return 'yara';
    case 'stix-pattern':
      return 'stix2-pattern';
    default:
      return 'other';
  }
}
