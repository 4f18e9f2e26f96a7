/**
 * @module Compiles a Sigma regular expression once into a matcher, choosing the engine by what
 * the pattern could cost:
 * - patterns whose backtracking is bounded by a small constant per start position (no unbounded
 *   quantifier, few and small bounded ones, nothing nested) run on V8's RegExp, the fastest;
 * - everything else runs on the linear-time NFA (./nfa.ts). V8 alone is not safe here: `a.*b`
 *   takes about 20 s on 100 KB of `a`, and `(a+)+$` never finishes on 40 characters.
 * Either way a cheap necessary check comes first: the literal runs every match must contain.
 */
import type { ParsedRegex, RegexNode } from './ast.js';
import { Nfa, NfaTooLargeError } from './nfa.js';
import { RegexSyntaxError, parseRegex } from './parse.js';
import { toJsSource } from './print.js';

export interface CompiledRegex {
  readonly source: string;
  readonly flags: string;
  /** `native` (V8 RegExp) or `nfa` (linear time). */
  readonly engine: 'native' | 'nfa';
  /** Literal runs every match contains (lower-cased when the pattern is case-insensitive). */
  readonly required: readonly string[];
  readonly caseInsensitive: boolean;
  test(value: string): boolean;
}

export type RegexResult = { readonly ok: true; readonly regex: CompiledRegex } | { readonly ok: false; readonly reason: string };

/** Product of bounded repetition ranges above which V8 could do too much work per start. */
const MAX_NATIVE_BRANCHING = 64;

export function compileRegex(source: string, flags: { i?: boolean; m?: boolean; s?: boolean } = {}): RegexResult {
  let parsed: ParsedRegex;
  try {
    parsed = parseRegex(source, flags);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return { ok: false, reason: `regular expression ${JSON.stringify(source)}: ${e.message}` };
    throw e;
  }
  const jsFlags = `${parsed.flags.i ? 'i' : ''}${parsed.flags.m ? 'm' : ''}${parsed.flags.s ? 's' : ''}`;
  const required = requiredLiterals(parsed.root).map((l) => (parsed.flags.i ? l.toLowerCase() : l));
  const icase = parsed.flags.i;
  const pre = (v: string): boolean => {
    if (required.length === 0) return true;
    const hay = icase ? v.toLowerCase() : v;
    for (const r of required) if (!hay.includes(r)) return false;
    return true;
  };
  if (isBacktrackingSafe(parsed.root)) {
    let re: RegExp;
    try {
      re = new RegExp(toJsSource(parsed.root), jsFlags);
    } catch (e) {
      return { ok: false, reason: `regular expression ${JSON.stringify(source)}: ${(e as Error).message}` };
    }
    return {
      ok: true,
      regex: { source, flags: jsFlags, engine: 'native', required, caseInsensitive: icase, test: (v) => pre(v) && re.test(v) },
    };
  }
  let nfa: Nfa;
  try {
    nfa = new Nfa(parsed);
  } catch (e) {
    if (e instanceof NfaTooLargeError) return { ok: false, reason: `regular expression ${JSON.stringify(source)}: ${e.message}` };
    throw e;
  }
  return {
    ok: true,
    regex: { source, flags: jsFlags, engine: 'nfa', required, caseInsensitive: icase, test: (v) => pre(v) && nfa.test(v) },
  };
}

/**
 * True when a backtracking engine does at most a small constant amount of work per start
 * position: no unbounded quantifier, no repetition inside a repetition, no alternation inside a
 * repetition, and bounded repetitions whose ranges multiply to at most MAX_NATIVE_BRANCHING.
 */
export function isBacktrackingSafe(root: RegexNode): boolean {
  let branching = 1;
  const walk = (n: RegexNode, inRep: boolean): boolean => {
    switch (n.t) {
      case 'seq':
        return n.items.every((x) => walk(x, inRep));
      case 'alt':
        if (inRep) return false;
        return n.alts.every((x) => walk(x, inRep));
      case 'group':
        return walk(n.body, inRep);
      case 'rep':
        if (n.max === Infinity || inRep) return false;
        branching *= n.max - n.min + 1;
        if (branching > MAX_NATIVE_BRANCHING) return false;
        return walk(n.body, n.max > 1 || n.max - n.min > 0);
      default:
        return true;
    }
  };
  return walk(root, false);
}

/**
 * Literal runs that every match must contain: maximal runs of plain characters in the parts of
 * the pattern that always take part in a match (not inside alternations or optional pieces).
 * Runs shorter than 3 characters are dropped (they filter nothing).
 */
export function requiredLiterals(root: RegexNode): string[] {
  const out: string[] = [];
  const walkSeq = (items: readonly RegexNode[]): void => {
    let run = '';
    const flush = (): void => {
      if (run.length >= 3) out.push(run);
      run = '';
    };
    for (const n of items) {
      if (n.t === 'char') run += String.fromCharCode(n.c);
      else if (n.t === 'bol' || n.t === 'eol' || n.t === 'wordb') continue;
      else {
        flush();
        visit(n);
      }
    }
    flush();
  };
  const visit = (n: RegexNode): void => {
    switch (n.t) {
      case 'seq':
        walkSeq(n.items);
        break;
      case 'group':
        visit(n.body);
        break;
      case 'char':
        walkSeq([n]);
        break;
      case 'rep':
        if (n.min >= 1) visit(n.body);
        break;
      default:
        break;
    }
  };
  visit(root);
  return out;
}

export { RegexSyntaxError };
