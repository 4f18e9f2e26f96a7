/**
 * @module STIX 2.1 sightings from a scan's findings (the JSON Lines `exhunt scan --jsonl` writes),
 * plus the indicators exhunt itself found, ready to share with partners.
 *
 * - A finding of an indicator (`intel.<type>`) becomes a `sighting` of that indicator; the
 *   indicator goes into the bundle too when its sources allow sharing it (TLP), otherwise the
 *   sighting is dropped as well (a sighting of a TLP:RED indicator would disclose it).
 * - Other findings give new indicators, labelled `exhunt-discovered`: the SHA-256 and the path of
 *   a file found `compromised` (a web shell, a dump), and the client address of `attempted` or
 *   `compromised` findings of medium severity or more, unless it is not a public address
 *   (internal addresses say nothing to partners and may say too much about the victim).
 * - Sightings carry first/last seen and count; they name no host. `where_sighted_refs` names the
 *   organisation only when one is given (`--where NAME`).
 * Every object generated here is marked with one TLP (default TLP:AMBER: a sighting tells who was
 * hit).
 */
import type { Indicator, IndicatorType, Tlp } from '../model.js';
import { formatCidr, isNonPublic, normalizeValue, parseCidr } from '../normalize/index.js';
import { tlpMarkingId } from '../tlp.js';
import { indicatorStixId, newId, uuidv5 } from './ids.js';
import type { ShareOptions } from './select.js';
import { shareable } from './select.js';
import type { StixObject } from './stix.js';
import { bundle, EXHUNT_IDENTITY_ID, stixIndicator, stixPattern, stixTime } from './stix.js';

/** The fields of a finding this module reads (a subset of the JSON Lines schema). */
export interface FindingLike {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: string;
  readonly outcome: string;
  readonly time: string | null;
  readonly clientIp: string | null;
  readonly source: { readonly path: string; readonly line: number | null; readonly kind: string };
  readonly evidence: Readonly<Record<string, string>>;
}

export interface SightingOptions extends ShareOptions {
  /** TLP of the generated sightings and discovered indicators (default amber). */
  readonly tlp?: Tlp;
  /** Organisation where the sightings happened (an identity is created), or none. */
  readonly where?: string | null;
  /** Looks an indicator up by type and normalised value (store + bundled pack). */
  readonly lookup: (type: IndicatorType, value: string) => Indicator | null;
}

export interface SightingsResult {
  readonly bundle: StixObject;
  readonly sightings: number;
  readonly indicators: number;
  readonly discovered: number;
  /** Findings whose indicator may not be shared (TLP) and that were left out. */
  readonly withheld: number;
  /** Lines of the findings file that are not findings, with why. */
  readonly errors: readonly string[];
}

/** Reads findings from JSON Lines text; bad lines are reported, not fatal. */
export function parseFindings(text: string, file: string): { findings: FindingLike[]; errors: string[] } {
  const findings: FindingLike[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      errors.push(`${file}:${i + 1}: not JSON`);
      return;
    }
    const f = v as Partial<FindingLike> | null;
    if (!f || typeof f !== 'object' || typeof f.ruleId !== 'string' || !f.source || typeof f.evidence !== 'object') {
      errors.push(`${file}:${i + 1}: not an exhunt finding (no ruleId/source/evidence)`);
      return;
    }
    findings.push(f as FindingLike);
  });
  return { findings, errors };
}

interface Group {
  readonly indicator: StixObject;
  readonly times: string[];
  count: number;
  readonly rules: Set<string>;
}

export function sightingsBundle(findings: readonly FindingLike[], options: SightingOptions): Omit<SightingsResult, 'errors'> {
  const tlp = options.tlp ?? 'amber';
  const marking = [tlpMarkingId(tlp)];
  const groups = new Map<string, Group>();
  let withheld = 0;
  let discovered = 0;
  const add = (indicator: StixObject, f: FindingLike): void => {
    const id = indicator.id as string;
    let g = groups.get(id);
    if (!g) {
      g = { indicator, times: [], count: 0, rules: new Set() };
      groups.set(id, g);
    }
    g.count++;
    g.rules.add(f.ruleId);
    if (f.time) g.times.push(f.time);
  };
  const discover = (type: IndicatorType, raw: string, f: FindingLike, confidence: number): void => {
    const n = normalizeValue(type, raw);
    if (!n.ok) return;
    const known = options.lookup(n.type, n.value);
    if (known) {
      const s = shareable(known, options);
      if (s) {
        add(stixIndicator(s), f);
        return;
      }
    }
    const { pattern, patternType } = stixPattern({ type: n.type, value: n.value, display: raw });
    const time = stixTime(f.time ?? new Date().toISOString());
    discovered += groups.has(indicatorStixId(n.type, n.value)) ? 0 : 1;
    add(
      {
        type: 'indicator',
        spec_version: '2.1',
        id: indicatorStixId(n.type, n.value),
        created_by_ref: EXHUNT_IDENTITY_ID,
        created: time,
        modified: time,
        name: `${n.type} ${raw}`.slice(0, 250),
        description: `Found by exhunt: ${f.title} (${f.ruleId}).`,
        indicator_types: ['malicious-activity'],
        pattern,
        pattern_type: patternType,
        pattern_version: '2.1',
        valid_from: time,
        confidence,
        labels: ['exhunt-discovered'],
        object_marking_refs: marking,
        x_exhunt_type: n.type,
        x_exhunt_value: raw,
      },
      f,
    );
  };
  for (const f of findings) {
    if (f.ruleId.startsWith('intel.')) {
      const type = f.ruleId.slice('intel.'.length) as IndicatorType;
      const raw = f.evidence.Indicator;
      if (!raw) continue;
      const n = normalizeValue(type, raw);
      const known = n.ok ? options.lookup(n.type, n.value) : null;
      const s = known ? shareable(known, options) : null;
      if (!s) {
        withheld++;
        continue;
      }
      add(stixIndicator(s), f);
      continue;
    }
    const serious = f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical';
    if (f.outcome === 'compromised' && f.source.kind === 'file') {
      const sha = f.evidence.SHA256;
      if (sha && /^[0-9a-f]{64}$/i.test(sha)) discover('sha256', sha, f, 80);
      const path = f.evidence.Path;
      if (path) discover('filepath', path, f, 70);
    }
    if (f.clientIp && serious && (f.outcome === 'attempted' || f.outcome === 'compromised')) {
      const c = parseCidr(f.clientIp.replace(/:\d+$/, ''));
      if (c && c.prefix === c.bytes.length * 8 && !isNonPublic(c)) discover(c.version === 4 ? 'ipv4' : 'ipv6', formatCidr(c), f, f.outcome === 'compromised' ? 70 : 50);
    }
  }
  const objects: StixObject[] = [];
  let whereId: string | null = null;
  if (options.where) {
    whereId = `identity--${uuidv5(`identity|${options.where}`)}`;
    objects.push({
      type: 'identity',
      spec_version: '2.1',
      id: whereId,
      created: '2021-03-02T00:00:00.000Z',
      modified: '2021-03-02T00:00:00.000Z',
      name: options.where,
      identity_class: 'organization',
      object_marking_refs: marking,
    });
  }
  const now = stixTime(new Date().toISOString());
  for (const g of groups.values()) {
    objects.push(g.indicator);
    const times = g.times.map(stixTime).sort();
    objects.push({
      type: 'sighting',
      spec_version: '2.1',
      id: newId('sighting'),
      created_by_ref: EXHUNT_IDENTITY_ID,
      created: now,
      modified: now,
      ...(times.length ? { first_seen: times[0], last_seen: times[times.length - 1] } : {}),
      count: g.count,
      sighting_of_ref: g.indicator.id,
      ...(whereId ? { where_sighted_refs: [whereId] } : {}),
      description: `Seen by exhunt in ${g.count} finding${g.count === 1 ? '' : 's'} (${[...g.rules].sort().join(', ')}).`,
      object_marking_refs: marking,
    });
  }
  return { bundle: bundle(objects), sightings: groups.size, indicators: groups.size, discovered, withheld };
}
