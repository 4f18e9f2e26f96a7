/**
 * @module MISP event JSON: a single event (`{"Event": {...}}`, or the event object itself), the
 * REST answer (`{"response": [{"Event": ...}]}`) and a feed (`manifest.json` plus one
 * `<uuid>.json` per event beside it).
 *
 * Attributes and the attributes of objects are read alike. Only `to_ids` attributes are
 * indicators unless `--misp-all` is given (the others are MISP's context: skipped with reason
 * `not-to-ids`). Deleted attributes are skipped. Tags of the event and of the attribute become
 * tags; `tlp:*` tags give the TLP (the attribute's own, else the event's, the stricter of both).
 * `first_seen`/`last_seen` of the attribute, else its sightings, give first/last seen; an
 * expiration sighting gives `valid_until`; false-positive sightings are counted in the tags. The
 * attribute uuid is the reference and its timestamp the version, so a re-published event
 * replaces what its attributes said before.
 */
import type { IndicatorAttrs, IndicatorType, ItemLocation, ProvenanceInput, Tlp } from '../../model.js';
import { isIndicatorType } from '../../model.js';
import { parseTlp, stricterTlp } from '../../tlp.js';
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { FormatError } from '../types.js';
import { asArray, asObject, asString, parseJson } from '../json.js';
import { mapMispAttribute } from './types-map.js';
import { stixReader } from '../stix/bundle.js';

export const mispReader: FormatReader = {
  name: 'misp',
  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
    const data = parseJson(text, ctx.file);
    const root = asObject(data);
    if (!root) throw new FormatError('expected a MISP event object', { file: ctx.file, path: '$' });
    if (isManifest(root)) {
      await readFeed(root, ctx, emit);
      return;
    }
    const events = eventsOf(root);
    if (events.length === 0) throw new FormatError('no MISP event found (expected "Event", "response" or attributes)', { file: ctx.file, path: '$' });
    for (const { event, path } of events) await readEvent(event, ctx.file, path, ctx, emit);
  },
};

/** A feed manifest: an object whose values are event summaries keyed by uuid. */
export function isManifest(root: Record<string, unknown>): boolean {
  const keys = Object.keys(root);
  if (keys.length === 0 || keys.includes('Event') || keys.includes('response')) return false;
  return keys.slice(0, 5).every((k) => /^[0-9a-f-]{36}$/i.test(k) && !!asObject(root[k]) && ('info' in asObject(root[k])! || 'timestamp' in asObject(root[k])!));
}

function eventsOf(root: Record<string, unknown>): { event: Record<string, unknown>; path: string }[] {
  if (Array.isArray(root.response)) {
    return root.response
      .map((r, i) => ({ event: asObject(asObject(r)?.Event), path: `$.response[${i}].Event` }))
      .filter((e): e is { event: Record<string, unknown>; path: string } => !!e.event);
  }
  const ev = asObject(root.Event);
  if (ev) return [{ event: ev, path: '$.Event' }];
  if (Array.isArray(root.Attribute) || Array.isArray(root.Object)) return [{ event: root, path: '$' }];
  return [];
}

async function readFeed(manifest: Record<string, unknown>, ctx: ReadContext, emit: Emitter): Promise<void> {
  if (!ctx.sibling) throw new FormatError('a MISP feed manifest needs its event files beside it', { file: ctx.file });
  for (const uuid of Object.keys(manifest).sort()) {
    const name = `${uuid}.json`;
    let text: string | null;
    try {
      text = await ctx.sibling(name);
    } catch (e) {
      emit.skip('bad-object', `event file ${name}: ${e instanceof Error ? e.message : String(e)}`, { file: ctx.file, path: `$["${uuid}"]` });
      continue;
    }
    if (text === null) {
      emit.skip('bad-object', `event file ${name} listed in the manifest is missing`, { file: ctx.file, path: `$["${uuid}"]` });
      continue;
    }
    const file = `${ctx.file.replace(/[^/\\]*$/, '')}${name}`;
    let root: Record<string, unknown> | undefined;
    try {
      root = asObject(parseJson(text, file));
    } catch (e) {
      emit.skip('bad-object', e instanceof Error ? e.message : String(e), { file });
      continue;
    }
    const events = root ? eventsOf(root) : [];
    if (events.length === 0) emit.skip('bad-object', 'no MISP event in the file', { file, path: '$' });
    for (const { event, path } of events) await readEvent(event, file, path, ctx, emit);
  }
}

function tagNames(v: unknown): string[] {
  return asArray(v)
    .map((t) => asString(asObject(t)?.name))
    .filter((t): t is string => !!t);
}

function tlpOfTags(tags: readonly string[]): Tlp | null {
  let tlp: Tlp | null = null;
  for (const t of tags) if (/^tlp:/i.test(t)) tlp = stricterTlp(tlp, parseTlp(t));
  return tlp;
}

function epochIso(v: unknown): string | null {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : null;
}

function isoOf(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true' || v === 'True';
}

async function readEvent(event: Record<string, unknown>, file: string, path: string, ctx: ReadContext, emit: Emitter): Promise<void> {
  const eventTags = tagNames(event.Tag);
  const eventTlp = tlpOfTags(eventTags);
  const info = asString(event.info) ?? '';
  const eventUuid = asString(event.uuid) ?? '';
  const attrs: { attr: Record<string, unknown>; path: string; object: string | null }[] = [];
  asArray(event.Attribute).forEach((a, i) => {
    const attr = asObject(a);
    if (attr) attrs.push({ attr, path: `${path}.Attribute[${i}]`, object: null });
  });
  asArray(event.Object).forEach((o, oi) => {
    const obj = asObject(o);
    if (!obj) return;
    if (truthy(obj.deleted)) return;
    asArray(obj.Attribute).forEach((a, i) => {
      const attr = asObject(a);
      if (attr) attrs.push({ attr, path: `${path}.Object[${oi}].Attribute[${i}]`, object: asString(obj.name) ?? 'object' });
    });
  });
  for (const { attr, path: aPath, object } of attrs) {
    const at: ItemLocation = { file, path: aPath };
    const type = asString(attr.type);
    const value = asString(attr.value);
    if (!type || value === undefined) {
      emit.skip('bad-object', 'attribute without a type or value', at);
      continue;
    }
    if (truthy(attr.deleted)) {
      emit.skip('deleted', 'attribute is marked deleted', at);
      continue;
    }
    if (!truthy(attr.to_ids) && !ctx.options.mispAll) {
      emit.skip('not-to-ids', `MISP to_ids is false for ${type} (use --misp-all to import it)`, at);
      continue;
    }
    const own = exhuntComment(type, asString(attr.comment));
    const mapped = own ? { parts: [{ type: own.type, raw: value }] } : mapMispAttribute(type, value);
    if ('unsupported' in mapped) {
      emit.skip('unsupported-type', mapped.unsupported, at);
      continue;
    }
    const attrTags = tagNames(attr.Tag);
    const sightings = asArray(attr.Sighting).map(asObject).filter((s): s is Record<string, unknown> => !!s);
    const seen = sightings.filter((s) => String(asString(s.type) ?? (typeof s.type === 'number' ? s.type : '0')) === '0').map((s) => epochIso(s.date_sighting)).filter((d): d is string => !!d).sort();
    const falsePositives = sightings.filter((s) => String(asString(s.type) ?? (typeof s.type === 'number' ? s.type : '')) === '1').length;
    const expiry = sightings.filter((s) => String(asString(s.type) ?? (typeof s.type === 'number' ? s.type : '')) === '2').map((s) => epochIso(s.date_sighting)).filter((d): d is string => !!d).sort();
    const tags = [...new Set([...eventTags, ...attrTags, ...(object ? [`misp-object:${object}`] : []), ...(asString(attr.category) ? [`misp-category:${asString(attr.category)!}`] : [])])];
    if (seen.length > 0) tags.push(`misp:sightings=${seen.length}`);
    if (falsePositives > 0) tags.push(`misp:false-positives=${falsePositives}`);
    const description = [info, asString(attr.comment)].filter(Boolean).join(' — ') || null;
    const provenance: ProvenanceInput = {
      ref: asString(attr.uuid) ?? `${eventUuid}:${asString(attr.id) ?? (typeof attr.id === 'number' ? String(attr.id) : aPath)}`,
      version: epochIso(attr.timestamp),
      firstSeen: isoOf(attr.first_seen) ?? seen[0] ?? null,
      lastSeen: isoOf(attr.last_seen) ?? seen[seen.length - 1] ?? null,
      tlp: stricterTlp(tlpOfTags(attrTags), eventTlp),
      tags,
      description,
      ...(expiry.length > 0 ? { validUntil: expiry[0]! } : {}),
    };
    for (const part of mapped.parts) {
      const prov = { ...provenance, description: [description, part.note].filter(Boolean).join('; ') || null };
      if (own) {
        await emit.indicator(own.type, part.raw, at, { ...prov, description: description?.replace(/^exhunt:[^\n]*\n?/, '') || null }, own.attrs);
      } else if (part.type === 'stix-pattern') {
        // A STIX pattern attribute: translated like a STIX indicator.
        await stixReader.readPattern(part.raw, at, prov, emit);
      } else {
        await emit.indicator(part.type, part.raw, at, prov);
      }
    }
  }
}

/** exhunt's export writes types MISP lacks as `other` with a comment `exhunt:{"type":...}`. */
function exhuntComment(type: string, comment: string | undefined): { type: IndicatorType; attrs: IndicatorAttrs | null } | null {
  if (type !== 'other' || !comment?.startsWith('exhunt:')) return null;
  try {
    const v = JSON.parse(comment.slice('exhunt:'.length).split('\n')[0] ?? '') as { type?: unknown; attrs?: unknown };
    if (typeof v.type !== 'string' || !isIndicatorType(v.type)) return null;
    return { type: v.type, attrs: v.attrs && typeof v.attrs === 'object' ? (v.attrs) : null };
  } catch {
    return null;
  }
}
