/**
 * @module Regular expressions from feeds (LOKI filename IOCs are Python `re`; STIX `MATCHES` is
 * PCRE; CHIRP `~=` is Python): translation to JavaScript, a guard against catastrophic
 * backtracking, and extraction of the literals every match must contain (the prefilter the
 * matcher's Aho-Corasick automaton runs, so regexes are only evaluated on candidate values).
 */
import { short } from './text.js';

export type RegexResult =
  | { readonly ok: true; readonly source: string; readonly flags: string; readonly regex: RegExp }
  | { readonly ok: false; readonly reason: string };

/** Longest nesting of `(` in a pattern we accept (deeper ones are refused, not risked). */
const MAX_DEPTH = 20;
const MAX_LENGTH = 4096;

/**
 * Translates a Python/PCRE-style pattern into a JavaScript RegExp: leading inline flags
 * (`(?i)`, `(?is)`) become flags, `(?P<n>` / `(?P=n)` become `(?<n>` / `\k<n>`, `\A`/`\Z`
 * become `^`/`$`. Patterns JavaScript cannot compile, and patterns with a quantified group that
 * itself holds an unbounded quantifier (`(a+)+`: exponential backtracking on attacker-chosen
 * input) are refused with a reason.
 */
export function toJsRegex(pattern: string, extraFlags = ''): RegexResult {
  if (pattern.length > MAX_LENGTH) return { ok: false, reason: `regex longer than ${MAX_LENGTH} characters` };
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else if (f !== 'u' && f !== 'a' && f !== 'L') return { ok: false, reason: `regex flag "${f}" (verbose/locale) is not supported` };
    }
    src = src.slice(lead[0].length);
  }
  for (const f of extraFlags) if (!flags.includes(f)) flags += f;
  src = src
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])\\A/g, '$1^')
    .replace(/(^|[^\\])\\Z/g, '$1$');
  const risky = backtrackingRisk(src);
  if (risky) return { ok: false, reason: `regex "${short(pattern)}" ${risky}` };
  try {
    return { ok: true, source: src, flags, regex: new RegExp(src, flags) };
  } catch (e) {
    return { ok: false, reason: `regex "${short(pattern)}" is not valid: ${e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e)}` };
  }
}

interface GroupState {
  unbounded: boolean;
}

/** Why a pattern risks catastrophic backtracking, or null. */
export function backtrackingRisk(src: string): string | null {
  const stack: GroupState[] = [];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ unbounded: false });
      if (stack.length > MAX_DEPTH) return `nests groups deeper than ${MAX_DEPTH}`;
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      // A group's unbounded content makes its parent's content unbounded too.
      if (g?.unbounded && stack.length > 0) stack[stack.length - 1]!.unbounded = true;
      const next = src[i + 1];
      const unboundedQuant = next === '*' || next === '+' || (next === '{' && /^\{\d*,\}/.test(src.slice(i + 1)));
      if (g?.unbounded && unboundedQuant) return 'nests unbounded quantifiers (catastrophic backtracking)';
      continue;
    }
    const unbounded = c === '*' || c === '+' || (c === '{' && /^\{\d*,\}/.test(src.slice(i)));
    if (unbounded && stack.length > 0) stack[stack.length - 1]!.unbounded = true;
  }
  return null;
}

/**
 * Lower-case literals such that every match of the pattern contains at least one of them, or
 * null when no useful set can be proven (then the regex is tried on every value). Literals
 * shorter than `minLength` are not useful.
 */
export function requiredLiterals(src: string, minLength = 3): string[] | null {
  const branches = splitTopLevel(src);
  const out: string[] = [];
  for (const b of branches) {
    const best = longestRun(b);
    if (best === null || best.length < minLength) return null;
    out.push(best.toLowerCase());
  }
  return [...new Set(out)];
}

/** Top-level alternatives of a pattern. */
function splitTopLevel(src: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(src.slice(start, i));
      start = i + 1;
    }
  }
  out.push(src.slice(start));
  return out;
}

const ESCAPE_CHARS: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', '0': '\0' };

/** Longest run of literal characters in a branch that every match must contain. */
function longestRun(src: string): string | null {
  const runs: string[] = [];
  let run = '';
  const end = (): void => {
    if (run) runs.push(run);
    run = '';
  };
  // Characters in `run` were each matched exactly once; a following quantifier changes that.
  const applyQuantifier = (q: string): void => {
    const optional = q === '*' || q === '?' || /^\{0*(,|\})/.test(q) || /^\{0+,?\d*\}/.test(q);
    if (optional) run = run.slice(0, -1);
    end();
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      i++;
      if (n === undefined) break;
      if (/[dDwWsSbBpPkc]/.test(n)) {
        end();
        if (n === 'p' || n === 'P' || n === 'k') i = skipBraces(src, i + 1);
        continue;
      }
      if (n === 'x' && /^[0-9A-Fa-f]{2}/.test(src.slice(i + 1))) {
        run += String.fromCharCode(parseInt(src.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (n === 'u' && /^[0-9A-Fa-f]{4}/.test(src.slice(i + 1))) {
        run += String.fromCharCode(parseInt(src.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (/[1-9]/.test(n)) {
        end(); // back reference
      } else {
        run += ESCAPE_CHARS[n] ?? n;
      }
      continue;
    }
    if (c === '[') {
      end();
      i = skipClass(src, i);
      i = skipQuantifier(src, i + 1) - 1;
      continue;
    }
    if (c === '(') {
      end();
      i = skipGroup(src, i);
      i = skipQuantifier(src, i + 1) - 1;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      applyQuantifier(c);
      if (src[i + 1] === '?' || src[i + 1] === '+') i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{\d*(,\d*)?\}/.exec(src.slice(i));
      if (m) {
        applyQuantifier(m[0]);
        i += m[0].length - 1;
        continue;
      }
      run += c;
      continue;
    }
    if (c === '.' || c === '^' || c === '$' || c === ')' || c === '|') {
      end();
      continue;
    }
    run += c;
  }
  end();
  if (runs.length === 0) return null;
  return runs.reduce((a, b) => (b.length > a.length ? b : a));
}

function skipClass(src: string, open: number): number {
  let i = open + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  for (; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === ']') return i;
  }
  return src.length;
}

function skipGroup(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') i = skipClass(src, i);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return src.length;
}

function skipBraces(src: string, at: number): number {
  if (src[at] !== '{' && src[at] !== '<') return at - 1;
  const close = src.indexOf(src[at] === '{' ? '}' : '>', at);
  return close < 0 ? src.length : close;
}

/** Index after a quantifier starting at `at` (or `at` when there is none). */
function skipQuantifier(src: string, at: number): number {
  const c = src[at];
  let i = at;
  if (c === '*' || c === '+' || c === '?') i++;
  else if (c === '{') {
    const m = /^\{\d*(,\d*)?\}/.exec(src.slice(at));
    if (m) i += m[0].length;
  }
  if (i > at && (src[i] === '?' || src[i] === '+')) i++;
  return i;
}

/** A regex that matches `text` literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * Translates a STIX/SQL `LIKE` pattern (`%` any run, `_` one character) into an anchored
 * regex source.
 */
export function likeToRegex(like: string): string {
  let out = '^';
  for (const ch of like) {
    if (ch === '%') out += '.*';
    else if (ch === '_') out += '.';
    else out += escapeRegex(ch);
  }
  return `${out}$`;
}
