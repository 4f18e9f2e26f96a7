/**
 * @module Line prefilter for log rules: lower-case literals of which every line a rule can match
 * contains at least one (ripgrep's candidate-line contract: extra candidates are fine, a missed
 * one is not). Derived from the condition (which strings it requires) and the strings (a text
 * string itself; the longest run a regular expression cannot match without; the longest printable
 * run of a hex string). `null` means "no hint": every line is a candidate.
 *
 * Literals are compared with lines lower-cased (ASCII), so case-sensitive strings only get more
 * candidates. Lines holding NUL bytes are always candidates (`wide` strings could match there).
 */
import type { RuleString, RuleText } from './rule-text.js';
import { unquote } from './rule-text.js';

const MIN_LITERAL = 3;

type Lits = string[] | null;

/** Literal set of a rule (see module doc), or null. */
export function ruleLiterals(rule: RuleText): Lits {
  const strings = new Map(rule.strings.map((s) => [s.id, s]));
  return requiredOf(rule, (s) => stringLiterals(strings.get(s.id) ?? s), literalScore);
}

/**
 * Strings of which every match of the rule needs one to match (in the scanned data itself), or
 * null when the condition can hold without any (`not $a`, `filesize < 10`, a rule reference, a
 * condition this reader does not follow). Of the alternatives an `and` offers, the strings with
 * the longest literals are taken: they match the fewest lines. The log-line gate (line-gate.ts)
 * relies on this being exact in that one direction.
 */
export function requiredStrings(rule: RuleText): RuleString[] | null {
  return requiredOf(rule, (s) => [s], (set) => literalScore(set.map((s) => longest(stringLiterals(s)))));
}

function longest(l: Lits): string {
  return (l ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
}

function requiredOf<T>(rule: RuleText, of: (s: RuleString) => T[] | null, score: (set: readonly T[]) => number): T[] | null {
  const p = new CondParser<T>(rule.condition, (id) => stringsFor(id, rule.strings), of, score);
  try {
    const out = p.expr();
    return p.done() ? out : null;
  } catch {
    return null;
  }
}

/** Prefer fewer, longer literals: fewer candidate lines. */
function literalScore(l: readonly string[]): number {
  return Math.min(...l.map((x) => x.length)) * 10 - l.length;
}

function best(sets: readonly Lits[]): Lits {
  let out: Lits = null;
  for (const s of sets) if (s && s.length > 0 && (!out || literalScore(s) > literalScore(out))) out = s;
  return out;
}

function union<T>(sets: readonly (T[] | null)[]): T[] | null {
  if (sets.length === 0 || sets.some((s) => s === null)) return null;
  return [...new Set(sets.flatMap((s) => s ?? []))];
}

/** Strings a `$name`, `$prefix*`, `$` or `them` refers to. */
function stringsFor(ref: string, all: readonly RuleString[]): RuleString[] {
  if (ref === 'them') return [...all];
  if (ref.endsWith('*')) return all.filter((s) => s.id.startsWith(ref.slice(0, -1)));
  return all.filter((s) => s.id === ref);
}

const END = new Set(['and', 'or', ')']);

/**
 * A recursive-descent reader of the condition subset that decides which strings are required.
 * Sound in one direction only: a non-null answer means the condition is false whenever none of
 * the answered strings matches. Anything it does not understand, including what follows a
 * string reference other than `at` or `in` (`$a == false`), answers null.
 */
class CondParser<T> {
  #i = 0;
  readonly #t: readonly string[];
  readonly #refs: (id: string) => RuleString[];
  readonly #of: (s: RuleString) => T[] | null;
  readonly #score: (set: readonly T[]) => number;

  constructor(tokens: readonly string[], refs: (id: string) => RuleString[], of: (s: RuleString) => T[] | null, score: (set: readonly T[]) => number) {
    this.#t = tokens;
    this.#refs = refs;
    this.#of = of;
    this.#score = score;
  }

  done(): boolean {
    return this.#i >= this.#t.length;
  }

  expr(): T[] | null {
    const parts = [this.and()];
    while (this.#peek() === 'or') {
      this.#i += 1;
      parts.push(this.and());
    }
    return parts.length === 1 ? (parts[0] ?? null) : union(parts);
  }

  and(): T[] | null {
    const parts = [this.unary()];
    while (this.#peek() === 'and') {
      this.#i += 1;
      parts.push(this.unary());
    }
    return this.#best(parts);
  }

  unary(): T[] | null {
    if (this.#peek() === 'not') {
      this.#i += 1;
      this.unary();
      return null;
    }
    return this.primary();
  }

  primary(): T[] | null {
    const t = this.#peek();
    const sum = this.#countSum();
    if (sum) return union(sum.map((s) => this.#of(s)));
    if (t === '(') {
      this.#i += 1;
      const inner = this.expr();
      if (this.#peek() !== ')') return this.#rest(null, false);
      this.#i += 1;
      return this.#rest(inner, false);
    }
    // `N of (...)`, `any of them`, `all of ($a*)`: all of a set needs each member, the others one.
    if (this.#t[this.#i + 1] === 'of' && t !== undefined) {
      const n = t === 'any' ? 1 : t === 'all' ? Infinity : /^[0-9]+$/.test(t) ? Number(t) : NaN;
      this.#i += 2;
      const set = this.#setRefs();
      if (!(n >= 1) || set.length === 0) return this.#rest(null, false);
      const each = set.map((s) => this.#of(s));
      return this.#rest(n >= set.length ? this.#best(each) : union(each), true);
    }
    if (t?.startsWith('$') && !t.endsWith('*')) {
      this.#i += 1;
      const refs = this.#refs(t);
      return this.#rest(refs.length > 0 ? union(refs.map((s) => this.#of(s))) : null, true);
    }
    return this.#rest(null, false);
  }

  #best(sets: readonly (T[] | null)[]): T[] | null {
    let out: T[] | null = null;
    for (const s of sets) if (s && s.length > 0 && (!out || this.#score(s) > this.#score(out))) out = s;
    return out;
  }

  /**
   * A count comparison that needs a match: `#a > X` where X is a sum of counts and non-negative
   * numbers (so `#a` is at least 1), `#a >= N` or `#a == N` with N >= 1, and the same with
   * `(#a + #b)` on the left. Nothing may follow it but `and`, `or` or `)`. Returns the strings
   * counted, or null (position unchanged) for anything else.
   */
  #countSum(): RuleString[] | null {
    const start = this.#i;
    const fail = (): null => {
      this.#i = start;
      return null;
    };
    const paren = this.#peek() === '(';
    if (paren) this.#i += 1;
    const ids: string[] = [];
    for (let t = this.#peek(); t?.startsWith('#'); t = this.#peek()) {
      ids.push(`$${t.slice(1)}`);
      this.#i += 1;
      if (this.#peek() !== '+') break;
      this.#i += 1;
    }
    if (ids.length === 0) return fail();
    if (paren) {
      if (this.#peek() !== ')') return fail();
      this.#i += 1;
    }
    const op = this.#peek();
    this.#i += 1;
    const rhs: string[] = [];
    let depth = 0;
    for (let t = this.#peek(); t !== undefined && !(depth === 0 && END.has(t)); t = this.#peek()) {
      if (t === '(') depth += 1;
      if (t === ')') depth -= 1;
      rhs.push(t);
      this.#i += 1;
    }
    const n = rhs.length === 1 ? Number(rhs[0]) : NaN;
    const ok =
      (op === '>' && rhs.length > 0 && depth === 0 && rhs.every((x) => x === '(' || x === ')' || x === '+' || /^#\w*$/.test(x) || /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(x))) ||
      ((op === '>=' || op === '==') && Number.isInteger(n) && n >= 1);
    if (!ok) return fail();
    return ids.flatMap((id) => this.#refs(id));
  }

  /**
   * Skips the rest of a primary up to `and`/`or`/`)`. What may follow a string or a string set
   * without changing whether it needs a match: `at ...` and `in (...)`; anything else (a
   * comparison) makes the answer null.
   */
  #rest(l: T[] | null, placed: boolean): T[] | null {
    const first = this.#peek();
    const keeps = first === undefined || END.has(first) || (placed && (first === 'at' || first === 'in'));
    let depth = 0;
    for (let t = this.#peek(); t !== undefined; t = this.#peek()) {
      if (depth === 0 && END.has(t)) break;
      if (t === '(') depth += 1;
      if (t === ')') depth -= 1;
      this.#i += 1;
    }
    return keeps ? l : null;
  }

  #setRefs(): RuleString[] {
    const t = this.#peek();
    if (t === 'them') {
      this.#i += 1;
      return this.#refs('them');
    }
    if (t !== '(') return [];
    this.#i += 1;
    const out: RuleString[] = [];
    for (let x = this.#peek(); x !== undefined && x !== ')'; x = this.#peek()) {
      if (x.startsWith('$')) {
        const refs = this.#refs(x);
        // A name that is not a string of this rule: a set this reader does not follow.
        if (refs.length === 0) return [];
        out.push(...refs);
      } else if (x !== ',') return [];
      this.#i += 1;
    }
    this.#i += 1;
    return out;
  }

  #peek(): string | undefined {
    return this.#t[this.#i];
  }
}

/** Literals one string cannot match without, or null. */
export function stringLiterals(s: RuleString): Lits {
  if (s.modifiers.some((m) => m === 'xor' || m === 'base64' || m === 'base64wide')) return null;
  if (s.kind === 'text') return asciiRun(unquote(s.raw));
  if (s.kind === 'hex') return hexLiterals(s.raw);
  const m = /^\/([\s\S]*)\/([a-z]*)$/.exec(s.raw);
  return m ? regexLiterals(m[1] ?? '') : null;
}

/** The longest printable ASCII run of a text, lower-cased, when long enough. */
function asciiRun(text: string): Lits {
  const runs = text.split(/[^\x20-\x7e]+/).sort((a, b) => b.length - a.length);
  const r = runs[0] ?? '';
  return r.length >= MIN_LITERAL ? [r.toLowerCase()] : null;
}

function hexLiterals(raw: string): Lits {
  const body = raw.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/[{}]/g, ' ');
  if (/[|(]/.test(body)) return null;
  let bestRun = '';
  let cur = '';
  for (const tok of body.split(/\s+/).filter(Boolean).flatMap((t) => t.match(/\[[^\]]*\]|\?\?|[?~][0-9a-fA-F?]|[0-9a-fA-F?]{2}/g) ?? [])) {
    const byte = /^[0-9a-fA-F]{2}$/.test(tok) ? parseInt(tok, 16) : -1;
    if (byte >= 0x20 && byte < 0x7f) cur += String.fromCharCode(byte);
    else cur = '';
    if (cur.length > bestRun.length) bestRun = cur;
  }
  return bestRun.length >= MIN_LITERAL ? [bestRun.toLowerCase()] : null;
}

/**
 * Literals of a regular expression: for each top-level alternative, the best of its required
 * pieces (a run of literal characters, or a required group whose every alternative has literals).
 * Lower-cased unless `fold` is false (the gate keeps the case of case-sensitive expressions).
 */
export function regexLiterals(src: string, fold = true): Lits {
  try {
    const r = new RegexReader(src, fold);
    const lits = r.alternation();
    return r.done() ? lits : null;
  } catch {
    return null;
  }
}

class RegexReader {
  #i = 0;
  readonly #s: string;
  readonly #fold: boolean;

  constructor(s: string, fold: boolean) {
    this.#s = s;
    this.#fold = fold;
  }

  done(): boolean {
    return this.#i >= this.#s.length;
  }

  alternation(): Lits {
    const alts = [this.sequence()];
    while (this.#s[this.#i] === '|') {
      this.#i += 1;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? (alts[0] ?? null) : union(alts);
  }

  sequence(): Lits {
    const pieces: Lits[] = [];
    let run = '';
    const flush = (): void => {
      if (run.length >= MIN_LITERAL) pieces.push([this.#fold ? run.toLowerCase() : run]);
      run = '';
    };
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i] ?? '';
      if (c === '|' || c === ')') break;
      let atom: { lit: string | null; group: Lits } = { lit: null, group: null };
      if (c === '(') {
        this.#i += 1;
        if (this.#s[this.#i] === '?') this.#i += this.#s[this.#i + 1] === ':' ? 2 : this.#s.length;
        const inner = this.alternation();
        if (this.#s[this.#i] !== ')') throw new Error('unbalanced group');
        this.#i += 1;
        atom = { lit: null, group: inner };
      } else if (c === '[') {
        this.#i = this.#classEnd(this.#i);
      } else if (c === '\\') {
        const e = this.#s[this.#i + 1] ?? '';
        if (e === 'x') {
          const code = parseInt(this.#s.slice(this.#i + 2, this.#i + 4), 16);
          this.#i += 4;
          atom.lit = code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : null;
        } else {
          this.#i += 2;
          atom.lit = /[A-Za-z0-9]/.test(e) ? null : e;
        }
      } else {
        this.#i += 1;
        atom.lit = c === '.' || c === '^' || c === '$' ? null : c;
      }
      const q = this.#quantifier();
      if (q === 'optional') {
        flush();
        continue;
      }
      if (atom.lit !== null) {
        run += atom.lit;
        if (q === 'repeat') flush();
      } else {
        flush();
        if (atom.group) pieces.push(atom.group);
      }
    }
    flush();
    return best(pieces);
  }

  /** Reads a quantifier after an atom: none, one-or-more style (`+`, `{2,}`), or optional. */
  #quantifier(): 'none' | 'repeat' | 'optional' {
    const c = this.#s[this.#i];
    let kind: 'none' | 'repeat' | 'optional' = 'none';
    if (c === '*' || c === '?') kind = 'optional';
    else if (c === '+') kind = 'repeat';
    else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(this.#s.slice(this.#i));
      if (!m) return 'none';
      this.#i += m[0].length;
      const min = Number(m[1] || '0');
      const lazy = this.#s[this.#i] === '?';
      if (lazy) this.#i += 1;
      return min === 0 ? 'optional' : 'repeat';
    }
    if (kind !== 'none') {
      this.#i += 1;
      if (this.#s[this.#i] === '?') this.#i += 1;
    }
    return kind;
  }

  #classEnd(start: number): number {
    let i = start + 1;
    if (this.#s[i] === '^') i += 1;
    if (this.#s[i] === ']') i += 1;
    while (i < this.#s.length && this.#s[i] !== ']') i += this.#s[i] === '\\' ? 2 : 1;
    if (i >= this.#s.length) throw new Error('unbalanced class');
    return i + 1;
  }
}

/** Union of several rules' sets (null when any has none), without literals containing others. */
export function unionRuleLiterals(sets: readonly Lits[]): Lits {
  const u = union(sets);
  if (!u) return sets.length === 0 ? [] : null;
  const all = [...u].sort((a, b) => a.length - b.length);
  return all.filter((x, i) => !all.slice(0, i).some((y) => x.includes(y)));
}

/**
 * Tests lines against a literal set: a line is a candidate when it contains one of the literals
 * ignoring ASCII case, or when it holds a NUL (a `wide` string might match there). Wu-Manber over
 * character pairs: the window is as long as the shortest literal, and the pair at its end says
 * how far the window may jump; only pairs that end a literal's window are verified.
 */
export class LineMatcher {
  readonly #m: number;
  readonly #shift: Uint8Array;
  readonly #buckets: (string[] | undefined)[] = [];
  readonly #never: boolean;

  constructor(literals: readonly string[]) {
    const lits = literals.filter((l) => l.length > 0);
    this.#never = lits.length === 0;
    this.#m = Math.max(2, Math.min(...lits.map((l) => l.length)));
    if (lits.some((l) => l.length < 2)) this.#m = 1;
    this.#shift = new Uint8Array(128 * 128).fill(Math.min(255, Math.max(0, this.#m - 1)));
    if (this.#m < 2) return;
    for (const l of lits) {
      for (let q = 1; q < this.#m; q++) {
        const h = pairKey(l.charCodeAt(q - 1), l.charCodeAt(q));
        const sh = this.#m - 1 - q;
        if (sh < (this.#shift[h] ?? 0)) this.#shift[h] = sh;
      }
      const h = pairKey(l.charCodeAt(this.#m - 2), l.charCodeAt(this.#m - 1));
      (this.#buckets[h] ??= []).push(l);
    }
  }

  test(line: string): boolean {
    if (line.includes('\0')) return true;
    if (this.#never) return false;
    const m = this.#m;
    if (m < 2) return true;
    const shift = this.#shift;
    const n = line.length;
    let pos = m - 1;
    while (pos < n) {
      const h = pairKey(fold(line.charCodeAt(pos - 1)), fold(line.charCodeAt(pos)));
      const sh = shift[h] ?? 0;
      if (sh > 0) {
        pos += sh;
        continue;
      }
      const bucket = this.#buckets[h];
      if (bucket) {
        const start = pos - m + 1;
        for (const l of bucket) if (matchesAt(line, start, l)) return true;
      }
      pos += 1;
    }
    return false;
  }
}

/** Index of a pair of ASCII characters; pairs with other characters share the last slot. */
function pairKey(a: number, b: number): number {
  return a < 128 && b < 128 ? (a << 7) | b : 128 * 128 - 1;
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function matchesAt(line: string, at: number, lit: string): boolean {
  if (at < 0 || at + lit.length > line.length) return false;
  for (let k = 0; k < lit.length; k++) if (fold(line.charCodeAt(at + k)) !== lit.charCodeAt(k)) return false;
  return true;
}
