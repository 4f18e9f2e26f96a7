/**
 * @module From a parsed STIX pattern to exhunt indicators.
 *
 * A pattern is a disjunction of things to look for when its top is an OR of observations without
 * qualifiers, each an OR of comparisons: then each comparison that exhunt can evaluate is an
 * indicator of its own (`[domain-name:value = 'a' OR ipv4-addr:value = 'b']` gives two). Three
 * AND shapes inside one observation reduce too: a file hash AND other file properties (the hash
 * alone identifies the file), `file:parent_directory_ref.path` AND `file:name` (a Windows path),
 * and `network-traffic:dst_ref.type` AND `dst_ref.value` (the value). Everything else (AND or
 * FOLLOWEDBY of observations, qualifiers, NOT, `!=`, ordering, properties exhunt never sees) is
 * not evaluated: the pattern is kept whole as a `stix-pattern` indicator with the reason, next to
 * any indicators its OR branches gave.
 */
import type { IndicatorAttrs, IndicatorType } from '../../model.js';
import { likeToRegex } from '../../normalize/index.js';
import type { Comparison, Literal, ObjectPath, Observation } from './pattern/ast.js';
import { pathText } from './pattern/ast.js';
import { hashAlgorithm } from './pattern/parser.js';
import { canonicalObjectType, unknownPathReason } from './objects.js';

export interface Atom {
  readonly type: IndicatorType;
  readonly raw: string;
  readonly attrs?: IndicatorAttrs;
  /** Where in the pattern the value came from, for reports. */
  readonly path: string;
}

export interface Translation {
  readonly atoms: readonly Atom[];
  /** Why (part of) the pattern is not represented by the atoms; null when it fully is. */
  readonly keep: string | null;
  /** Unknown object paths: the pattern is wrong for STIX, not just unevaluable. */
  readonly unknownPaths: readonly string[];
}

type Partial = { atoms: Atom[]; unreducible: string[] };

export function translatePattern(tree: Observation): Translation {
  const unknownPaths: string[] = [];
  forEachPath(tree, (p) => {
    const first = p.steps[0];
    const reason = unknownPathReason(p.objectType, first && 'prop' in first ? first.prop : '');
    if (reason) unknownPaths.push(`${pathText(p)}: ${reason}`);
  });
  if (unknownPaths.length > 0) return { atoms: [], keep: null, unknownPaths: [...new Set(unknownPaths)] };
  const r = observation(tree);
  return { atoms: r.atoms, keep: r.unreducible.length ? [...new Set(r.unreducible)].join('; ') : null, unknownPaths: [] };
}

function observation(o: Observation): Partial {
  switch (o.kind) {
    case 'or': {
      const parts = o.operands.map(observation);
      return { atoms: parts.flatMap((p) => p.atoms), unreducible: parts.flatMap((p) => p.unreducible) };
    }
    case 'group':
      if (o.qualifiers.length > 0) return { atoms: [], unreducible: [`qualifier ${o.qualifiers.map((q) => q.kind).join(', ')} (time window or repetition)`] };
      return observation(o.expr);
    case 'observation':
      if (o.qualifiers.length > 0) return { atoms: [], unreducible: [`qualifier ${o.qualifiers.map((q) => q.kind).join(', ')} (time window or repetition)`] };
      return comparison(o.comparison);
    case 'and':
      return { atoms: [], unreducible: ['AND of observations (all must be seen)'] };
    case 'followedby':
      return { atoms: [], unreducible: ['FOLLOWEDBY (a sequence of observations)'] };
  }
}

function comparison(c: Comparison): Partial {
  switch (c.kind) {
    case 'or': {
      const parts = c.operands.map(comparison);
      return { atoms: parts.flatMap((p) => p.atoms), unreducible: parts.flatMap((p) => p.unreducible) };
    }
    case 'and':
      return conjunction(c.operands);
    case 'exists':
      return { atoms: [], unreducible: [`EXISTS ${pathText(c.path)}`] };
    case 'test': {
      const atoms = atomsFor(c);
      return typeof atoms === 'string' ? { atoms: [], unreducible: [atoms] } : { atoms, unreducible: [] };
    }
  }
}

type Test = Extract<Comparison, { kind: 'test' }>;

function conjunction(operands: readonly Comparison[]): Partial {
  const tests = operands.filter((o): o is Test => o.kind === 'test');
  if (tests.length === operands.length) {
    const types = new Set(tests.map((t) => canonicalObjectType(t.path.objectType)));
    // A hash pins the file down; the other file properties only narrow it further.
    if (types.size === 1 && (types.has('file') || types.has('artifact'))) {
      const hashes = tests.filter((t) => props(t.path)[0] === 'hashes' && !t.negated && (t.op === '=' || t.op === 'IN'));
      const hashAtoms = hashes.map(atomsFor).filter((a): a is Atom[] => typeof a !== 'string');
      if (hashAtoms.length > 0) return { atoms: hashAtoms.flat(), unreducible: [] };
      const dir = tests.find((t) => props(t.path).join('.') === 'parent_directory_ref.path' && t.op === '=' && !t.negated);
      const name = tests.find((t) => props(t.path).join('.') === 'name' && t.op === '=' && !t.negated);
      if (tests.length === 2 && dir && name && isString(dir.value) && isString(name.value)) {
        const d = String(dir.value.value).replace(/[\\/]+$/, '');
        return { atoms: [{ type: 'filepath', raw: `${d}\\${String(name.value.value)}`, path: `${pathText(dir.path)} AND ${pathText(name.path)}` }], unreducible: [] };
      }
    }
    if (types.size === 1 && types.has('network-traffic') && tests.length === 2) {
      const typeTest = tests.find((t) => /^(dst|src)_ref\.type$/.test(props(t.path).join('.')));
      const valueTest = tests.find((t) => /^(dst|src)_ref\.value$/.test(props(t.path).join('.')));
      if (typeTest && valueTest && typeTest.op === '=' && !typeTest.negated) {
        const atoms = atomsFor(valueTest);
        if (typeof atoms !== 'string') return { atoms, unreducible: [] };
      }
    }
  }
  return { atoms: [], unreducible: [`AND of ${operands.length} comparisons`] };
}

function props(p: ObjectPath): string[] {
  return p.steps.map((s) => ('prop' in s ? s.prop : `[${s.index}]`));
}

function isString(v: Literal | readonly Literal[]): v is Literal & { value: string } {
  return !Array.isArray(v) && (v as Literal).kind === 'string';
}

const HASH_TYPE: Readonly<Record<string, IndicatorType>> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

/** Indicators for one comparison, or the reason there are none. */
function atomsFor(t: Test): Atom[] | string {
  const where = `${pathText(t.path)} ${t.negated ? 'NOT ' : ''}${t.op}`;
  if (t.negated || t.op === '!=') return `${where} (negation)`;
  if (!['=', 'IN', 'ISSUBSET', 'MATCHES', 'LIKE'].includes(t.op)) return `${where} (ordering)`;
  const literals = Array.isArray(t.value) ? (t.value as readonly Literal[]) : [t.value as Literal];
  if (literals.some((l) => l.kind !== 'string')) return `${where} (non-string value)`;
  const values = literals.map((l) => String(l.value));
  const type = canonicalObjectType(t.path.objectType);
  const p = props(t.path);
  const joined = p.join('.');
  const path = pathText(t.path);
  const eq = t.op === '=' || t.op === 'IN';
  const make = (ty: IndicatorType, attrs?: IndicatorAttrs): Atom[] => values.map((raw) => ({ type: ty, raw, path, ...(attrs ? { attrs } : {}) }));

  if ((type === 'file' || type === 'artifact') && p[0] === 'hashes' && p.length === 2 && eq) {
    const ht = HASH_TYPE[hashAlgorithm(p[1]!)];
    return ht ? make(ht) : `${where} (hash algorithm ${p[1]!})`;
  }
  if (type === 'file' && joined === 'name') {
    if (eq) return make('filename');
    if (t.op === 'MATCHES') return make('filename-regex');
    if (t.op === 'LIKE') return values.map((v) => ({ type: 'filename-regex' as const, raw: likeToRegex(v), path, attrs: { flags: 'i' } }));
  }
  if ((type === 'ipv4-addr' || type === 'ipv6-addr') && joined === 'value' && (eq || t.op === 'ISSUBSET')) return make(type === 'ipv4-addr' ? 'ipv4' : 'ipv6');
  if (type === 'network-traffic' && /^(dst|src)_ref\.value$/.test(joined) && (eq || t.op === 'ISSUBSET')) {
    return values.map((raw) => ({ type: /^[0-9a-f:.]+(\/\d+)?$/i.test(raw) ? ('ipv4' as const) : ('domain' as const), raw, path }));
  }
  if (type === 'domain-name' && joined === 'value' && eq) return make('domain');
  if (type === 'url' && joined === 'value' && eq) return make('url');
  if (type === 'email-addr' && joined === 'value' && eq) return make('email');
  if (type === 'email-message' && /^(from|sender)_ref\.value$/.test(joined) && eq) return make('email');
  if (type === 'network-traffic' && p[0] === 'extensions' && p[1] === 'http-request-ext') {
    if (p[2] === 'request_header' && p[3]?.toLowerCase() === 'user-agent' && eq) return make('useragent');
    if (p[2] === 'request_value' && eq) return values.map((raw) => ({ type: raw.startsWith('/') ? ('url-path' as const) : ('url' as const), raw, path }));
  }
  return `${where} (exhunt does not evaluate this)`;
}

function forEachPath(o: Observation, fn: (p: ObjectPath) => void): void {
  const cmp = (c: Comparison): void => {
    if ('operands' in c) c.operands.forEach(cmp);
    else fn(c.path);
  };
  if (o.kind === 'observation') cmp(o.comparison);
  else if (o.kind === 'group') forEachPath(o.expr, fn);
  else o.operands.forEach((x) => forEachPath(x, fn));
}
