/**
 * @module CSV indicator lists, and the JSON twin of Microsoft's feed.
 *
 * Layouts recognised from the header row (case-insensitive):
 * - Microsoft MSTIC feed: `DateAdded,FirstSeen,Indicator,IndicatorType,TLP` (IndicatorType
 *   `sha256`, `filepath`, ...); its JSON twin (an array of the same keys plus `ThreatType` and
 *   `AdditionalMetadata.FileMd5/FileSha1`, which become MD5 and SHA-1 indicators of the same file);
 * - exhunt's own export (`type,value,display,...`), so export → import round-trips;
 * - MISP CSV exports (`uuid,event_id,category,type,value,...,to_ids`), `to_ids` honoured;
 * - any CSV with a value column (`value`, `indicator`, `ioc`, `observable`...) and optionally a
 *   type column (`type`, `indicator_type`, `ioc_type`...) — Volexity's `value,type,notes`;
 * - any CSV at all with `--map value=COLUMN[,type=COLUMN,...]` (column names or 1-based numbers).
 * Rows whose type is missing are typed by inference; rows whose type exhunt does not know are
 * skipped with the reason.
 */
import type { IndicatorAttrs, IndicatorType, ItemLocation, ProvenanceInput } from '../../model.js';
import { isIndicatorType } from '../../model.js';
import { typeFromName } from '../../normalize/index.js';
import { parseTlp } from '../../tlp.js';
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { FormatError } from '../types.js';
import { mapMispAttribute } from '../misp/types-map.js';
import { parseJson } from '../json.js';
import { parseCsv } from './parse.js';

/** Roles a column can play. */
export const CSV_ROLES = [
  'value',
  'type',
  'tlp',
  'first_seen',
  'last_seen',
  'confidence',
  'tags',
  'description',
  'valid_from',
  'valid_until',
  'revoked',
  'attrs',
  'to_ids',
  'ref',
  'display',
  'source',
] as const;
export type CsvRole = (typeof CSV_ROLES)[number];

type Layout = 'mstic' | 'exhunt' | 'misp' | 'generic';

const VALUE_NAMES = ['value', 'indicator', 'ioc', 'observable', 'indicator_value', 'ioc_value', 'artifact'];
const TYPE_NAMES = ['type', 'indicatortype', 'indicator_type', 'ioc_type', 'ioctype', 'observable_type', 'kind'];
const ROLE_ALIASES: Readonly<Record<string, CsvRole>> = {
  tlp: 'tlp',
  firstseen: 'first_seen',
  first_seen: 'first_seen',
  lastseen: 'last_seen',
  last_seen: 'last_seen',
  confidence: 'confidence',
  tags: 'tags',
  notes: 'description',
  note: 'description',
  comment: 'description',
  description: 'description',
  valid_from: 'valid_from',
  dateadded: 'valid_from',
  valid_until: 'valid_until',
  revoked: 'revoked',
  attrs: 'attrs',
  to_ids: 'to_ids',
  ref: 'ref',
  display: 'display',
  source: 'source',
};

interface Columns {
  readonly layout: Layout;
  readonly index: Partial<Record<CsvRole, number>>;
}

function resolveColumns(header: readonly string[], map: Readonly<Record<string, string>> | undefined, file: string): Columns {
  const lower = header.map((h) => h.trim().toLowerCase());
  const find = (names: readonly string[]): number | undefined => {
    for (const n of names) {
      const i = lower.indexOf(n);
      if (i >= 0) return i;
    }
    return undefined;
  };
  const index: Partial<Record<CsvRole, number>> = {};
  if (map && Object.keys(map).length > 0) {
    for (const [role, col] of Object.entries(map)) {
      if (!(CSV_ROLES as readonly string[]).includes(role)) throw new FormatError(`--map: unknown role "${role}" (roles: ${CSV_ROLES.join(', ')})`);
      const i = /^\d+$/.test(col) ? Number(col) - 1 : lower.indexOf(col.trim().toLowerCase());
      if (i < 0 || i >= header.length) throw new FormatError(`--map: no column "${col}" in the header of ${file}`);
      index[role as CsvRole] = i;
    }
    if (index.value === undefined) throw new FormatError('--map needs value=COLUMN');
    return { layout: 'generic', index };
  }
  let layout: Layout = 'generic';
  if (lower.includes('indicator') && lower.includes('indicatortype')) layout = 'mstic';
  else if (lower[0] === 'type' && lower[1] === 'value' && lower[2] === 'display') layout = 'exhunt';
  else if (lower.includes('uuid') && lower.includes('category') && lower.includes('to_ids') && lower.includes('value')) layout = 'misp';
  index.value = find(VALUE_NAMES);
  index.type = find(TYPE_NAMES);
  lower.forEach((h, i) => {
    const role = ROLE_ALIASES[h];
    if (role && index[role] === undefined) index[role] = i;
  });
  if (layout === 'misp') index.description = lower.indexOf('comment') >= 0 ? lower.indexOf('comment') : index.description;
  if (index.value === undefined) {
    throw new FormatError(`no value column in the CSV header (${header.join(',').slice(0, 200)}); name one with --map value=COLUMN`, { file, line: 1 });
  }
  return { layout, index };
}

export const csvReader: FormatReader = {
  name: 'csv',
  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
    if (/^\s*[[{]/.test(text.replace(/^\uFEFF/, ''))) {
      await readMsticJson(text, ctx, emit);
      return;
    }
    const rows = parseCsv(text);
    const first = rows.next();
    if (first.done) return;
    const header = first.value.fields;
    const cols = resolveColumns(header, ctx.options.csvMap, ctx.file);
    for (const row of rows) {
      const at: ItemLocation = { file: ctx.file, line: row.line };
      const get = (role: CsvRole): string | undefined => {
        const i = cols.index[role];
        // exhunt's own export is exact: values are not trimmed (a regex may end in a space).
        return i === undefined ? undefined : cols.layout === 'exhunt' ? row.fields[i] : row.fields[i]?.trim();
      };
      const value = get('value');
      if (!value) {
        emit.skip('no-value', 'the value column is empty', at);
        continue;
      }
      const provenance: ProvenanceInput = {
        ref: cols.layout === 'misp' ? (row.fields[lowerIndex(header, 'uuid')] ?? '') : (get('ref') ?? ''),
        firstSeen: isoOrNull(get('first_seen')),
        lastSeen: isoOrNull(get('last_seen')),
        validFrom: isoOrNull(get('valid_from')),
        validUntil: isoOrNull(get('valid_until')),
        tlp: parseTlp(get('tlp')),
        confidence: confidenceOf(get('confidence')),
        tags: tagsOf(get('tags'), get('source')),
        description: get('description') || null,
        ...(get('revoked') !== undefined ? { revoked: /^(1|true|yes)$/i.test(get('revoked') ?? '') } : {}),
      };
      if (cols.layout === 'misp') {
        const toIds = get('to_ids');
        if (toIds !== undefined && !/^(1|true)$/i.test(toIds) && !ctx.options.mispAll) {
          emit.skip('not-to-ids', 'MISP to_ids is false (use --misp-all to import it)', at);
          continue;
        }
        const mapped = mapMispAttribute(get('type') ?? '', value);
        if ('unsupported' in mapped) {
          emit.skip('unsupported-type', mapped.unsupported, at);
          continue;
        }
        for (const part of mapped.parts) {
          await emit.indicator(part.type, part.raw, at, { ...provenance, description: [provenance.description, part.note].filter(Boolean).join('; ') || null });
        }
        continue;
      }
      let attrs: IndicatorAttrs | null = null;
      const attrsText = get('attrs');
      if (attrsText) {
        try {
          attrs = JSON.parse(attrsText) as IndicatorAttrs;
        } catch {
          emit.skip('bad-row', 'the attrs column is not JSON', at);
          continue;
        }
      }
      const typeText = get('type');
      const type: IndicatorType | 'infer' | null =
        typeText === undefined || typeText === '' ? (ctx.options.type ?? 'infer') : isIndicatorType(typeText) ? typeText : typeFromName(typeText);
      if (type === null) {
        emit.skip('unsupported-type', `type "${typeText ?? ''}" is not one exhunt knows`, at);
        continue;
      }
      // exhunt's own export: the display spelling, with the spreadsheet-formula guard undone.
      const raw = cols.layout === 'exhunt' ? unguard(get('display') || value) : value;
      if (type === 'infer') await emit.infer(raw, at, provenance);
      else await emit.indicator(type, raw, at, provenance, attrs);
    }
  },
};

/** exhunt's CSV writer prefixes `'` to cells starting with = + - @ TAB CR; this undoes it. */
function unguard(s: string): string {
  return /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s;
}

function lowerIndex(header: readonly string[], name: string): number {
  return header.findIndex((h) => h.trim().toLowerCase() === name);
}

function isoOrNull(s: string | undefined): string | null {
  if (!s) return null;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function confidenceOf(s: string | undefined): number | null {
  if (!s) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 && n <= 100 ? Math.round(n) : null;
}

function tagsOf(tags: string | undefined, source: string | undefined): string[] {
  const out = (tags ?? '')
    .split(/[;|]/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (source) out.push(`via:${source}`);
  return out;
}

interface MsticJsonEntry {
  readonly DateAdded?: unknown;
  readonly FirstSeen?: unknown;
  readonly Indicator?: unknown;
  readonly IndicatorType?: unknown;
  readonly TLP?: unknown;
  readonly ThreatType?: unknown;
  readonly AdditionalMetadata?: unknown;
}

/** The JSON twin of Microsoft's CSV feed: an array of objects with the CSV's keys. */
async function readMsticJson(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
  const data = parseJson(text, ctx.file);
  if (!Array.isArray(data)) throw new FormatError('expected a JSON array of feed entries', { file: ctx.file, path: '$' });
  for (let i = 0; i < data.length; i++) {
    const at: ItemLocation = { file: ctx.file, path: `$[${i}]` };
    const e = data[i] as MsticJsonEntry | null;
    if (!e || typeof e !== 'object' || typeof e.Indicator !== 'string') {
      emit.skip('bad-object', 'entry has no "Indicator" string', at);
      continue;
    }
    const typeName = typeof e.IndicatorType === 'string' ? e.IndicatorType : '';
    const type = isIndicatorType(typeName) ? typeName : typeFromName(typeName);
    if (type === null) {
      emit.skip('unsupported-type', `IndicatorType "${typeName}" is not one exhunt knows`, at);
      continue;
    }
    const provenance: ProvenanceInput = {
      ref: '',
      firstSeen: isoOrNull(typeof e.FirstSeen === 'string' ? e.FirstSeen : undefined),
      validFrom: isoOrNull(typeof e.DateAdded === 'string' ? e.DateAdded : undefined),
      tlp: parseTlp(typeof e.TLP === 'string' ? e.TLP : null),
      tags: typeof e.ThreatType === 'string' && e.ThreatType ? [e.ThreatType] : [],
    };
    if (type === 'infer') await emit.infer(e.Indicator, at, provenance);
    else await emit.indicator(type, e.Indicator, at, provenance);
    const meta = e.AdditionalMetadata;
    if (meta && typeof meta === 'object') {
      const m = meta as { FileMd5?: unknown; FileSha1?: unknown };
      const of = { ...provenance, description: `same file as ${e.Indicator}` };
      if (typeof m.FileMd5 === 'string' && m.FileMd5) await emit.indicator('md5', m.FileMd5, { ...at, path: `${at.path}.AdditionalMetadata.FileMd5` }, of);
      if (typeof m.FileSha1 === 'string' && m.FileSha1) await emit.indicator('sha1', m.FileSha1, { ...at, path: `${at.path}.AdditionalMetadata.FileSha1` }, of);
    }
  }
}
