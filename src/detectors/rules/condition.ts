/**
 * @module Compiles a rule condition tree into a predicate, once, with every pattern prepared up
 * front (no RegExp is built per record). Patterns that use `{{install}}` are prepared once per
 * distinct install path and cached.
 */
import { ContentError } from '../../core/errors.js';
import type { Condition, LeafCondition, LeafOperator } from '../../content/model.js';
import type { IndicatorSet } from '../../content/schema.js';
import { LEAF_OPERATORS } from '../../content/model.js';
import type { MatchEnv, Predicate } from './env.js';
import { fieldValue, normalizePath } from './env.js';
import { escapeLike, likeToRegExp } from './wildcard.js';

export interface CompileContext {
  readonly file: string;
  readonly indicatorSets: ReadonlyMap<string, IndicatorSet>;
}

/** Variables a `like` pattern may use. */
const VARIABLES = new Set(['install']);
const VAR_RE = /\{\{\s*([a-z]+)\s*\}\}/g;

export function compileCondition(cond: Condition, ctx: CompileContext): Predicate {
  if ('all' in cond) {
    const parts = cond.all.map((c) => compileCondition(c, ctx));
    return (env) => parts.every((p) => p(env));
  }
  if ('any' in cond) {
    const parts = cond.any.map((c) => compileCondition(c, ctx));
    return (env) => parts.some((p) => p(env));
  }
  if ('not' in cond) {
    const inner = compileCondition(cond.not, ctx);
    return (env) => !inner(env);
  }
  return compileLeaf(cond, ctx);
}

export function leafOperator(leaf: LeafCondition): LeafOperator {
  const op = LEAF_OPERATORS.find((o) => leaf[o] !== undefined);
  if (!op) throw new Error('leaf without operator'); // schema guarantees one
  return op;
}

export function asList(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

function compileLeaf(leaf: LeafCondition, ctx: CompileContext): Predicate {
  const op = leafOperator(leaf);
  // Lower-cased once here: fields are looked up case-insensitively, and a lower-case name is
  // not lowered (copied) again on every record.
  const field = leaf.field.toLowerCase();
  const cased = leaf.cased === true;
  const norm = (s: string): string => {
    const p = leaf.path ? normalizePath(s) : s;
    return cased ? p : p.toLowerCase();
  };

  switch (op) {
    case 'exists': {
      const want = leaf.exists === true;
      return (env) => {
        const v = fieldValue(env, field);
        return (v !== undefined && v !== '') === want;
      };
    }
    case 'equals':
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const values = asList(leaf[op]!);
      rejectVariables(values, op, ctx);
      const wanted = values.map(norm);
      const test = stringTest(op);
      return (env) => {
        const v = fieldValue(env, field);
        if (v === undefined) return false;
        const n = norm(v);
        return wanted.some((w) => test(n, w));
      };
    }
    case 'regex': {
      const regexes = asList(leaf.regex!).map((src) => compileRegex(src, cased, ctx));
      return (env) => {
        const v = fieldValue(env, field);
        if (v === undefined) return false;
        const n = leaf.path ? normalizePath(v) : v;
        return regexes.some((r) => r.test(n));
      };
    }
    case 'like': {
      const patterns = asList(leaf.like!);
      for (const p of patterns) checkVariables(p, ctx);
      const usesVars = patterns.some((p) => p.search(VAR_RE) >= 0);
      const build = (install: string | null): RegExp[] =>
        patterns.map((p) => {
          const expanded = p.replace(VAR_RE, (_m, name: string) =>
            name === 'install' ? (install === null ? '*' : escapeLike(leaf.path ? normalizePath(install) : install)) : '*',
          );
          return likeToRegExp(leaf.path ? normalizePath(expanded) : expanded, cased);
        });
      const fixed = usesVars ? null : build(null);
      const cache = new Map<string, RegExp[]>();
      return (env) => {
        const v = fieldValue(env, field);
        if (v === undefined) return false;
        let res = fixed;
        if (!res) {
          const key = env.host.exchangeInstall ?? '\0none';
          res = cache.get(key) ?? build(env.host.exchangeInstall);
          cache.set(key, res);
        }
        const n = leaf.path ? normalizePath(v) : v;
        return res.some((r) => r.test(n));
      };
    }
    case 'inSet': {
      const set = ctx.indicatorSets.get(leaf.inSet!);
      if (!set) throw new ContentError(`unknown indicator set "${leaf.inSet!}"`, { path: ctx.file });
      const byValue = new Map<string, string>();
      for (const e of set.entries) byValue.set(indicatorKey(set.type, e.value), e.source);
      const note = `indicator:${set.id}`;
      return (env) => {
        const v = fieldValue(env, field);
        if (v === undefined || v === '') return false;
        const source = byValue.get(indicatorKey(set.type, v));
        if (source === undefined) return false;
        (env.notes ??= {})[note] = source;
        return true;
      };
    }
  }
}

const DEFAULT_INSTALL = 'c:\\program files\\microsoft\\exchange server\\v15\\';
/** How paths under the Exchange install folder are written in CanonicalPath and path keys. */
export const INSTALL_TOKEN = '%exchangeinstallpath%\\';

/** Normal form of an indicator value, so that the set and the record compare alike. */
export function indicatorKey(type: IndicatorSet['type'], value: string): string {
  switch (type) {
    case 'filepath': {
      // Published paths assume the default install folder; key them install-relative so the
      // same file matches under D:\Exchange too (file records carry CanonicalPath likewise).
      const n = normalizePath(value).toLowerCase();
      return n.startsWith(DEFAULT_INSTALL) ? INSTALL_TOKEN + n.slice(DEFAULT_INSTALL.length) : n;
    }
    case 'sha256':
    case 'filename':
    case 'ip':
    case 'url-path':
      return value.trim().toLowerCase();
    case 'useragent':
      // IIS logs spell spaces as '+'; published lists use either spelling.
      return value.trim().replace(/ /g, '+').toLowerCase();
  }
}

function stringTest(op: 'equals' | 'contains' | 'startsWith' | 'endsWith'): (value: string, wanted: string) => boolean {
  switch (op) {
    case 'equals':
      return (v, w) => v === w;
    case 'contains':
      return (v, w) => v.includes(w);
    case 'startsWith':
      return (v, w) => v.startsWith(w);
    case 'endsWith':
      return (v, w) => v.endsWith(w);
  }
}

export function compileRegex(src: string, cased: boolean, ctx: CompileContext): RegExp {
  try {
    return new RegExp(src, cased ? '' : 'i');
  } catch (e) {
    throw new ContentError(`invalid regex ${JSON.stringify(src)}: ${(e as Error).message}`, { path: ctx.file });
  }
}

function checkVariables(pattern: string, ctx: CompileContext): void {
  for (const m of pattern.matchAll(VAR_RE)) {
    if (!VARIABLES.has(m[1]!)) throw new ContentError(`unknown variable {{${m[1]!}}}`, { path: ctx.file });
  }
}

function rejectVariables(values: string[], op: string, ctx: CompileContext): void {
  if (values.some((v) => v.search(VAR_RE) >= 0)) {
    throw new ContentError(`variables such as {{install}} are only allowed in "like" patterns, not "${op}"`, { path: ctx.file });
  }
}

export type { MatchEnv };
