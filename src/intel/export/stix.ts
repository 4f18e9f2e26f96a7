/**
 * @module STIX 2.1 export: one `indicator` per exhunt indicator, with a standard pattern where
 * STIX has one (hashes, addresses, domains, URLs, e-mail, file names, Windows paths as
 * `parent_directory_ref.path AND name`, user agents via the HTTP request extension) and a custom
 * observable otherwise; TLP 2.0 marking definitions; every source named in
 * `external_references`; and `x_exhunt_type` / `x_exhunt_value` / `x_exhunt_attrs` so that
 * exhunt reads its own export back exactly.
 */
import type { Indicator, IndicatorType, Provenance, Tlp } from '../model.js';
import { TLP2_EXTENSION_ID, tlpLabel, tlpMarkingId } from '../tlp.js';
import { indicatorStixId, newId, uuidv5 } from './ids.js';
import type { Shareable } from './select.js';

export const EXHUNT_IDENTITY_ID = `identity--${uuidv5('identity|exhunt')}`;

export type StixObject = Record<string, unknown>;

/** A STIX string literal. */
export function stixString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_NAMES: Partial<Record<IndicatorType, string>> = { md5: 'MD5', sha1: "'SHA-1'", sha256: "'SHA-256'", sha512: "'SHA-512'" };

/** The STIX pattern and pattern type for an indicator. */
export function stixPattern(ind: Pick<Indicator, 'type' | 'value' | 'display'>): { pattern: string; patternType: string } {
  const v = ind.value;
  const d = ind.display;
  const stix = (pattern: string): { pattern: string; patternType: string } => ({ pattern, patternType: 'stix' });
  switch (ind.type) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return stix(`[file:hashes.${HASH_NAMES[ind.type]!} = ${stixString(v)}]`);
    case 'ipv4':
      return stix(`[ipv4-addr:value = ${stixString(v)}]`);
    case 'ipv6':
      return stix(`[ipv6-addr:value = ${stixString(v)}]`);
    case 'domain':
      return stix(`[domain-name:value = ${stixString(v)}]`);
    case 'url':
      return stix(`[url:value = ${stixString(/^[a-z][a-z0-9+.-]*:\/\//i.test(d) ? d : `http://${v}`)}]`);
    case 'url-path':
      return stix(`[network-traffic:extensions.'http-request-ext'.request_value = ${stixString(d)}]`);
    case 'useragent':
      return stix(`[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = ${stixString(d)}]`);
    case 'email':
      return stix(`[email-addr:value = ${stixString(v)}]`);
    case 'filename':
      return stix(`[file:name = ${stixString(d)}]`);
    case 'filepath': {
      const p = /[\\/]/.test(d) ? d : v;
      const cut = p.lastIndexOf('\\');
      return stix(`[file:parent_directory_ref.path = ${stixString(p.slice(0, cut) || '\\')} AND file:name = ${stixString(p.slice(cut + 1))}]`);
    }
    case 'filename-regex':
      return stix(`[file:name MATCHES ${stixString(v)}]`);
    case 'filepath-regex':
      return stix(`[file:x_exhunt_full_path MATCHES ${stixString(v)}]`);
    case 'log-substring':
      return stix(`[x-exhunt-log-line:x_exhunt_contains = ${stixString(v)}]`);
    case 'log-regex':
      return stix(`[x-exhunt-log-line:x_exhunt_text MATCHES ${stixString(v)}]`);
    case 'event-regex':
      return stix(`[x-exhunt-event:x_exhunt_field MATCHES ${stixString(v)}]`);
    case 'stix-pattern':
      return stix(v);
    case 'yara':
      return { pattern: v, patternType: 'yara' };
  }
}

function minIso(values: readonly (string | null)[]): string | null {
  const v = values.filter((x): x is string => !!x).sort();
  return v[0] ?? null;
}

function maxIso(values: readonly (string | null)[]): string | null {
  const v = values.filter((x): x is string => !!x).sort();
  return v[v.length - 1] ?? null;
}

/** A STIX timestamp (millisecond precision, Z). */
export function stixTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
}

export function sourceEntry(p: Provenance): Record<string, unknown> {
  return {
    source: p.source,
    tlp: p.tlp,
    confidence: p.confidence,
    first_seen: p.firstSeen,
    last_seen: p.lastSeen,
    tags: p.tags,
    ref: p.ref || undefined,
    description: p.description ?? undefined,
  };
}

/** The STIX indicator object for a shareable indicator. */
export function stixIndicator(s: Shareable, extra: Readonly<Record<string, unknown>> = {}): StixObject {
  const ind = s.indicator;
  const { pattern, patternType } = stixPattern(ind);
  const created = stixTime(minIso(s.sources.map((p) => p.importedAt)) ?? new Date().toISOString());
  const modified = stixTime(maxIso(s.sources.map((p) => p.importedAt)) ?? created);
  const validFrom = minIso(s.sources.flatMap((p) => [p.validFrom, p.firstSeen])) ?? created;
  const untils = s.sources.map((p) => p.validUntil);
  const confidences = s.sources.map((p) => p.confidence).filter((c): c is number => c !== null);
  const tags = [...new Set(s.sources.flatMap((p) => p.tags))].sort();
  const description = [...new Set(s.sources.map((p) => p.description).filter((d): d is string => !!d))].join('\n');
  const obj: StixObject = {
    type: 'indicator',
    spec_version: '2.1',
    id: indicatorStixId(ind.type, ind.value),
    created_by_ref: EXHUNT_IDENTITY_ID,
    created,
    modified: modified < created ? created : modified,
    name: `${ind.type} ${ind.display}`.slice(0, 250),
    ...(description ? { description } : {}),
    indicator_types: ['malicious-activity'],
    pattern,
    pattern_type: patternType,
    ...(patternType === 'stix' ? { pattern_version: '2.1' } : {}),
    valid_from: stixTime(validFrom),
    ...(untils.every((u) => u !== null) && untils.length > 0 ? { valid_until: stixTime(maxIso(untils)!) } : {}),
    ...(s.sources.every((p) => p.revoked) ? { revoked: true } : {}),
    ...(confidences.length ? { confidence: Math.max(...confidences) } : {}),
    ...(tags.length ? { labels: tags } : {}),
    ...(s.tlp ? { object_marking_refs: [tlpMarkingId(s.tlp)] } : {}),
    external_references: s.sources.map((p) => ({
      source_name: p.source,
      description: `${tlpLabel(p.tlp)}, confidence ${p.confidence ?? 'n/a'}${p.firstSeen ? `, first seen ${p.firstSeen}` : ''}${p.lastSeen ? `, last seen ${p.lastSeen}` : ''}`,
      ...(p.ref && !p.ref.includes(':') ? { external_id: p.ref } : {}),
    })),
    x_exhunt_type: ind.type,
    x_exhunt_value: ind.display,
    ...(ind.attrs ? { x_exhunt_attrs: ind.attrs } : {}),
    x_exhunt_sources: s.sources.map(sourceEntry),
    ...extra,
  };
  return obj;
}

export function exhuntIdentity(): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: EXHUNT_IDENTITY_ID,
    created: '2021-03-02T00:00:00.000Z',
    modified: '2021-03-02T00:00:00.000Z',
    name: 'exhunt',
    identity_class: 'system',
    description: 'exhunt, a compromise-assessment tool for Microsoft Exchange servers',
  };
}

/** The TLP 2.0 marking-definition object for a level. */
export function tlpMarking(tlp: Tlp): StixObject {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: tlpMarkingId(tlp),
    created: '2022-10-01T00:00:00.000Z',
    name: tlpLabel(tlp),
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: tlp } },
  };
}

export function bundle(objects: readonly StixObject[]): StixObject {
  const markings = new Set<string>();
  for (const o of objects) for (const m of (o.object_marking_refs as string[] | undefined) ?? []) markings.add(m);
  const defs: StixObject[] = [];
  for (const level of ['clear', 'green', 'amber', 'amber+strict', 'red'] as const) if (markings.has(tlpMarkingId(level))) defs.push(tlpMarking(level));
  return { type: 'bundle', id: newId('bundle'), objects: [exhuntIdentity(), ...defs, ...objects] };
}
