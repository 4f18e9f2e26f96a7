/**
 * @module Prints a parsed Sigma regular expression as JavaScript RegExp source, so the native
 * engine runs exactly the pattern the parser understood (PCRE spellings such as `(?P<n>...)`
 * or a leading `(?i)` are normalised on the way).
 */
import type { CharSet, RegexNode } from './ast.js';

export function toJsSource(n: RegexNode): string {
  switch (n.t) {
    case 'char':
      return escapeChar(n.c, false);
    case 'set':
      return setSource(n.set);
    case 'dot':
      return '.';
    case 'bol':
      return '^';
    case 'eol':
      return '$';
    case 'wordb':
      return n.negated ? '\\B' : '\\b';
    case 'seq':
      return n.items.map(toJsSource).join('');
    case 'alt':
      return n.alts.map(toJsSource).join('|');
    case 'group':
      return `(?:${toJsSource(n.body)})`;
    case 'rep': {
      const body = toJsSource(n.body);
      const atom = n.body.t === 'seq' || n.body.t === 'alt' ? `(?:${body})` : body;
      const q = n.min === 0 && n.max === Infinity ? '*' : n.min === 1 && n.max === Infinity ? '+' : n.min === 0 && n.max === 1 ? '?' : n.max === Infinity ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
      return `${atom}${q}${n.lazy ? '?' : ''}`;
    }
  }
}

function setSource(set: CharSet): string {
  const body = set.ranges.map(([lo, hi]) => (lo === hi ? escapeChar(lo, true) : `${escapeChar(lo, true)}-${escapeChar(hi, true)}`)).join('');
  return `[${set.negated ? '^' : ''}${body}]`;
}

function escapeChar(c: number, inClass: boolean): string {
  const ch = String.fromCharCode(c);
  if (c < 32 || c > 126) return `\\u${c.toString(16).padStart(4, '0')}`;
  if (inClass) return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}
