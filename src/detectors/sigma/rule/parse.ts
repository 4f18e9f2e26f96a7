/**
 * @module Parses one YAML document into a Sigma detection rule, filter or correlation rule
 * (specification 2.1 and its JSON schemas), checking what the evaluator relies on and refusing
 * what Sigma 2 dropped: `status: unsupported`, Sigma 1 dates (`2019/10/24`), aggregation
 * conditions. Positions come from the source map, so every problem names line and column.
 */
import { SigmaError } from '../errors.js';
import type { SourceMap, YamlDocument, YamlObject, YamlValue } from '../yaml/located.js';
import { isObject, parseDetection } from './detection.js';
import type { ModifierContext } from './modifiers.js';
import type {
  ConditionOp,
  CorrelationCondition,
  CorrelationType,
  Level,
  LogSource,
  SigmaCorrelation,
  SigmaDocument,
  SigmaFilter,
  SigmaMeta,
  SigmaRule,
  Status,
} from './types.js';
import { CONDITION_OPS, CORRELATION_TYPES, LEVELS, STATUSES } from './types.js';

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const LEGACY_DATE = /^\d{4}\/\d{1,2}\/\d{1,2}$/;
const TIMESPAN = /^(\d+)([smhd])$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDocument(doc: YamlDocument, map: SourceMap, ctx: ModifierContext): SigmaDocument {
  const v = doc.value;
  if (!isObject(v)) throw new SigmaError('schema', 'a Sigma document must be a map', { file: map.file, line: doc.pos.line, column: doc.pos.column });
  const meta = parseMeta(v, doc, map);
  if (v.correlation !== undefined) return parseCorrelation(v, meta, map);
  if (v.filter !== undefined) return parseFilter(v, meta, map, ctx);
  if (v.detection !== undefined) return parseRule(v, meta, map, ctx);
  throw map.error('schema', 'not a Sigma rule, filter or correlation: no `detection`, `filter` or `correlation` section', v);
}

function str(v: YamlObject, key: string, map: SourceMap, required = false): string | undefined {
  const x = v[key];
  if (x === undefined || x === null) {
    if (required) throw map.error('schema', `missing \`${key}\``, v);
    return undefined;
  }
  if (typeof x === 'number') return map.raw(v, key) ?? String(x);
  if (typeof x !== 'string') throw map.error('schema', `\`${key}\` must be a string`, v, key);
  if (required && x.trim() === '') throw map.error('schema', `\`${key}\` is empty`, v, key);
  return x;
}

function strList(v: YamlObject, key: string, map: SourceMap): string[] {
  const x = v[key];
  if (x === undefined || x === null) return [];
  if (typeof x === 'string') return [x];
  if (!Array.isArray(x)) throw map.error('schema', `\`${key}\` must be a list of strings`, v, key);
  return x.map((e, i) => {
    if (typeof e === 'string') return e;
    if (typeof e === 'number') return map.raw(x, i) ?? String(e);
    throw map.error('schema', `\`${key}\` must be a list of strings`, x, i);
  });
}

function parseMeta(v: YamlObject, doc: YamlDocument, map: SourceMap): SigmaMeta {
  const title = str(v, 'title', map, true)!;
  const status = str(v, 'status', map);
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw map.error('schema', `unknown status ${JSON.stringify(status)} (one of ${STATUSES.join(', ')})`, v, 'status');
  }
  if (status === 'unsupported') {
    throw map.error('unsupported', 'status: unsupported (the rule is marked as not usable in its current form)', v, 'status');
  }
  const level = str(v, 'level', map);
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    throw map.error('schema', `unknown level ${JSON.stringify(level)} (one of ${LEVELS.join(', ')})`, v, 'level');
  }
  for (const key of ['date', 'modified']) {
    const d = str(v, key, map);
    if (d === undefined) continue;
    if (LEGACY_DATE.test(d)) {
      throw map.error('legacy', `${key} ${d} uses the Sigma 1 form YYYY/MM/DD, which Sigma 2 dropped: a pre-2.0 rule (write ${d.replace(/\//g, '-')})`, v, key);
    }
    if (!ISO_DATE.test(d)) throw map.error('schema', `${key} must be an ISO 8601 date YYYY-MM-DD (got ${JSON.stringify(d)})`, v, key);
  }
  const id = str(v, 'id', map);
  return {
    file: map.file,
    document: doc.index,
    pos: doc.pos,
    title,
    id: id?.trim() || undefined,
    name: str(v, 'name', map),
    description: str(v, 'description', map) ?? '',
    author: str(v, 'author', map),
    license: str(v, 'license', map),
    status: status as Status | undefined,
    level: level as Level | undefined,
    tags: strList(v, 'tags', map),
    references: strList(v, 'references', map),
    falsepositives: strList(v, 'falsepositives', map),
    date: str(v, 'date', map),
    modified: str(v, 'modified', map),
  };
}

function parseLogsource(v: YamlObject, map: SourceMap): LogSource {
  const ls = v.logsource;
  if (ls === undefined) throw map.error('schema', 'missing `logsource`', v);
  if (!isObject(ls)) throw map.error('schema', '`logsource` must be a map', v, 'logsource');
  const out: { category?: string; product?: string; service?: string } = {};
  for (const key of ['category', 'product', 'service'] as const) {
    const x = str(ls, key, map);
    if (x !== undefined) out[key] = x.toLowerCase();
  }
  return out;
}

function parseRule(v: YamlObject, meta: SigmaMeta, map: SourceMap, ctx: ModifierContext): SigmaRule {
  const logsource = parseLogsource(v, map);
  const det = v.detection;
  if (!isObject(det)) throw map.error('schema', '`detection` must be a map', v, 'detection');
  return { ...meta, kind: 'rule', logsource, detection: parseDetection(det, map, ctx) };
}

function parseFilter(v: YamlObject, meta: SigmaMeta, map: SourceMap, ctx: ModifierContext): SigmaFilter {
  const logsource = parseLogsource(v, map);
  const f = v.filter;
  if (!isObject(f)) throw map.error('schema', '`filter` must be a map', v, 'filter');
  const rules = strList(f, 'rules', map);
  if (rules.length === 0) throw map.error('schema', 'a filter needs `rules`: the ids or names of the rules it applies to', f);
  return { ...meta, kind: 'filter', logsource, rules, detection: parseDetection(f, map, ctx, ['rules']) };
}

function parseCorrelation(v: YamlObject, meta: SigmaMeta, map: SourceMap): SigmaCorrelation {
  const c = v.correlation;
  if (!isObject(c)) throw map.error('schema', '`correlation` must be a map', v, 'correlation');
  const type = str(c, 'type', map, true)!;
  if (!(CORRELATION_TYPES as readonly string[]).includes(type)) {
    throw map.error('schema', `unknown correlation type ${JSON.stringify(type)} (one of ${CORRELATION_TYPES.join(', ')})`, c, 'type');
  }
  const rules = strList(c, 'rules', map);
  if (rules.length === 0) throw map.error('schema', 'a correlation needs `rules`', c);
  const groupBy = strList(c, 'group-by', map);
  const ts = str(c, 'timespan', map, true)!;
  const tm = TIMESPAN.exec(ts.trim());
  if (!tm) throw map.error('schema', `timespan must be a number and a unit s, m, h or d (got ${JSON.stringify(ts)})`, c, 'timespan');
  const timespanMs = Number(tm[1]) * UNIT_MS[tm[2]!]!;
  if (timespanMs <= 0) throw map.error('schema', 'timespan must be positive', c, 'timespan');

  const t = type as CorrelationType;
  const temporal = t === 'temporal' || t === 'temporal_ordered';
  let condition: CorrelationCondition | undefined;
  const cond = c.condition;
  if (cond === undefined) {
    if (!temporal) throw map.error('schema', `a ${t} correlation needs a \`condition\``, c);
  } else {
    if (!isObject(cond)) throw map.error('schema', '`condition` must be a map such as {gte: 10}', c, 'condition');
    const ops: { op: ConditionOp; value: number }[] = [];
    let field: string | undefined;
    for (const [k, x] of Object.entries(cond)) {
      if (k === 'field') {
        if (typeof x === 'string') field = x;
        else if (Array.isArray(x) && x.length === 1 && typeof x[0] === 'string') field = x[0];
        else throw map.error('schema', '`field` must be a field name', cond, k);
        continue;
      }
      if (!(CONDITION_OPS as readonly string[]).includes(k)) throw map.error('schema', `unknown condition operator ${JSON.stringify(k)} (one of ${CONDITION_OPS.join(', ')})`, cond, k);
      if (typeof x !== 'number' || !Number.isFinite(x)) throw map.error('schema', `\`${k}\` needs a number`, cond, k);
      ops.push({ op: k as ConditionOp, value: x });
    }
    if (ops.length === 0) throw map.error('schema', 'the condition needs an operator such as gte', c, 'condition');
    if ((t === 'value_count' || t.startsWith('value_')) && field === undefined) throw map.error('schema', `a ${t} correlation needs \`field\` in its condition`, c, 'condition');
    condition = { ops, field };
  }

  const aliases = new Map<string, Map<string, string>>();
  const al = c.aliases;
  if (al !== undefined && al !== null) {
    if (!isObject(al)) throw map.error('schema', '`aliases` must be a map', c, 'aliases');
    for (const [alias, byRule] of Object.entries(al)) {
      if (!isObject(byRule)) throw map.error('schema', `alias ${JSON.stringify(alias)} must map rule names to fields`, al, alias);
      const m = new Map<string, string>();
      for (const [rule, field] of Object.entries(byRule)) {
        if (typeof field !== 'string') throw map.error('schema', `alias ${JSON.stringify(alias)}: field for ${rule} must be a string`, byRule, rule);
        m.set(rule, field);
      }
      aliases.set(alias, m);
    }
  }
  const generate = v.generate ?? c.generate;
  if (generate !== undefined && typeof generate !== 'boolean') throw map.error('schema', '`generate` must be true or false', c);
  return {
    ...meta,
    kind: 'correlation',
    type: t,
    rules,
    groupBy,
    timespanMs,
    timespanText: ts,
    condition,
    aliases,
    generate: generate === true,
  };
}

export type { YamlValue };
