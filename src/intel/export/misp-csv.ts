/**
 * @module MISP and CSV export.
 *
 * MISP: one event, one attribute per indicator (`to_ids` set), TLP and source tags on the
 * attribute, first/last seen, the sources in the comment. Types MISP has no attribute for
 * (regexes, log strings) are `other` attributes whose comment starts with `exhunt:{json}`, which
 * exhunt's MISP reader turns back into the same indicator.
 *
 * CSV: exhunt's own layout, one row per indicator and shared source:
 * `type,value,display,source,ref,tlp,confidence,first_seen,last_seen,valid_from,valid_until,revoked,tags,description,attrs`.
 */
import { csvRow } from '../../sinks/escape/index.js';
import type { IndicatorType } from '../model.js';
import { tlpLabel } from '../tlp.js';
import { mispTypeOf } from '../formats/misp/types-map.js';
import { uuidv5 } from './ids.js';
import type { Shareable } from './select.js';

const CATEGORY: Partial<Record<IndicatorType, string>> = {
  md5: 'Payload delivery',
  sha1: 'Payload delivery',
  sha256: 'Payload delivery',
  sha512: 'Payload delivery',
  filename: 'Payload installation',
  filepath: 'Payload installation',
  ipv4: 'Network activity',
  ipv6: 'Network activity',
  domain: 'Network activity',
  url: 'Network activity',
  'url-path': 'Network activity',
  useragent: 'Network activity',
  email: 'Payload delivery',
  yara: 'Payload installation',
  'stix-pattern': 'Network activity',
};

export interface MispExportOptions {
  readonly info?: string;
  readonly date?: string;
}

export function toMispEvent(items: readonly Shareable[], options: MispExportOptions = {}): Record<string, unknown> {
  const now = new Date();
  const attributes = items.map((s) => {
    const ind = s.indicator;
    const type = mispTypeOf(ind.type);
    const summary = s.sources.map((p) => `${p.source} (${tlpLabel(p.tlp)}, confidence ${p.confidence ?? 'n/a'})`).join('; ');
    const comment = type === 'other' ? `exhunt:${JSON.stringify({ type: ind.type, attrs: ind.attrs })}\n${summary}` : summary;
    const first = s.sources.map((p) => p.firstSeen).filter((x): x is string => !!x).sort()[0];
    const last = s.sources.map((p) => p.lastSeen).filter((x): x is string => !!x).sort().pop();
    const tags = [...new Set([...(s.tlp ? [`tlp:${s.tlp}`] : []), ...s.sources.map((p) => `exhunt-source:"${p.source.replace(/"/g, "'")}"`), ...s.sources.flatMap((p) => p.tags)])];
    const value = type === 'ip-src' || type === 'domain' || type === 'email-src' || /^(md5|sha)/.test(type) ? ind.value : ind.display;
    return {
      uuid: uuidv5(`misp-attribute|${ind.type}|${ind.value}`),
      type,
      category: CATEGORY[ind.type] ?? 'Other',
      value,
      to_ids: true,
      comment,
      timestamp: String(Math.floor(now.getTime() / 1000)),
      ...(first ? { first_seen: first } : {}),
      ...(last ? { last_seen: last } : {}),
      Tag: tags.map((name) => ({ name })),
    };
  });
  return {
    Event: {
      uuid: uuidv5(`misp-event|${now.toISOString()}|${items.length}`),
      info: options.info ?? `exhunt indicator export (${items.length} indicators)`,
      date: options.date ?? now.toISOString().slice(0, 10),
      threat_level_id: '2',
      analysis: '2',
      distribution: '0',
      published: false,
      timestamp: String(Math.floor(now.getTime() / 1000)),
      Tag: [{ name: 'exhunt' }],
      Attribute: attributes,
      Object: [],
    },
  };
}

export const CSV_HEADER = ['type', 'value', 'display', 'source', 'ref', 'tlp', 'confidence', 'first_seen', 'last_seen', 'valid_from', 'valid_until', 'revoked', 'tags', 'description', 'attrs'];

export function csvHeader(): string {
  return csvRow(CSV_HEADER);
}

/** CSV rows (with line ends) for one shareable indicator. */
export function csvRows(s: Shareable): string {
  const ind = s.indicator;
  return s.sources
    .map((p) =>
      csvRow([
        ind.type,
        ind.value,
        ind.display,
        p.source,
        p.ref,
        p.tlp ?? '',
        p.confidence === null ? '' : String(p.confidence),
        p.firstSeen ?? '',
        p.lastSeen ?? '',
        p.validFrom ?? '',
        p.validUntil ?? '',
        p.revoked ? 'true' : 'false',
        p.tags.join(';'),
        p.description ?? '',
        ind.attrs ? JSON.stringify(ind.attrs) : '',
      ]),
    )
    .join('');
}
