/**
 * @module STIX 2.1 (and 2.0) JSON: bundles, TAXII envelopes, bare arrays of objects.
 *
 * - `indicator` objects: the pattern is parsed ({@link parsePattern}) and translated
 *   ({@link translatePattern}); `pattern_type` `yara` gives a kept YARA rule, other non-STIX
 *   pattern types are skipped with the reason. `valid_from`, `valid_until`, `revoked`,
 *   `confidence`, `labels`, `indicator_types`, `created_by_ref` and `object_marking_refs` (TLP 1.0
 *   and 2.0 definitions, from the bundle or the well-known ids) go into the provenance; sightings
 *   of an indicator in the same bundle give its first/last seen.
 * - Several versions of one object: the latest `modified` wins, the others count as superseded.
 * - Cyber-observables (`ipv4-addr`, `domain-name`, `url`, `file`, `email-addr`...) become
 *   indicators when an `observed-data` holds them or a relationship ties them to malware,
 *   infrastructure, a threat actor, intrusion set, campaign or tool; other observables are
 *   skipped with that reason (a victim's address is an observable too).
 * - exhunt's own export carries `x_exhunt_type`/`x_exhunt_value`/`x_exhunt_attrs` on each
 *   indicator, read first so that exhunt-only types (regexes, log strings) round-trip exactly.
 * - STIX 1.x XML is refused with a clear message.
 */
import type { IndicatorAttrs, ItemLocation, ProvenanceInput, Tlp } from '../../model.js';
import { isIndicatorType } from '../../model.js';
import { parseTlp, stricterTlp, TLP2_EXTENSION_ID } from '../../tlp.js';
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { FormatError } from '../types.js';
import { asArray, asObject, asString, parseJson } from '../json.js';
import { PatternError, parsePattern } from './pattern/parser.js';
import { translatePattern } from './translate.js';

const MALICIOUS_SDOS = new Set(['malware', 'infrastructure', 'threat-actor', 'intrusion-set', 'campaign', 'tool', 'attack-pattern']);

type Obj = Record<string, unknown>;

export interface StixReader extends FormatReader {
  /** Translates one pattern into indicators (also used for MISP `stix2-pattern` attributes). */
  readPattern(pattern: string, at: ItemLocation, provenance: ProvenanceInput, emit: Emitter): Promise<void>;
}

export const stixReader: StixReader = {
  name: 'stix',

  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
    const head = text.replace(/^\uFEFF/, '').trimStart();
    if (head.startsWith('<')) {
      throw new FormatError(
        /STIX_Package|stix\.mitre\.org/.test(head.slice(0, 4096))
          ? 'STIX 1.x XML is not supported: convert it to STIX 2.1 first (for example with the OASIS stix2-elevator)'
          : 'XML is not a STIX 2 document',
        { file: ctx.file, line: 1 },
      );
    }
    const data = parseJson(text, ctx.file);
    const { objects, base } = objectsOf(data, ctx.file);
    const latest = new Map<string, { obj: Obj; index: number }>();
    objects.forEach((o, index) => {
      const obj = asObject(o);
      if (!obj) {
        emit.skip('bad-object', 'not a JSON object', { file: ctx.file, path: `${base}[${index}]` });
        return;
      }
      const id = asString(obj.id);
      if (!id) {
        emit.skip('bad-object', 'object without an "id"', { file: ctx.file, path: `${base}[${index}]` });
        return;
      }
      const prev = latest.get(id);
      if (!prev) {
        latest.set(id, { obj, index });
        return;
      }
      const older = versionOf(prev.obj) <= versionOf(obj) ? prev : { obj, index };
      const newer = older === prev ? { obj, index } : prev;
      latest.set(id, newer);
      emit.superseded({ file: ctx.file, path: `${base}[${older.index}]` });
    });
    const all = [...latest.values()].sort((a, b) => a.index - b.index);
    const byId = new Map(all.map((e) => [asString(e.obj.id)!, e.obj]));

    const markings = new Map<string, Tlp>();
    for (const { obj } of all) {
      if (obj.type !== 'marking-definition') continue;
      const tlp = markingTlp(obj);
      if (tlp) markings.set(asString(obj.id)!, tlp);
    }
    const tlpOf = (o: Obj): Tlp | null => {
      let tlp: Tlp | null = null;
      for (const ref of asArray(o.object_marking_refs)) {
        if (typeof ref === 'string') tlp = stricterTlp(tlp, markings.get(ref) ?? parseTlp(ref));
      }
      return tlp;
    };
    const names = new Map<string, string>();
    for (const { obj } of all) if (obj.type === 'identity' && asString(obj.name)) names.set(asString(obj.id)!, asString(obj.name)!);
    const sightings = new Map<string, { first: string | null; last: string | null }>();
    for (const { obj } of all) {
      if (obj.type !== 'sighting') continue;
      const of = asString(obj.sighting_of_ref);
      if (!of) continue;
      const s = sightings.get(of) ?? { first: null, last: null };
      const f = asString(obj.first_seen) ?? asString(obj.created) ?? null;
      const l = asString(obj.last_seen) ?? f;
      if (f && (!s.first || f < s.first)) s.first = f;
      if (l && (!s.last || l > s.last)) s.last = l;
      sightings.set(of, s);
    }

    for (const { obj, index } of all) {
      if (obj.type !== 'indicator') continue;
      const at: ItemLocation = { file: ctx.file, path: `${base}[${index}]` };
      const id = asString(obj.id)!;
      const seen = sightings.get(id);
      const createdBy = asString(obj.created_by_ref);
      const provenance: ProvenanceInput = {
        ref: id,
        version: versionOf(obj) || null,
        validFrom: isoOf(obj.valid_from),
        validUntil: isoOf(obj.valid_until),
        revoked: obj.revoked === true,
        confidence: typeof obj.confidence === 'number' && obj.confidence >= 0 && obj.confidence <= 100 ? Math.round(obj.confidence) : null,
        tlp: tlpOf(obj),
        tags: [
          ...asArray(obj.labels).filter((l): l is string => typeof l === 'string'),
          ...asArray(obj.indicator_types).filter((l): l is string => typeof l === 'string'),
          ...(createdBy && names.has(createdBy) ? [`by:${names.get(createdBy)!}`] : []),
        ],
        description: asString(obj.name) ?? asString(obj.description) ?? null,
        firstSeen: seen?.first ?? null,
        lastSeen: seen?.last ?? null,
      };
      const own = asString(obj.x_exhunt_type);
      const ownValue = asString(obj.x_exhunt_value);
      if (own && ownValue !== undefined && isIndicatorType(own)) {
        const attrs = asObject(obj.x_exhunt_attrs) as IndicatorAttrs | undefined;
        await emit.indicator(own, ownValue, at, provenance, attrs ?? null);
        continue;
      }
      const patternType = asString(obj.pattern_type) ?? 'stix';
      const pattern = asString(obj.pattern);
      if (!pattern) {
        emit.skip('bad-object', 'indicator without a "pattern"', at);
        continue;
      }
      if (patternType === 'yara') {
        await emit.indicator('yara', pattern, { ...at, path: `${at.path ?? ''}.pattern` }, provenance, { reason: 'STIX indicator with pattern_type yara' });
        continue;
      }
      if (patternType !== 'stix') {
        emit.skip('unsupported-pattern-type', `pattern_type "${patternType}" is not evaluated by exhunt`, at);
        continue;
      }
      await stixReader.readPattern(pattern, { ...at, path: `${at.path ?? ''}.pattern` }, provenance, emit);
    }

    await readObservables(all, byId, ctx, base, tlpOf, emit);
  },

  async readPattern(pattern: string, at: ItemLocation, provenance: ProvenanceInput, emit: Emitter): Promise<void> {
    let tree;
    try {
      tree = parsePattern(pattern);
    } catch (e) {
      if (e instanceof PatternError) {
        emit.skip('pattern-syntax', `pattern syntax error: ${e.message}`, at);
        return;
      }
      throw e;
    }
    const t = translatePattern(tree);
    if (t.unknownPaths.length > 0) {
      emit.skip('unknown-object-path', `unknown object path ${t.unknownPaths.join('; ')}`, at);
      return;
    }
    for (const atom of t.atoms) await emit.indicator(atom.type, atom.raw, at, provenance, atom.attrs ?? null);
    if (t.keep) await emit.indicator('stix-pattern', pattern, at, provenance, { reason: t.keep });
  },
};

function objectsOf(data: unknown, file: string): { objects: unknown[]; base: string } {
  if (Array.isArray(data)) return { objects: data, base: '$' };
  const root = asObject(data);
  if (!root) throw new FormatError('expected a STIX bundle, a TAXII envelope or an array of STIX objects', { file, path: '$' });
  if (Array.isArray(root.objects)) return { objects: root.objects, base: '$.objects' };
  if (root.type === 'bundle') return { objects: [], base: '$.objects' };
  if (typeof root.type === 'string' && typeof root.id === 'string') return { objects: [root], base: '$' };
  throw new FormatError('no "objects" array: not a STIX bundle or TAXII envelope', { file, path: '$' });
}

function versionOf(o: Obj): string {
  return asString(o.modified) ?? asString(o.created) ?? '';
}

function isoOf(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function markingTlp(o: Obj): Tlp | null {
  const known = parseTlp(asString(o.id));
  if (known) return known;
  const def = asObject(o.definition);
  if (def && typeof def.tlp === 'string') return parseTlp(def.tlp);
  const ext = asObject(asObject(o.extensions)?.[TLP2_EXTENSION_ID]);
  if (ext && typeof ext.tlp_2_0 === 'string') return parseTlp(ext.tlp_2_0);
  const name = asString(o.name);
  return name && /^tlp:/i.test(name) ? parseTlp(name) : null;
}

const SCO_TYPES = new Set(['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file']);

async function readObservables(
  all: { obj: Obj; index: number }[],
  byId: Map<string, Obj>,
  ctx: ReadContext,
  base: string,
  tlpOf: (o: Obj) => Tlp | null,
  emit: Emitter,
): Promise<void> {
  // Why each observable is of interest: the SDOs it is tied to, or the observed-data holding it.
  const why = new Map<string, Set<string>>();
  const note = (id: string, reason: string): void => {
    const s = why.get(id) ?? new Set<string>();
    s.add(reason);
    why.set(id, s);
  };
  for (const { obj } of all) {
    if (obj.type === 'relationship') {
      const src = asString(obj.source_ref) ?? '';
      const dst = asString(obj.target_ref) ?? '';
      for (const [a, b] of [
        [src, dst],
        [dst, src],
      ] as const) {
        const sdo = byId.get(a);
        if (sdo && MALICIOUS_SDOS.has(String(sdo.type)) && SCO_TYPES.has(b.split('--')[0] ?? '')) {
          note(b, `${String(sdo.type)} ${asString(sdo.name) ?? a} (${asString(obj.relationship_type) ?? 'related'})`);
        }
      }
    }
    if (obj.type === 'observed-data') {
      for (const ref of asArray(obj.object_refs)) if (typeof ref === 'string') note(ref, 'observed-data');
    }
  }
  const provFor = (sco: Obj, id: string, version: string | null): ProvenanceInput => ({
    ref: id,
    version,
    tlp: tlpOf(sco),
    tags: ['stix:observable'],
    description: [...(why.get(id) ?? [])].join('; ') || null,
  });
  for (const { obj, index } of all) {
    const at: ItemLocation = { file: ctx.file, path: `${base}[${index}]` };
    if (obj.type === 'observed-data') {
      // STIX 2.0 embeds its observables.
      const embedded = asObject(obj.objects);
      if (embedded) {
        for (const [k, v] of Object.entries(embedded)) {
          const sco = asObject(v);
          if (sco) await emitSco(sco, { ...at, path: `${at.path ?? ''}.objects.${k}` }, { ...provFor(sco, `${asString(obj.id) ?? ''}/${k}`, versionOf(obj) || null), description: 'observed-data' }, emit);
        }
      }
      continue;
    }
    const type = String(obj.type);
    if (!SCO_TYPES.has(type)) continue;
    const id = asString(obj.id)!;
    if (!why.has(id)) {
      emit.skip('not-an-indicator', `${type} observable is not tied to malicious activity (no observed-data or relationship)`, at);
      continue;
    }
    await emitSco(obj, at, provFor(obj, id, null), emit);
  }
}

async function emitSco(sco: Obj, at: ItemLocation, provenance: ProvenanceInput, emit: Emitter): Promise<void> {
  const value = asString(sco.value);
  switch (sco.type) {
    case 'ipv4-addr':
    case 'ipv6-addr':
      if (value) await emit.indicator(sco.type === 'ipv4-addr' ? 'ipv4' : 'ipv6', value, at, provenance);
      return;
    case 'domain-name':
      if (value) await emit.indicator('domain', value, at, provenance);
      return;
    case 'url':
      if (value) await emit.indicator('url', value, at, provenance);
      return;
    case 'email-addr':
      if (value) await emit.indicator('email', value, at, provenance);
      return;
    case 'file': {
      const hashes = asObject(sco.hashes) ?? {};
      let any = false;
      for (const [alg, h] of Object.entries(hashes)) {
        const t = ({ MD5: 'md5', 'SHA-1': 'sha1', SHA1: 'sha1', 'SHA-256': 'sha256', SHA256: 'sha256', 'SHA-512': 'sha512', SHA512: 'sha512' } as const)[alg.toUpperCase() as 'MD5'];
        if (t && typeof h === 'string') {
          any = true;
          await emit.indicator(t, h, { ...at, path: `${at.path ?? ''}.hashes.${alg}` }, provenance);
        }
      }
      const name = asString(sco.name);
      if (!any && name) await emit.indicator('filename', name, at, provenance);
      if (!any && !name) emit.skip('no-value', 'file observable without hashes or name', at);
      return;
    }
    default:
      return;
  }
}
