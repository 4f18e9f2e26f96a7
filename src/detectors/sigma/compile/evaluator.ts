/**
 * @module The evaluator: a parsed detection (search identifiers plus condition) compiled once
 * into a predicate over a record view. This is exhunt's Sigma "backend": where pySigma turns a
 * rule into a query string, exhunt turns it into a function.
 *
 * Semantics (docs/sigma.md, "Values and modifiers"):
 * - a field item matches when any of the field's values matches (values linked by OR, or AND
 *   with `|all`); a missing field matches nothing except `null`;
 * - `null` matches an absent or empty field; `''` a present, empty one;
 * - `|neq`: the field is present and the item would not match;
 * - keywords match as substrings of any field value;
 * - AND operands run cheapest first (exact strings before regular expressions).
 */
import type { ConditionNode } from '../condition/ast.js';
import type { Detection, DetectionItem, DetectionNode } from '../rule/types.js';
import type { EvalView, Predicate } from './item.js';
import { compileItem } from './item.js';
import type { ValueMatcher } from './matchers.js';
import { compileTest } from './matchers.js';

export type { EvalView, Predicate };

interface Compiled {
  readonly fn: Predicate;
  readonly cost: number;
}

/** An item of the rule with its predicate, for evidence ("which fields matched"). */
export interface CompiledItem {
  readonly item: DetectionItem;
  readonly fn: Predicate;
  /** False when the item only ever counts negated (under `not`), so it never explains a match. */
  readonly positive: boolean;
}

export interface CompiledDetection {
  readonly predicate: Predicate;
  readonly items: readonly CompiledItem[];
}

export function compileDetection(det: Detection): CompiledDetection {
  const items: CompiledItem[] = [];
  const byName = new Map<string, Compiled>();
  const polarity = identifierPolarity(det.condition);
  for (const [name, node] of det.identifiers) {
    const pos = polarity.get(name);
    byName.set(name, compileNode(node, items, pos === undefined ? false : pos.positive));
  }
  const root = compileCondition(det.condition, byName);
  return { predicate: root.fn, items };
}

/** Whether each identifier is used at least once outside a negation. */
function identifierPolarity(c: ConditionNode): Map<string, { positive: boolean }> {
  const out = new Map<string, { positive: boolean }>();
  const walk = (n: ConditionNode, positive: boolean): void => {
    switch (n.t) {
      case 'and':
      case 'or':
        n.items.forEach((x) => walk(x, positive));
        break;
      case 'not':
        walk(n.item, !positive);
        break;
      case 'ref':
        mark(n.name, positive);
        break;
      case 'of':
        n.names.forEach((x) => mark(x, positive));
        break;
    }
  };
  const mark = (name: string, positive: boolean): void => {
    const e = out.get(name);
    out.set(name, { positive: (e?.positive ?? false) || positive });
  };
  walk(c, true);
  return out;
}

function and(parts: Compiled[]): Compiled {
  const sorted = [...parts].sort((a, b) => a.cost - b.cost);
  const fns = sorted.map((p) => p.fn);
  const cost = parts.reduce((n, p) => n + p.cost, 0);
  if (fns.length === 1) return sorted[0]!;
  if (fns.length === 2) {
    const [a, b] = fns as [Predicate, Predicate];
    return { cost, fn: (v) => a(v) && b(v) };
  }
  return {
    cost,
    fn: (v) => {
      for (const f of fns) if (!f(v)) return false;
      return true;
    },
  };
}

function or(parts: Compiled[]): Compiled {
  const sorted = [...parts].sort((a, b) => a.cost - b.cost);
  const fns = sorted.map((p) => p.fn);
  const cost = parts.reduce((n, p) => n + p.cost, 0);
  if (fns.length === 1) return sorted[0]!;
  return {
    cost,
    fn: (v) => {
      for (const f of fns) if (f(v)) return true;
      return false;
    },
  };
}

function compileCondition(c: ConditionNode, byName: ReadonlyMap<string, Compiled>): Compiled {
  switch (c.t) {
    case 'and':
      return and(c.items.map((x) => compileCondition(x, byName)));
    case 'or':
      return or(c.items.map((x) => compileCondition(x, byName)));
    case 'not': {
      const inner = compileCondition(c.item, byName);
      const f = inner.fn;
      return { cost: inner.cost, fn: (v) => !f(v) };
    }
    case 'ref':
      return byName.get(c.name)!;
    case 'of': {
      const parts = c.names.map((n) => byName.get(n)!);
      return c.quantifier === 'all' ? and(parts) : or(parts);
    }
  }
}

function compileNode(n: DetectionNode, items: CompiledItem[], positive: boolean): Compiled {
  switch (n.type) {
    case 'and':
      return and(n.items.map((x) => compileNode(x, items, positive)));
    case 'or':
      return or(n.items.map((x) => compileNode(x, items, positive)));
    case 'item': {
      const c = compileItem(n);
      items.push({ item: n, fn: c.fn, positive: positive && !n.negate && n.exists !== false });
      return c;
    }
  }
}


const keywordCache = new WeakMap<object, ValueMatcher>();

/** The keyword values of a keyword item that match the view (for evidence; not a hot path). */
export function matchingKeywords(item: DetectionItem, v: EvalView): string[] {
  const out: string[] = [];
  for (const alts of item.values) {
    for (const t of alts) {
      if (t.kind !== 'string') continue;
      let m = keywordCache.get(t);
      if (!m) keywordCache.set(t, (m = compileTest(t)));
      const vals = m.lower ? v.allLower() : v.all();
      if (vals.some((x) => m.test(x, v))) out.push(t.value.toString());
    }
  }
  return out;
}
