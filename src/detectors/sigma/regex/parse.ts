/**
 * @module Parser for the regular expressions Sigma allows (modifiers appendix: `.`, `^`, `$`,
 * `*`, `+`, `?`, `{n,m}`, character classes, alternation and groups), plus what SigmaHQ rules
 * use on top and every engine agrees on: the escapes `\d \w \s \D \W \S \b \B`, control and hex
 * escapes, escaped punctuation, non-capturing and named groups, lazy quantifiers and leading
 * inline flags such as `(?i)`.
 *
 * Anything else (lookaround, backreferences, atomic groups, possessive quantifiers, inline flags
 * in the middle, POSIX classes, Unicode properties, PCRE-only escapes such as `\A` or `\h`) is
 * refused with a reason rather than handed to an engine that would read it differently.
 */
import type { CharSet, ParsedRegex, RegexFlags, RegexNode } from './ast.js';

export class RegexSyntaxError extends Error {}

const DIGIT: [number, number][] = [[48, 57]];
const WORD: [number, number][] = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const SPACE: [number, number][] = [
  [9, 13],
  [32, 32],
  [160, 160],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

/** Longest pattern accepted, in characters. */
const MAX_PATTERN = 10_000;
const MAX_DEPTH = 100;

export function parseRegex(source: string, flags: Partial<RegexFlags> = {}): ParsedRegex {
  if (source.length > MAX_PATTERN) throw new RegexSyntaxError(`pattern longer than ${MAX_PATTERN} characters`);
  let i = false;
  let m = false;
  let s = false;
  let pos = 0;
  // Leading inline flags, e.g. (?i) or (?is), possibly repeated.
  for (;;) {
    const lead = /^\(\?([imsx]+)\)/.exec(source.slice(pos));
    if (!lead) break;
    for (const f of lead[1]!) {
      if (f === 'i') i = true;
      else if (f === 'm') m = true;
      else if (f === 's') s = true;
      else throw new RegexSyntaxError('inline flag x (extended) is not supported');
    }
    pos += lead[0].length;
  }
  const p = new Parser(source, pos);
  const root = p.parseAlt(0);
  if (p.pos < source.length) throw new RegexSyntaxError(`unmatched ) at offset ${p.pos}`);
  return { root, flags: { i: i || flags.i === true, m: m || flags.m === true, s: s || flags.s === true } };
}

class Parser {
  readonly src: string;
  pos: number;

  constructor(src: string, pos: number) {
    this.src = src;
    this.pos = pos;
  }

  #fail(msg: string): never {
    throw new RegexSyntaxError(`${msg} at offset ${this.pos}`);
  }

  parseAlt(depth: number): RegexNode {
    if (depth > MAX_DEPTH) this.#fail('groups nested too deeply');
    const alts: RegexNode[] = [this.#parseSeq(depth)];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.#parseSeq(depth));
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  #parseSeq(depth: number): RegexNode {
    const items: RegexNode[] = [];
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '|' || c === ')') break;
      const atom = this.#parseAtom(depth);
      items.push(this.#parseQuantifier(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  #parseQuantifier(atom: RegexNode): RegexNode {
    const c = this.src[this.pos];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const q = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!q) return atom; // a literal brace, as in JavaScript and PCRE
      min = Number(q[1]);
      max = q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3]);
      if (max < min) this.#fail('quantifier {n,m} with m < n');
      if (min > 1000 || (max !== Infinity && max > 1000)) this.#fail('repetition count above 1000');
      this.pos += q[0].length - 1;
    } else return atom;
    this.pos++;
    if (atom.t === 'bol' || atom.t === 'eol' || atom.t === 'wordb') this.#fail('quantifier on an anchor');
    let lazy = false;
    if (this.src[this.pos] === '?') {
      lazy = true;
      this.pos++;
    } else if (this.src[this.pos] === '+') this.#fail('possessive quantifiers are not supported');
    const next = this.src[this.pos];
    if (next === '*' || next === '+' || (next === '?' && !lazy) || (next === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos)))) {
      this.#fail('nothing to repeat');
    }
    return { t: 'rep', body: atom, min, max, lazy };
  }

  #parseAtom(depth: number): RegexNode {
    const c = this.src[this.pos]!;
    switch (c) {
      case '(':
        return this.#parseGroup(depth);
      case '[':
        return { t: 'set', set: this.#parseClass() };
      case '.':
        this.pos++;
        return { t: 'dot' };
      case '^':
        this.pos++;
        return { t: 'bol' };
      case '$':
        this.pos++;
        return { t: 'eol' };
      case '\\':
        return this.#parseEscape(false);
      case '*':
      case '+':
      case '?':
        this.#fail('nothing to repeat');
        break;
      default:
        if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos))) this.#fail('nothing to repeat');
        break;
    }
    this.pos++;
    return { t: 'char', c: c.charCodeAt(0) };
  }

  #parseGroup(depth: number): RegexNode {
    this.pos++; // (
    if (this.src[this.pos] === '?') {
      const rest = this.src.slice(this.pos);
      if (rest.startsWith('?:')) this.pos += 2;
      else if (/^\?P?<[A-Za-z_]\w*>/.test(rest)) this.pos = this.src.indexOf('>', this.pos) + 1;
      else if (/^\?[=!]|^\?<[=!]/.test(rest)) this.#fail('lookaround assertions are not in the Sigma regex flavour');
      else if (rest.startsWith('?>')) this.#fail('atomic groups are not in the Sigma regex flavour');
      else if (/^\?[imsx-]+[:)]/.test(rest)) this.#fail('inline flags are only supported at the start of the pattern');
      else if (rest.startsWith('?#')) this.#fail('comments are not supported');
      else this.#fail('unknown group type');
    }
    const body = this.parseAlt(depth + 1);
    if (this.src[this.pos] !== ')') this.#fail('missing )');
    this.pos++;
    return { t: 'group', body };
  }

  /** An escape; inside a class only character and set escapes are allowed. */
  #parseEscape(inClass: boolean): RegexNode {
    this.pos++; // backslash
    const c = this.src[this.pos];
    if (c === undefined) this.#fail('pattern ends with a backslash');
    this.pos++;
    switch (c) {
      case 'd':
        return { t: 'set', set: { ranges: DIGIT, negated: false } };
      case 'D':
        return { t: 'set', set: { ranges: DIGIT, negated: true } };
      case 'w':
        return { t: 'set', set: { ranges: WORD, negated: false } };
      case 'W':
        return { t: 'set', set: { ranges: WORD, negated: true } };
      case 's':
        return { t: 'set', set: { ranges: SPACE, negated: false } };
      case 'S':
        return { t: 'set', set: { ranges: SPACE, negated: true } };
      case 'b':
        if (inClass) return { t: 'char', c: 8 };
        return { t: 'wordb', negated: false };
      case 'B':
        if (inClass) this.#fail('\\B in a character class');
        return { t: 'wordb', negated: true };
      case 'n':
        return { t: 'char', c: 10 };
      case 'r':
        return { t: 'char', c: 13 };
      case 't':
        return { t: 'char', c: 9 };
      case 'f':
        return { t: 'char', c: 12 };
      case 'v':
        return { t: 'char', c: 11 };
      case '0':
        if (/[0-9]/.test(this.src[this.pos] ?? '')) this.#fail('octal escapes are not supported');
        return { t: 'char', c: 0 };
      case 'x': {
        const h = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.pos));
        if (!h) this.#fail('\\x needs two hex digits');
        this.pos += 2;
        return { t: 'char', c: parseInt(h[0], 16) };
      }
      case 'u': {
        const h = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.pos));
        if (!h) this.#fail('\\u needs four hex digits');
        this.pos += 4;
        return { t: 'char', c: parseInt(h[0], 16) };
      }
      case 'c': {
        const l = this.src[this.pos];
        if (!l || !/[A-Za-z]/.test(l)) this.#fail('\\c needs a letter');
        this.pos++;
        return { t: 'char', c: l.charCodeAt(0) % 32 };
      }
      default:
        if (/[1-9]/.test(c)) this.#fail('backreferences are not in the Sigma regex flavour');
        if (/[A-Za-z]/.test(c)) this.#fail(`escape \\${c} is not supported (PCRE and JavaScript read it differently)`);
        return { t: 'char', c: c.charCodeAt(0) };
    }
  }

  #parseClass(): CharSet {
    this.pos++; // [
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    if (this.src[this.pos] === '[' && this.src[this.pos + 1] === ':') this.#fail('POSIX character classes are not supported');
    const ranges: [number, number][] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.#fail('missing ]');
      // A ] right after [ or [^ is a literal in PCRE but an empty class in JavaScript: refuse.
      if (c === ']') {
        if (first) this.#fail('] at the start of a character class is read differently by PCRE and JavaScript');
        this.pos++;
        break;
      }
      first = false;
      const lo = this.#classAtom();
      if (typeof lo !== 'number') {
        ranges.push(...lo.ranges.map((r) => [r[0], r[1]] as [number, number]));
        if (lo.negated) this.#fail('negated class escapes (\\D \\W \\S) inside a class are not supported');
        continue;
      }
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const hi = this.#classAtom();
        if (typeof hi !== 'number') this.#fail('range with a class escape');
        if (hi < lo) this.#fail('range out of order in character class');
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    return { ranges: mergeRanges(ranges), negated };
  }

  #classAtom(): number | CharSet {
    const c = this.src[this.pos]!;
    if (c === '\\') {
      const n = this.#parseEscape(true);
      if (n.t === 'char') return n.c;
      if (n.t === 'set') return n.set;
      this.#fail('unsupported escape in character class');
    }
    this.pos++;
    return c.charCodeAt(0);
  }
}

export function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].map((r) => [r[0], r[1]] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}
