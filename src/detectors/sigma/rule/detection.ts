/**
 * @module Parses a detection section (of a rule or of a filter): search identifiers into
 * detection trees, and the condition into a condition tree resolved against them.
 *
 * Search identifier forms (specification, "Detection"):
 * - a map: every field item must match (AND); a list value means any of the values (OR, or
 *   AND with `|all`); a key starting with `|` (e.g. `'|all'`) is a keyword item with modifiers;
 * - a list of maps: any of them (OR);
 * - a list of plain values, or a single value: keywords, any of which may appear anywhere in the
 *   record.
 */
import { ConditionError, parseCondition } from '../condition/parse.js';
import type { ConditionNode } from '../condition/ast.js';
import { SigmaError } from '../errors.js';
import type { SourceMap, YamlObject, YamlValue } from '../yaml/located.js';
import type { ModifierContext, RawValue } from './modifiers.js';
import { ModifierProblem, buildItem, splitKey } from './modifiers.js';
import type { Detection, DetectionNode } from './types.js';

const MAX_VALUES = 10_000;

export function isObject(v: YamlValue | undefined): v is YamlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses `section` (the `detection` map, or a filter's `filter` map with `skip` keys such as
 * `rules` left out). Throws SigmaError on the first problem.
 */
export function parseDetection(section: YamlObject, map: SourceMap, ctx: ModifierContext, skip: readonly string[] = []): Detection {
  const identifiers = new Map<string, DetectionNode>();
  for (const [name, value] of Object.entries(section)) {
    if (name === 'condition' || skip.includes(name)) continue;
    if (name === 'timeframe') {
      throw map.error('legacy', '`timeframe` belongs to the Sigma 1 aggregation syntax; express the rule as a correlation rule', section, name);
    }
    identifiers.set(name, parseIdentifier(value, section, name, map, ctx));
  }
  if (identifiers.size === 0) throw map.error('schema', 'detection has no search identifiers', section);
  const cond = section.condition;
  if (cond === undefined) throw map.error('schema', 'detection has no condition', section);
  const texts: { text: string; container: object; key: string | number }[] = [];
  if (typeof cond === 'string') texts.push({ text: cond, container: section, key: 'condition' });
  else if (Array.isArray(cond) && cond.length > 0 && cond.every((c) => typeof c === 'string')) {
    cond.forEach((c, i) => texts.push({ text: String(c), container: cond, key: i }));
  } else throw map.error('schema', 'condition must be a string or a list of strings', section, 'condition');

  const names = [...identifiers.keys()];
  const trees: ConditionNode[] = texts.map(({ text, container, key }) => {
    try {
      return parseCondition(text, names);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      const code = /Sigma 1|Sigma 2|near/.test(e.message) ? 'legacy' : 'condition';
      const at = map.valueAt(container, key);
      // Exact for conditions written on one line without quotes; close enough otherwise.
      const loc = at ? { line: at.line, column: at.column + e.offset } : {};
      throw new SigmaError(code, `condition ${JSON.stringify(text)}: ${e.message}`, { file: map.file, ...loc });
    }
  });
  const condition: ConditionNode = trees.length === 1 ? trees[0]! : { t: 'or', items: trees };
  return { identifiers, condition, conditionText: texts.map((t) => t.text) };
}

function parseIdentifier(value: YamlValue, parent: object, name: string, map: SourceMap, ctx: ModifierContext): DetectionNode {
  if (isObject(value)) return parseMap(value, map, ctx);
  if (Array.isArray(value)) {
    if (value.length === 0) throw map.error('schema', `search identifier ${JSON.stringify(name)} is an empty list`, parent, name);
    const items: DetectionNode[] = [];
    const keywords: RawValue[] = [];
    const keywordIndex: number[] = [];
    value.forEach((v, i) => {
      if (isObject(v)) items.push(parseMap(v, map, ctx));
      else if (Array.isArray(v)) throw map.error('schema', 'a list in a search identifier may hold maps or values, not lists', value, i);
      else {
        keywords.push({ value: v, raw: map.raw(value, i) });
        keywordIndex.push(i);
      }
    });
    if (keywords.length) items.push(makeItem(null, [], keywords, value, map, ctx, (k) => keywordIndex[k] ?? 0, 'keywords'));
    return items.length === 1 ? items[0]! : { type: 'or', items };
  }
  if (value === null) throw map.error('schema', `search identifier ${JSON.stringify(name)} is empty`, parent, name);
  return makeItem(null, [], [{ value, raw: map.raw(parent, name) }], parent, map, ctx, () => name, name);
}

function parseMap(obj: YamlObject, map: SourceMap, ctx: ModifierContext): DetectionNode {
  const entries = Object.entries(obj);
  if (entries.length === 0) throw map.error('schema', 'empty map in a search identifier', obj);
  const items: DetectionNode[] = entries.map(([key, v]) => {
    const { field, modifiers } = splitKey(key);
    if (Array.isArray(v)) {
      if (v.length === 0) throw map.error('schema', `${JSON.stringify(key)} has an empty list of values`, obj, key);
      if (v.length > MAX_VALUES) throw map.error('schema', `${JSON.stringify(key)} has more than ${MAX_VALUES} values`, obj, key);
      const raws = v.map((x, i): RawValue => {
        if (typeof x === 'object' && x !== null) throw map.error('schema', `${JSON.stringify(key)}: values must be scalars`, v, i);
        return { value: x, raw: map.raw(v, i) };
      });
      return makeItem(field, modifiers, raws, v, map, ctx, (i) => i, key, obj);
    }
    if (isObject(v)) throw map.error('schema', `${JSON.stringify(key)}: a value cannot be a map`, obj, key);
    return makeItem(field, modifiers, [{ value: v, raw: map.raw(obj, key) }], obj, map, ctx, () => key, key);
  });
  return items.length === 1 ? items[0]! : { type: 'and', items };
}

function makeItem(
  field: string | null,
  modifiers: readonly string[],
  raws: readonly RawValue[],
  container: object,
  map: SourceMap,
  ctx: ModifierContext,
  keyOf: (valueIndex: number) => string | number,
  label: string,
  keyContainer?: object,
): DetectionNode {
  const pos = keyContainer ? map.at(keyContainer, label) : map.at(container, keyOf(0));
  try {
    return { ...buildItem(field, modifiers, raws, ctx), pos };
  } catch (e) {
    if (!(e instanceof ModifierProblem)) throw e;
    const where = e.valueIndex !== undefined ? map.valueAt(container, keyOf(e.valueIndex)) : pos;
    const what = JSON.stringify(field === null ? label : [field, ...modifiers].join('|'));
    throw new SigmaError(e.code, `${what}: ${e.message}`, { file: map.file, ...(where ? { line: where.line, column: where.column } : {}) });
  }
}
