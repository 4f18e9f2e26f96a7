/**
 * @module Parser of Sigma conditions (specification, "Condition"):
 *
 *     expr    := or
 *     or      := and ('or' and)*
 *     and     := not ('and' not)*
 *     not     := 'not' not | primary
 *     primary := '(' expr ')' | quant 'of' (pattern | 'them') | identifier
 *     quant   := '1' | 'all'
 *
 * Precedence from least to most binding: or, and, not, `x of`, brackets. Keywords are
 * case-insensitive. `them` covers every search identifier not starting with `_`; a pattern uses
 * `*` as a wildcard and must name at least one identifier. The pipe syntax of Sigma 1
 * (`| count() by x > 5`, `| near`) is refused with a pointer to correlation rules.
 */
import type { ConditionNode } from './ast.js';

export class ConditionError extends Error {
  /** 0-based offset in the condition text. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

interface Token {
  readonly kind: 'word' | 'lparen' | 'rparen' | 'end';
  readonly text: string;
  readonly offset: number;
}

const MAX_DEPTH = 64;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      out.push({ kind: 'lparen', text: c, offset: i++ });
    } else if (c === ')') {
      out.push({ kind: 'rparen', text: c, offset: i++ });
    } else {
      const m = /^[A-Za-z0-9_*.-]+/.exec(text.slice(i));
      if (!m) throw new ConditionError(`unexpected character ${JSON.stringify(c)}`, i);
      out.push({ kind: 'word', text: m[0], offset: i });
      i += m[0].length;
    }
  }
  out.push({ kind: 'end', text: '', offset: text.length });
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', '1']);

/** Parses one condition against the rule's search identifiers (in file order). */
export function parseCondition(text: string, identifiers: readonly string[]): ConditionNode {
  const pipe = text.indexOf('|');
  if (pipe >= 0) {
    throw new ConditionError('the Sigma 1 aggregation syntax (`| count() ...`, `| near ...`) is not part of Sigma 2; express it as a correlation rule', pipe);
  }
  const tokens = tokenize(text);
  const near = tokens.find((t) => t.kind === 'word' && t.text.toLowerCase() === 'near');
  if (near && !identifiers.includes(near.text)) {
    throw new ConditionError('`near` is Sigma 1 syntax; express it as a temporal correlation rule', near.offset);
  }
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const isWord = (t: Token, w: string): boolean => t.kind === 'word' && t.text.toLowerCase() === w;
  const known = new Set(identifiers);

  const parseOr = (depth: number): ConditionNode => {
    if (depth > MAX_DEPTH) throw new ConditionError('condition nested too deeply', peek().offset);
    const items = [parseAnd(depth)];
    while (isWord(peek(), 'or')) {
      pos++;
      items.push(parseAnd(depth));
    }
    return items.length === 1 ? items[0]! : { t: 'or', items };
  };
  const parseAnd = (depth: number): ConditionNode => {
    const items = [parseNot(depth)];
    while (isWord(peek(), 'and')) {
      pos++;
      items.push(parseNot(depth));
    }
    return items.length === 1 ? items[0]! : { t: 'and', items };
  };
  const parseNot = (depth: number): ConditionNode => {
    if (isWord(peek(), 'not')) {
      pos++;
      if (depth > MAX_DEPTH) throw new ConditionError('condition nested too deeply', peek().offset);
      return { t: 'not', item: parseNot(depth + 1) };
    }
    return parsePrimary(depth);
  };
  const parsePrimary = (depth: number): ConditionNode => {
    const t = peek();
    if (t.kind === 'lparen') {
      pos++;
      const inner = parseOr(depth + 1);
      if (peek().kind !== 'rparen') throw new ConditionError('missing )', peek().offset);
      pos++;
      return inner;
    }
    if (t.kind !== 'word') throw new ConditionError(t.kind === 'end' ? 'condition ends too early' : `unexpected ${JSON.stringify(t.text)}`, t.offset);
    const lower = t.text.toLowerCase();
    const next = tokens[pos + 1]!;
    if (isWord(next, 'of')) {
      if (lower !== '1' && lower !== 'all' && lower !== 'any') {
        throw new ConditionError(`\`${t.text} of\` is not Sigma: only \`1 of\` and \`all of\` are defined`, t.offset);
      }
      if (lower === 'any') throw new ConditionError('`any of` is not Sigma: write `1 of`', t.offset);
      pos += 2;
      const target = peek();
      if (target.kind !== 'word') throw new ConditionError('`of` needs a search identifier pattern or `them`', target.offset);
      pos++;
      const quantifier = lower === '1' ? 'one' : 'all';
      if (target.text.toLowerCase() === 'them') {
        const names = identifiers.filter((n) => !n.startsWith('_'));
        if (names.length === 0) throw new ConditionError('`them` covers no search identifier', target.offset);
        return { t: 'of', quantifier, pattern: 'them', names };
      }
      const re = patternRegExp(target.text);
      const names = identifiers.filter((n) => re.test(n));
      if (names.length === 0) throw new ConditionError(`pattern ${JSON.stringify(target.text)} matches no search identifier`, target.offset);
      return { t: 'of', quantifier, pattern: target.text, names };
    }
    if (KEYWORDS.has(lower) && !known.has(t.text)) throw new ConditionError(`unexpected keyword ${JSON.stringify(t.text)}`, t.offset);
    if (!known.has(t.text)) {
      if (t.text.includes('*')) throw new ConditionError(`pattern ${JSON.stringify(t.text)} needs \`1 of\` or \`all of\``, t.offset);
      throw new ConditionError(`unknown search identifier ${JSON.stringify(t.text)}`, t.offset);
    }
    pos++;
    return { t: 'ref', name: t.text };
  };

  const tree = parseOr(0);
  if (peek().kind !== 'end') throw new ConditionError(`unexpected ${JSON.stringify(peek().text)}`, peek().offset);
  return tree;
}

function patternRegExp(pattern: string): RegExp {
  const src = pattern.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${src}$`);
}
