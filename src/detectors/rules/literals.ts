/**
 * @module Derives a rule's prefilter: lower-case literals of which every matching raw line
 * contains at least one. The engine uses the union over a record kind's rules to skip lines
 * without splitting them into fields.
 *
 * Soundness argument: a field value is a substring of its raw line, except where the format
 * escapes characters (CSV doubles `"`), so literals are cut at `"`. A derived set is only
 * necessary, never sufficient: the predicate still decides. When no set can be derived the
 * answer is null ("no hint"), which is always safe.
 */
import type { Condition, LeafCondition } from '../../content/model.js';
import { asList, leafOperator } from './condition.js';
import { likeLiterals } from './wildcard.js';

const MIN_LITERAL = 3;

export function conditionLiterals(cond: Condition): string[] | null {
  if ('all' in cond) {
    let best: string[] | null = null;
    for (const c of cond.all) {
      const l = conditionLiterals(c);
      if (l && (!best || score(l) > score(best))) best = l;
    }
    return best;
  }
  if ('any' in cond) {
    const out = new Set<string>();
    for (const c of cond.any) {
      const l = conditionLiterals(c);
      if (!l) return null;
      l.forEach((x) => out.add(x));
    }
    return [...out];
  }
  if ('not' in cond) return null;
  return leafLiterals(cond);
}

function leafLiterals(leaf: LeafCondition): string[] | null {
  const op = leafOperator(leaf);
  // Path comparisons fold separators, so the raw spelling may differ from the pattern.
  if (leaf.path) return null;
  switch (op) {
    case 'equals':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return allOrNull(asList(leaf[op]!).map(bestRun));
    case 'like':
      return allOrNull(
        asList(leaf.like!).map((p) => {
          const runs = likeLiterals(p.replace(/\{\{[^}]*\}\}/g, '*')).map(bestRun).filter((r): r is string => r !== null);
          return runs.sort((a, b) => b.length - a.length)[0] ?? null;
        }),
      );
    default:
      return null;
  }
}

/** The longest piece of a literal that survives raw-line escaping, lower-cased; null if too short. */
function bestRun(s: string): string | null {
  const pieces = s.split('"').sort((a, b) => b.length - a.length);
  const best = pieces[0] ?? '';
  return best.length >= MIN_LITERAL ? best.toLowerCase() : null;
}

function allOrNull(xs: (string | null)[]): string[] | null {
  return xs.every((x): x is string => x !== null) ? [...new Set(xs)] : null;
}

/** Prefer fewer, longer literals: fewer candidate lines. */
function score(l: string[]): number {
  const shortest = Math.min(...l.map((x) => x.length));
  return shortest * 10 - l.length;
}

/** Union of several rules' literal sets; null when any rule has none. */
export function unionLiterals(sets: readonly (readonly string[] | null)[]): string[] | null {
  const out = new Set<string>();
  for (const s of sets) {
    if (!s) return null;
    s.forEach((x) => out.add(x));
  }
  // Drop literals that contain another literal of the set: the shorter one already admits the line.
  const all = [...out].sort((a, b) => a.length - b.length);
  return all.filter((x, i) => !all.slice(0, i).some((y) => x.includes(y)));
}
