/**
 * @module A parser for the STIX 2.x patterning language, following the grammar of the OASIS
 * reference validator (cti-pattern-validator, STIXPattern.g4):
 *
 *     pattern        := obsExprs EOF
 *     obsExprs       := obsOr (FOLLOWEDBY obsOr)*
 *     obsOr          := obsAnd (OR obsAnd)*
 *     obsAnd         := obsExpr (AND obsExpr)*
 *     obsExpr        := ('[' cmpExpr ']' | '(' obsExprs ')') qualifier*
 *     qualifier      := WITHIN (int|float) SECONDS | REPEATS int TIMES | START t'..' STOP t'..'
 *     cmpExpr        := cmpAnd (OR cmpAnd)*
 *     cmpAnd         := propTest (AND propTest)*
 *     propTest       := path NOT? (= | == | != | <>) literal | path NOT? (< | <= | > | >=) orderable
 *                     | path NOT? IN '(' literal, ... ')' | path NOT? (LIKE | MATCHES | ISSUBSET | ISSUPERSET) string
 *                     | '(' cmpExpr ')' | EXISTS path
 *     path           := objectType ':' (ident | string) ('.' (ident | string) | '[' (int | '*') ']')*
 *
 * Keywords are upper case (`within` is an identifier, so `[a:b=1] within 2 seconds` is an
 * error). Literals: `'string'` (escapes `\'` and `\\` only), integers, floats, `true`/`false`,
 * `b'base64'`, `h'hex'`, `t'YYYY-MM-DDTHH:MM:SS[.s+]Z'` (month 01-12, day 01-31, hour 00-23,
 * minute 00-59, second 00-60). Beyond the grammar, as the validator does: hash values of the
 * common algorithms must have the right form, and one observation may not carry two qualifiers of
 * the same type directly.
 */
import type { Comparison, ComparisonOp, Literal, ObjectPath, Observation, PathStep, Qualifier } from './ast.js';

export class PatternError extends Error {
  constructor(
    message: string,
    /** 0-based column in the pattern. */
    readonly column: number,
  ) {
    super(`${message} (at column ${column + 1})`);
    this.name = 'PatternError';
  }
}

type TokKind =
  | '['
  | ']'
  | '('
  | ')'
  | ','
  | ':'
  | '.'
  | '*'
  | 'op'
  | 'kw'
  | 'ident'
  | 'string'
  | 'int'
  | 'float'
  | 'hex'
  | 'binary'
  | 'timestamp'
  | 'bool'
  | 'eof';

interface Token {
  readonly kind: TokKind;
  readonly text: string;
  readonly value?: string | number | boolean;
  readonly pos: number;
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUPERSET',
  'ISSUBSET',
  'EXISTS',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'WITHIN',
  'REPEATS',
  'TIMES',
]);

const TIMESTAMP = /^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[A-Fa-f0-9]{2})*$/;

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if ('[](),:.*'.includes(c)) {
      out.push({ kind: c as TokKind, text: c, pos: start });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two === '==' ? '=' : two === '<>' ? '!=' : two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, pos: start });
      i++;
      continue;
    }
    if (c === "'") {
      const { value, end } = readString(src, i);
      out.push({ kind: 'string', text: src.slice(start, end), value, pos: start });
      i = end;
      continue;
    }
    if ((c === 't' || c === 'h' || c === 'b') && src[i + 1] === "'") {
      const close = src.indexOf("'", i + 2);
      if (close < 0) throw new PatternError('unterminated literal', start);
      const body = src.slice(i + 2, close);
      const kind = c === 't' ? 'timestamp' : c === 'h' ? 'hex' : 'binary';
      const valid = kind === 'timestamp' ? TIMESTAMP.test(body) : kind === 'hex' ? HEX.test(body) : BASE64.test(body);
      if (!valid) throw new PatternError(`invalid ${kind} literal ${c}'${body.slice(0, 40)}'`, start);
      out.push({ kind, text: src.slice(start, close + 1), value: body, pos: start });
      i = close + 1;
      continue;
    }
    const num = /^[+-]?(?:[0-9]*\.[0-9]+|0|[1-9][0-9]*)/.exec(src.slice(i));
    if (num && /[0-9.+-]/.test(c)) {
      const text = num[0];
      // `01` is not a literal in the grammar.
      if (/^[+-]?0[0-9]/.test(src.slice(i))) throw new PatternError(`invalid number "${src.slice(i, i + 10)}"`, start);
      out.push({ kind: text.includes('.') ? 'float' : 'int', text, value: Number(text), pos: start });
      i += text.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) {
      const text = id[0];
      if (KEYWORDS.has(text)) out.push({ kind: 'kw', text, pos: start });
      else if (text === 'true' || text === 'false') out.push({ kind: 'bool', text, value: text === 'true', pos: start });
      else out.push({ kind: 'ident', text, pos: start });
      i += text.length;
      continue;
    }
    throw new PatternError(`unexpected character "${c}"`, start);
  }
  out.push({ kind: 'eof', text: '<end>', pos: src.length });
  return out;
}

function readString(src: string, open: number): { value: string; end: number } {
  let value = '';
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === "'" || n === '\\') {
        value += n;
        i++;
        continue;
      }
      throw new PatternError(`invalid escape "\\${n ?? ''}" in string (only \\' and \\\\ are allowed)`, i);
    }
    if (c === "'") return { value, end: i + 1 };
    value += c;
  }
  throw new PatternError('unterminated string', open);
}

class Parser {
  readonly #toks: Token[];
  #i = 0;

  constructor(toks: Token[]) {
    this.#toks = toks;
  }

  get #peek(): Token {
    return this.#toks[this.#i]!;
  }

  #current(): Token {
    return this.#toks[this.#i]!;
  }

  #next(): Token {
    return this.#toks[this.#i++]!;
  }

  #isKw(text: string): boolean {
    return this.#peek.kind === 'kw' && this.#peek.text === text;
  }

  #expect(kind: TokKind, what: string): Token {
    const t = this.#peek;
    if (t.kind !== kind) throw new PatternError(`expected ${what}, found "${t.text}"`, t.pos);
    return this.#next();
  }

  #expectKw(text: string): void {
    const t = this.#peek;
    if (!(t.kind === 'kw' && t.text === text)) throw new PatternError(`expected ${text}, found "${t.text}"`, t.pos);
    this.#next();
  }

  pattern(): Observation {
    if (this.#peek.kind !== '[' && this.#peek.kind !== '(') {
      throw new PatternError('a pattern starts with "[" (the observation is missing its square brackets)', this.#peek.pos);
    }
    const expr = this.#obsExprs();
    const rest = this.#current();
    if (rest.kind !== 'eof') throw new PatternError(`unexpected "${rest.text}" after the pattern`, rest.pos);
    return expr;
  }

  #obsExprs(): Observation {
    const first = this.#obsOr();
    const ops = [first];
    while (this.#isKw('FOLLOWEDBY')) {
      this.#next();
      ops.push(this.#obsOr());
    }
    return ops.length === 1 ? first : { kind: 'followedby', operands: ops };
  }

  #obsOr(): Observation {
    const first = this.#obsAnd();
    const ops = [first];
    while (this.#isKw('OR')) {
      this.#next();
      ops.push(this.#obsAnd());
    }
    return ops.length === 1 ? first : { kind: 'or', operands: ops };
  }

  #obsAnd(): Observation {
    const first = this.#obsExpr();
    const ops = [first];
    while (this.#isKw('AND')) {
      this.#next();
      ops.push(this.#obsExpr());
    }
    return ops.length === 1 ? first : { kind: 'and', operands: ops };
  }

  #obsExpr(): Observation {
    const t = this.#peek;
    let simple: boolean;
    let base: Comparison | Observation;
    if (t.kind === '[') {
      this.#next();
      base = this.#cmpExpr();
      this.#expect(']', '"]"');
      simple = true;
    } else if (t.kind === '(') {
      this.#next();
      base = this.#obsExprs();
      this.#expect(')', '")"');
      simple = false;
    } else {
      throw new PatternError(`expected "[" or "(", found "${t.text}"`, t.pos);
    }
    const qualifiers: Qualifier[] = [];
    const seen = new Set<string>();
    for (;;) {
      const q = this.#qualifier();
      if (!q) break;
      // The validator refuses two qualifiers of one type applied directly to [..].
      if (simple && seen.has(q.q.kind)) throw new PatternError(`duplicate qualifier type ${q.q.kind}`, q.pos);
      seen.add(q.q.kind);
      qualifiers.push(q.q);
    }
    return simple
      ? { kind: 'observation', comparison: base as Comparison, qualifiers }
      : { kind: 'group', expr: base as Observation, qualifiers };
  }

  #qualifier(): { q: Qualifier; pos: number } | null {
    const t = this.#peek;
    if (t.kind !== 'kw') return null;
    if (t.text === 'WITHIN') {
      this.#next();
      const n = this.#peek;
      if ((n.kind !== 'int' && n.kind !== 'float') || (n.value as number) < 0 || n.text.startsWith('-')) {
        throw new PatternError(`WITHIN needs a positive number, found "${n.text}"`, n.pos);
      }
      this.#next();
      this.#expectKw('SECONDS');
      return { q: { kind: 'WITHIN', seconds: n.value as number }, pos: t.pos };
    }
    if (t.text === 'REPEATS') {
      this.#next();
      const n = this.#peek;
      if (n.kind !== 'int' || n.text.startsWith('-') || (n.value as number) <= 0) throw new PatternError(`REPEATS needs a positive integer, found "${n.text}"`, n.pos);
      this.#next();
      this.#expectKw('TIMES');
      return { q: { kind: 'REPEATS', times: n.value as number }, pos: t.pos };
    }
    if (t.text === 'START') {
      this.#next();
      const a = this.#expect('timestamp', "a timestamp t'...'");
      this.#expectKw('STOP');
      const b = this.#expect('timestamp', "a timestamp t'...'");
      return { q: { kind: 'STARTSTOP', start: a.value as string, stop: b.value as string }, pos: t.pos };
    }
    return null;
  }

  #cmpExpr(): Comparison {
    const first = this.#cmpAnd();
    const ops = [first];
    while (this.#isKw('OR')) {
      this.#next();
      ops.push(this.#cmpAnd());
    }
    return ops.length === 1 ? first : { kind: 'or', operands: ops };
  }

  #cmpAnd(): Comparison {
    const first = this.#propTest();
    const ops = [first];
    while (this.#isKw('AND')) {
      this.#next();
      ops.push(this.#propTest());
    }
    return ops.length === 1 ? first : { kind: 'and', operands: ops };
  }

  #propTest(): Comparison {
    const t = this.#peek;
    if (t.kind === '(') {
      this.#next();
      const inner = this.#cmpExpr();
      this.#expect(')', '")"');
      return inner;
    }
    if (this.#isKw('EXISTS')) {
      this.#next();
      return { kind: 'exists', path: this.#path() };
    }
    const path = this.#path();
    let negated = false;
    if (this.#isKw('NOT')) {
      this.#next();
      negated = true;
    }
    const opTok = this.#peek;
    if (opTok.kind === 'op') {
      this.#next();
      const op = opTok.text as ComparisonOp;
      const lit = this.#literal(op === '=' || op === '!=');
      return { kind: 'test', path, op, negated, value: lit };
    }
    if (opTok.kind === 'kw' && ['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(opTok.text)) {
      this.#next();
      const op = opTok.text as ComparisonOp;
      if (op === 'IN') {
        this.#expect('(', '"(" after IN');
        const values: Literal[] = [];
        if (this.#peek.kind !== ')') {
          values.push(this.#literal(true));
          while (this.#peek.kind === ',') {
            this.#next();
            values.push(this.#literal(true));
          }
        }
        this.#expect(')', '")"');
        return { kind: 'test', path, op, negated, value: values };
      }
      const s = this.#expect('string', `a quoted string after ${op}`);
      return { kind: 'test', path, op, negated, value: { kind: 'string', value: s.value as string } };
    }
    throw new PatternError(`expected a comparison operator, found "${opTok.text}"`, opTok.pos);
  }

  #literal(allowBool: boolean): Literal {
    const t = this.#next();
    switch (t.kind) {
      case 'string':
      case 'timestamp':
      case 'hex':
      case 'binary':
        return { kind: t.kind, value: t.value as string };
      case 'int':
      case 'float':
        return { kind: t.kind, value: t.value as number };
      case 'bool':
        if (allowBool) return { kind: 'bool', value: t.value as boolean };
        throw new PatternError('a boolean cannot be ordered', t.pos);
      default:
        throw new PatternError(`expected a value, found "${t.text}"`, t.pos);
    }
  }

  #path(): ObjectPath {
    const typeTok = this.#expect('ident', 'an object type');
    const colon = this.#peek;
    if (colon.kind !== ':') throw new PatternError(`expected ":" after the object type "${typeTok.text}", found "${colon.text}"`, colon.pos);
    this.#next();
    const steps: PathStep[] = [];
    const first = this.#next();
    if (first.kind === 'ident' && !first.text.includes('-')) steps.push({ prop: first.text });
    else if (first.kind === 'string') steps.push({ prop: first.value as string });
    else throw new PatternError(`expected a property name, found "${first.text}"`, first.pos);
    for (;;) {
      const t = this.#peek;
      if (t.kind === '.') {
        this.#next();
        const p = this.#next();
        if (p.kind === 'ident' && !p.text.includes('-')) steps.push({ prop: p.text });
        else if (p.kind === 'string') steps.push({ prop: p.value as string });
        else if (p.kind === 'kw' || p.kind === 'bool') steps.push({ prop: p.text });
        else throw new PatternError(`expected a property name, found "${p.text}"`, p.pos);
      } else if (t.kind === '[') {
        this.#next();
        const idx = this.#next();
        if (idx.kind === '*') steps.push({ index: '*' });
        else if (idx.kind === 'int') steps.push({ index: idx.value as number });
        else throw new PatternError(`expected an index or "*", found "${idx.text}"`, idx.pos);
        this.#expect(']', '"]"');
      } else break;
    }
    return { objectType: typeTok.text, steps };
  }
}

/** Regular forms of hash values, by the upper-cased algorithm name. */
const HASH_FORMS: Readonly<Record<string, RegExp>> = {
  MD5: /^[a-fA-F0-9]{32}$/,
  'SHA-1': /^[a-fA-F0-9]{40}$/,
  'SHA-256': /^[a-fA-F0-9]{64}$/,
  'SHA-512': /^[a-fA-F0-9]{128}$/,
  'SHA3-256': /^[a-fA-F0-9]{64}$/,
  'SHA3-512': /^[a-fA-F0-9]{128}$/,
};

/** Canonical STIX hash algorithm name for the spellings seen in the wild (`md5`, `SHA256`...). */
export function hashAlgorithm(name: string): string {
  const n = name.toUpperCase();
  switch (n) {
    case 'SHA1':
      return 'SHA-1';
    case 'SHA256':
      return 'SHA-256';
    case 'SHA512':
      return 'SHA-512';
    default:
      return n;
  }
}

function checkHashes(c: Comparison): void {
  if (c.kind === 'and' || c.kind === 'or') {
    c.operands.forEach(checkHashes);
    return;
  }
  if (c.kind !== 'test' || (c.op !== '=' && c.op !== '!=')) return;
  const steps = c.path.steps;
  const first = steps[0];
  const second = steps[1];
  if (!first || !('prop' in first) || first.prop !== 'hashes' || !second || !('prop' in second)) return;
  const form = HASH_FORMS[hashAlgorithm(second.prop)];
  const lit = c.value as Literal;
  if (form && lit.kind === 'string' && !form.test(lit.value as string)) {
    throw new PatternError(`'${String(lit.value)}' is not a valid ${hashAlgorithm(second.prop)} hash`, 0);
  }
}

function walkComparisons(o: Observation, fn: (c: Comparison) => void): void {
  if (o.kind === 'observation') fn(o.comparison);
  else if (o.kind === 'group') walkComparisons(o.expr, fn);
  else o.operands.forEach((x) => walkComparisons(x, fn));
}

/** Parses a pattern; throws {@link PatternError} with the column of the first problem. */
export function parsePattern(src: string): Observation {
  const tree = new Parser(lex(src)).pattern();
  walkComparisons(tree, checkHashes);
  return tree;
}
