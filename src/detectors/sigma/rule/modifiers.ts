/**
 * @module Value modifiers (specification appendix "Sigma Modifiers" 2.1): turns a detection
 * item's field key (`CommandLine|contains|all`) and raw YAML values into typed value tests.
 *
 * Transformation modifiers apply in the order written, each to every value, and one value may
 * become several alternatives (OR): `contains startswith endswith windash base64 base64offset
 * utf16le utf16be utf16 wide expand`. Type modifiers decide how values compare: `re` (with `i
 * m s`), `cidr`, `lt lte gt gte`, `fieldref`, `exists`, and the time components. `all` links the
 * values with AND, `cased` compares case-sensitively, `neq` negates the item.
 *
 * Problems are thrown as `ModifierProblem` (with a code), located by the caller.
 */
import type { SigmaErrorCode } from '../errors.js';
import { compileRegex } from '../regex/compile.js';
import { parseCidr } from '../values/cidr.js';
import { SigmaString } from '../values/sigma-string.js';
import type { StringPart } from '../values/sigma-string.js';
import type { TimePart } from '../values/time.js';
import { TIME_PARTS } from '../values/time.js';
import type { YamlValue } from '../yaml/located.js';
import type { DetectionItem, NumberOp, ValueTest } from './types.js';

export class ModifierProblem extends Error {
  readonly code: SigmaErrorCode;
  /** Index of the value the problem is about, when it is about one. */
  readonly valueIndex: number | undefined;
  constructor(code: SigmaErrorCode, message: string, valueIndex?: number) {
    super(message);
    this.code = code;
    this.valueIndex = valueIndex;
  }
}

export const MODIFIERS = [
  'contains',
  'startswith',
  'endswith',
  'all',
  'exists',
  'cased',
  'neq',
  'windash',
  're',
  'i',
  'm',
  's',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'lt',
  'lte',
  'gt',
  'gte',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'cidr',
  'expand',
  'fieldref',
] as const;
const KNOWN = new Set<string>(MODIFIERS);
const COMPARISONS = new Set(['lt', 'lte', 'gt', 'gte']);
const TIME = new Set<string>(TIME_PARTS);
const STRING_TRANSFORMS = new Set(['contains', 'startswith', 'endswith', 'windash', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide']);

/** Characters `|windash` treats as interchangeable option prefixes. */
export const WINDASH_CHARS = '-/\u2013\u2014\u2015';

export interface RawValue {
  readonly value: YamlValue;
  /** Source text of a numeric scalar (`0x10`), when it was one. */
  readonly raw: string | undefined;
}

export interface ModifierContext {
  /** Values of `%name%` placeholders (for `|expand`); undefined when not configured. */
  readonly placeholder: (name: string) => readonly string[] | undefined;
}

/** Splits `Field|mod|mod` into the field (null for keyword items such as `|all`) and its modifiers. */
export function splitKey(key: string): { field: string | null; modifiers: string[] } {
  const [field, ...modifiers] = key.split('|');
  return { field: field === '' || field === undefined ? null : field, modifiers };
}

export function buildItem(field: string | null, modifiers: readonly string[], raws: readonly RawValue[], ctx: ModifierContext): Omit<DetectionItem, 'pos'> {
  for (const m of modifiers) {
    if (!KNOWN.has(m)) throw new ModifierProblem('modifier', `unknown modifier ${JSON.stringify(m)}`);
  }
  const has = (m: string): boolean => modifiers.includes(m);
  const seen = new Set<string>();
  for (const m of modifiers) {
    if (seen.has(m) && m !== 'contains') throw new ModifierProblem('modifier', `modifier ${JSON.stringify(m)} given twice`);
    seen.add(m);
  }
  const link = has('all') ? 'and' : 'or';
  const negate = has('neq');
  const cased = has('cased');
  const base = { type: 'item' as const, field, modifiers, link, negate } as const;
  if (has('all') && raws.length < 2) throw new ModifierProblem('modifier', '`all` needs a list of at least two values (specification: single values may not use it)');

  if (has('exists')) {
    if (modifiers.length > 1) throw new ModifierProblem('modifier', '`exists` cannot be combined with other modifiers');
    if (field === null) throw new ModifierProblem('modifier', '`exists` needs a field');
    const v = raws.length === 1 ? raws[0]!.value : undefined;
    const b = v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
    if (b === undefined) throw new ModifierProblem('value', '`exists` takes true or false');
    return { ...base, link: 'or', negate: false, values: [], exists: b, timePart: null };
  }

  const comparisons = modifiers.filter((m) => COMPARISONS.has(m));
  const times = modifiers.filter((m) => TIME.has(m)) as TimePart[];
  if (comparisons.length > 1) throw new ModifierProblem('modifier', `only one of lt, lte, gt, gte may be used (got ${comparisons.join(', ')})`);
  if (times.length > 1) throw new ModifierProblem('modifier', `only one time modifier may be used (got ${times.join(', ')})`);
  const timePart = times[0] ?? null;
  if (timePart !== null && field === null) throw new ModifierProblem('modifier', 'time modifiers need a field');
  const flagMods = ['i', 'm', 's'].filter(has);
  if (flagMods.length > 0 && !has('re')) throw new ModifierProblem('modifier', `regular expression flags (${flagMods.join(', ')}) need the \`re\` modifier`);

  const exclusive = ['re', 'cidr', 'fieldref'].filter(has);
  if (exclusive.length > 1) throw new ModifierProblem('modifier', `modifiers ${exclusive.join(' and ')} cannot be combined`);
  if (comparisons.length && exclusive.length) throw new ModifierProblem('modifier', `${comparisons[0]!} cannot be combined with ${exclusive[0]!}`);
  if (field === null && (comparisons.length || exclusive.includes('cidr') || exclusive.includes('fieldref') || negate)) {
    throw new ModifierProblem('modifier', 'keyword searches only take string modifiers');
  }

  // Null: "the field is absent or empty". Only plain equality (optionally negated) makes sense.
  const nullIndex = raws.findIndex((r) => r.value === null);
  if (nullIndex >= 0 && modifiers.some((m) => m !== 'neq')) {
    throw new ModifierProblem('value', `null cannot take modifiers (${modifiers.join('|')})`, nullIndex);
  }

  let values: ValueTest[][];
  if (has('re')) {
    const others = modifiers.filter((m) => !['re', 'i', 'm', 's', 'all', 'neq', 'cased'].includes(m));
    if (others.length) throw new ModifierProblem('modifier', `\`re\` cannot be combined with ${others.join(', ')}`);
    values = raws.map((r, i) => {
      if (typeof r.value !== 'string' && typeof r.value !== 'number') throw new ModifierProblem('value', '`re` takes strings', i);
      const res = compileRegex(r.raw ?? String(r.value), { i: has('i'), m: has('m'), s: has('s') });
      if (!res.ok) throw new ModifierProblem('regex', res.reason, i);
      return [{ kind: 'regex', regex: res.regex }];
    });
  } else if (has('cidr')) {
    const others = modifiers.filter((m) => !['cidr', 'all', 'neq'].includes(m));
    if (others.length) throw new ModifierProblem('modifier', `\`cidr\` cannot be combined with ${others.join(', ')}`);
    values = raws.map((r, i) => {
      const c = typeof r.value === 'string' ? parseCidr(r.value) : null;
      if (!c) throw new ModifierProblem('value', `not a CIDR range: ${JSON.stringify(r.value)}`, i);
      return [{ kind: 'cidr', cidr: c }];
    });
  } else if (has('fieldref')) {
    const others = modifiers.filter((m) => !['fieldref', 'all', 'neq', 'cased', 'contains', 'startswith', 'endswith'].includes(m));
    if (others.length) throw new ModifierProblem('modifier', `\`fieldref\` cannot be combined with ${others.join(', ')}`);
    const modes = (['contains', 'startswith', 'endswith'] as const).filter(has);
    if (modes.length > 1) throw new ModifierProblem('modifier', `\`fieldref\` takes one of contains, startswith, endswith (got ${modes.join(', ')})`);
    values = raws.map((r, i) => {
      if (typeof r.value !== 'string' || r.value === '') throw new ModifierProblem('value', '`fieldref` takes field names', i);
      return [{ kind: 'fieldref', field: r.value, mode: modes[0] ?? 'eq', cased }];
    });
  } else if (comparisons.length || timePart !== null) {
    const op = (comparisons[0] ?? 'eq') as NumberOp;
    const others = modifiers.filter((m) => !COMPARISONS.has(m) && !TIME.has(m) && m !== 'all' && m !== 'neq');
    if (others.length) throw new ModifierProblem('modifier', `${comparisons[0] ?? timePart ?? ''} cannot be combined with ${others.join(', ')}`);
    values = raws.map((r, i) => {
      const n = typeof r.value === 'number' ? r.value : typeof r.value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(r.value) ? Number(r.value) : NaN;
      if (!Number.isFinite(n)) throw new ModifierProblem('value', `${comparisons[0] ?? timePart ?? 'comparison'} takes numbers, not ${JSON.stringify(r.value)}`, i);
      return [{ kind: 'number', op, value: n, raw: r.raw ?? String(n) }];
    });
  } else {
    values = raws.map((r, i) => stringTests(r, i, modifiers, cased, field === null, ctx));
  }
  return { ...base, values, exists: null, timePart };
}

/** Bytes of a value as a binary string (one char per byte), for the encoding modifiers. */
interface Encoded {
  readonly s: SigmaString;
  /** Set once an encoding modifier turned the text into bytes. */
  readonly binary: boolean;
}

function stringTests(r: RawValue, index: number, modifiers: readonly string[], cased: boolean, keyword: boolean, ctx: ModifierContext): ValueTest[] {
  if (r.value === null) return [{ kind: 'null' }];
  if (typeof r.value === 'object') throw new ModifierProblem('value', 'values must be scalars (string, number, boolean or null)', index);
  const transforms = modifiers.filter((m) => STRING_TRANSFORMS.has(m) || m === 'expand');
  if (typeof r.value === 'number' && transforms.length === 0 && !keyword) {
    return [{ kind: 'number', op: 'eq', value: r.value, raw: r.raw ?? String(r.value) }];
  }
  const text = typeof r.value === 'string' ? r.value : typeof r.value === 'number' ? (r.raw ?? String(r.value)) : String(r.value);
  const expand = modifiers.includes('expand');
  let vals: Encoded[] = [{ s: SigmaString.parse(text, expand), binary: false }];
  if (expand) {
    const names = vals[0]!.s.placeholders;
    if (names.length === 0) throw new ModifierProblem('placeholder', '`expand` used on a value without %placeholder%', index);
    const res = vals[0]!.s.expand(ctx.placeholder);
    if (!Array.isArray(res)) {
      throw new ModifierProblem('placeholder', `placeholder %${res.missing}% has no configured value (give it with --sigma-expand ${res.missing}=VALUE in scan and watch, --expand in exhunt sigma)`, index);
    }
    vals = res.map((s) => ({ s, binary: false }));
  }
  for (const m of modifiers) {
    vals = vals.flatMap((v) => applyTransform(m, v, index));
  }
  if (keyword) vals = vals.map((v) => ({ ...v, s: v.s.contains() }));
  return vals.map((v) => ({ kind: 'string', value: v.s, cased: cased || v.binary }));
}

function applyTransform(m: string, v: Encoded, index: number): Encoded[] {
  switch (m) {
    case 'contains':
      return [{ ...v, s: v.s.contains() }];
    case 'startswith':
      return [{ ...v, s: v.s.startswith() }];
    case 'endswith':
      return [{ ...v, s: v.s.endswith() }];
    case 'windash':
      return [{ ...v, s: windash(v.s) }];
    case 'utf16le':
    case 'wide':
      return [{ s: SigmaString.literal(utf16(plainOf(v, m, index), 'le')), binary: true }];
    case 'utf16be':
      return [{ s: SigmaString.literal(utf16(plainOf(v, m, index), 'be')), binary: true }];
    case 'utf16':
      return [{ s: SigmaString.literal(`\xff\xfe${utf16(plainOf(v, m, index), 'le')}`), binary: true }];
    case 'base64':
      return [{ s: SigmaString.literal(bytesOf(v, m, index).toString('base64')), binary: true }];
    case 'base64offset':
      return base64Offsets(bytesOf(v, m, index)).map((b) => ({ s: SigmaString.literal(b), binary: true }));
    default:
      return [v];
  }
}

function plainOf(v: Encoded, m: string, index: number): string {
  if (!v.s.plain) throw new ModifierProblem('value', `\`${m}\` needs a plain value without wildcards (got ${v.s.toString()})`, index);
  return v.s.text;
}

function bytesOf(v: Encoded, m: string, index: number): Buffer {
  const t = plainOf(v, m, index);
  return Buffer.from(t, v.binary ? 'latin1' : 'utf8');
}

function utf16(text: string, endian: 'le' | 'be'): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const lo = String.fromCharCode(c & 0xff);
    const hi = String.fromCharCode(c >> 8);
    out += endian === 'le' ? lo + hi : hi + lo;
  }
  return out;
}

/**
 * The three Base64 spellings of `bytes` when it sits at byte offset 0, 1 or 2 of a longer
 * encoded text, keeping only the characters that do not depend on the neighbouring bytes: an
 * offset of 1 makes the first two characters depend on the byte before, an offset of 2 the first
 * three; at the end, one trailing byte leaves two unstable characters plus padding ("X=="), two
 * trailing bytes one plus padding ("X=").
 */
export function base64Offsets(bytes: Buffer): string[] {
  const skipStart = [0, 2, 3];
  const dropEnd = [0, 3, 2];
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64');
    const tail = dropEnd[(bytes.length + shift) % 3]!;
    out.push(enc.slice(skipStart[shift], enc.length - tail));
  }
  return out;
}

/**
 * `|windash`: a `-` or `/` (or an en dash, em dash or horizontal bar) that starts an option
 * (not preceded by a word character, followed by one) may be any of those five characters.
 */
function windash(s: SigmaString): SigmaString {
  return s.mapLiterals((lit) => {
    const parts: StringPart[] = [];
    let run = '';
    for (let i = 0; i < lit.length; i++) {
      const c = lit[i]!;
      const prev = lit[i - 1];
      const next = lit[i + 1];
      const startsOption = WINDASH_CHARS.includes(c) && (prev === undefined || !/\w/.test(prev)) && next !== undefined && /\w/.test(next);
      if (startsOption) {
        if (run) parts.push(run);
        run = '';
        parts.push({ type: 'class', chars: WINDASH_CHARS });
      } else {
        run += c;
      }
    }
    if (run) parts.push(run);
    return parts;
  });
}

