/**
 * @module Wildcard matching without regular expressions: a Sigma string is split at its stars
 * into fixed-length segments (literal text, `?` and character classes), and a value matches when
 * the first segment sits at the start (unless the pattern starts with a star), the last at the
 * end (unless it ends with one) and the others, in order, somewhere between. Taking the leftmost
 * place for each middle segment is optimal, so the cost is linear in the value for literal
 * segments, with no backtracking whatever the pattern: rules are untrusted and values are
 * attacker-controlled.
 *
 * Matchers are built once per rule value. Case-insensitive matchers expect the value already
 * lower-cased (the record view caches that), and lower-case their pattern at build time.
 */
import type { SigmaString, StringPart } from './sigma-string.js';

export type StringMatcher = (value: string) => boolean;

type Atom = { readonly lit: string } | { readonly any: true } | { readonly cls: string };
interface Segment {
  readonly atoms: readonly Atom[];
  readonly length: number;
  /** The whole segment when it is one literal run (fast paths use indexOf). */
  readonly literal: string | null;
}

/** Builds a matcher; with `cased` false, the pattern is lower-cased and values must be too. */
export function globMatcher(s: SigmaString, cased: boolean): StringMatcher {
  const fold = (x: string): string => (cased ? x : x.toLowerCase());
  const segments: Segment[] = [];
  let atoms: Atom[] = [];
  const close = (): void => {
    segments.push(segment(atoms));
    atoms = [];
  };
  for (const p of s.parts) {
    if (typeof p === 'string') atoms.push({ lit: fold(p) });
    else if (p.type === 'star') close();
    else if (p.type === 'one') atoms.push({ any: true });
    else if (p.type === 'class') atoms.push({ cls: fold(p.chars) });
    else throw new Error(`unexpanded placeholder %${p.name}%`);
  }
  close();
  // A pattern "*" or "**": anything, including the empty value.
  if (s.parts.length === 1 && s.startsWithStar()) return () => true;

  // Stars split the parts, so the first and last segments sit before the first and after the last star.
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  if (segments.length === 1) {
    const only = first;
    if (only.literal !== null) {
      const lit = only.literal;
      return (v) => v === lit;
    }
    return (v) => v.length === only.length && matchAt(only, v, 0);
  }
  if (segments.length === 2 && first.length === 0 && last.length === 0) return () => true;
  if (segments.length === 3 && first.length === 0 && last.length === 0 && segments[1]!.literal !== null) {
    const lit = segments[1]!.literal;
    return (v) => v.includes(lit);
  }
  if (segments.length === 2 && last.length === 0 && first.literal !== null) {
    const lit = first.literal;
    return (v) => v.startsWith(lit);
  }
  if (segments.length === 2 && first.length === 0 && last.literal !== null) {
    const lit = last.literal;
    return (v) => v.endsWith(lit);
  }
  const middle = segments.slice(1, -1);
  const minLength = segments.reduce((n, g) => n + g.length, 0);
  return (v) => {
    if (v.length < minLength) return false;
    if (!matchAt(first, v, 0)) return false;
    const end = v.length - last.length;
    if (!matchAt(last, v, end)) return false;
    let pos = first.length;
    for (const seg of middle) {
      const at = find(seg, v, pos, end);
      if (at < 0) return false;
      pos = at + seg.length;
    }
    return pos <= end;
  };
}

function segment(atoms: readonly Atom[]): Segment {
  let length = 0;
  for (const a of atoms) length += 'lit' in a ? a.lit.length : 1;
  const literal = atoms.every((a) => 'lit' in a) ? atoms.map((a) => (a as { lit: string }).lit).join('') : null;
  return { atoms, length, literal };
}

function matchAt(seg: Segment, v: string, at: number): boolean {
  if (at < 0 || at + seg.length > v.length) return false;
  let i = at;
  for (const a of seg.atoms) {
    if ('lit' in a) {
      if (!v.startsWith(a.lit, i)) return false;
      i += a.lit.length;
    } else if ('cls' in a) {
      if (!a.cls.includes(v[i]!)) return false;
      i++;
    } else {
      i++;
    }
  }
  return true;
}

/** Leftmost position >= from where `seg` matches and ends at or before `limit`; -1 if none. */
function find(seg: Segment, v: string, from: number, limit: number): number {
  if (seg.literal !== null) {
    const at = v.indexOf(seg.literal, from);
    return at >= 0 && at + seg.length <= limit ? at : -1;
  }
  // Anchor the search on the segment's longest literal atom when it has one.
  let anchorOffset = -1;
  let anchor = '';
  let off = 0;
  for (const a of seg.atoms) {
    if ('lit' in a && a.lit.length > anchor.length) {
      anchor = a.lit;
      anchorOffset = off;
    }
    off += 'lit' in a ? a.lit.length : 1;
  }
  if (anchor) {
    let at = v.indexOf(anchor, from + anchorOffset);
    while (at >= 0) {
      const start = at - anchorOffset;
      if (start + seg.length > limit) return -1;
      if (matchAt(seg, v, start)) return start;
      at = v.indexOf(anchor, at + 1);
    }
    return -1;
  }
  for (let start = from; start + seg.length <= limit; start++) if (matchAt(seg, v, start)) return start;
  return -1;
}

/** Literal runs of a Sigma string (text between wildcards, classes and placeholders). */
export function literalRuns(parts: readonly StringPart[]): string[] {
  return parts.filter((p): p is string => typeof p === 'string');
}

/**
 * The shape of a pattern that is one literal with stars only at its ends: `lit` (eq), `lit*`,
 * `*lit`, `*lit*`; null for anything else (inner wildcards, `?`, classes, placeholders).
 */
export function globShape(s: SigmaString): { mode: 'eq' | 'startswith' | 'endswith' | 'contains'; literal: string } | null {
  const p = s.parts;
  const isStar = (x: StringPart | undefined): boolean => x !== undefined && typeof x !== 'string' && x.type === 'star';
  const lead = isStar(p[0]);
  const trail = p.length > 1 && isStar(p[p.length - 1]);
  const inner = p.slice(lead ? 1 : 0, trail ? p.length - 1 : p.length);
  if (inner.length > 1 || (inner.length === 1 && typeof inner[0] !== 'string')) return null;
  const literal = inner.length === 1 ? (inner[0] as string) : '';
  if (literal === '' && (lead || trail)) return null; // `*`: handled by the general matcher
  const mode = lead && trail ? 'contains' : lead ? 'endswith' : trail ? 'startswith' : 'eq';
  return { mode, literal };
}
