/**
 * @module The prefilter of a Sigma detector: lower-case literals of which every raw line the
 * rule can match contains at least one, so the engine can skip lines without parsing them.
 *
 * Soundness (same contract as src/detectors/rules/literals.ts): a literal is only taken from a
 * value that appears verbatim in the raw line. That holds for text logs (IIS W3C, HttpProxy,
 * ECP, OAB), cut at `"` (CSV doubles it); it does not hold for event records (no raw line) or
 * for values a log source builds (a joined stem and query lose their `?` boundary, a user agent
 * read with spaces is written with `+`), so literals are cut at the characters a log source puts
 * in (the `?`, the space; not the `+`, which a rule's value can only match as written). Negated
 * parts, numbers, null, `exists` and field references give no literal; whenever a part of the
 * rule cannot be covered, the answer is null ("no hint"), which is always safe.
 */
import type { RecordKind } from '../../../core/origin.js';
import type { ConditionNode } from '../condition/ast.js';
import type { Route } from '../pipeline/router.js';
import type { FieldSpec } from '../pipeline/schema.js';
import type { Detection, DetectionItem, DetectionNode, ValueTest } from '../rule/types.js';

/** Kinds whose records are lines of text holding their field values verbatim. */
export const TEXT_KINDS: ReadonlySet<RecordKind> = new Set(['iis', 'httpproxy', 'ecp', 'oab']);
const MIN_LITERAL = 3;

type Lits = string[] | null;

export function detectionLiterals(det: Detection, routes: readonly Route[], filters: readonly Detection[] = []): string[] | null {
  void filters; // filters only remove matches: they never widen the set of lines that can match
  if (routes.length === 0) return null;
  const out = new Set<string>();
  for (const r of routes) {
    if (!TEXT_KINDS.has(r.kind)) return null;
    const lits = conditionLits(det.condition, det, r);
    if (lits === null) return null;
    lits.forEach((l) => out.add(l));
  }
  return out.size ? [...out] : null;
}

function best(sets: Lits[]): Lits {
  let b: Lits = null;
  for (const s of sets) if (s && s.length && (!b || score(s) > score(b))) b = s;
  return b;
}
function union(sets: Lits[]): Lits {
  const out = new Set<string>();
  for (const s of sets) {
    if (!s) return null;
    s.forEach((x) => out.add(x));
  }
  return [...out];
}
/**
 * Literals that are in nearly every line of a web log (HTTP methods, protocol names). A rule
 * like `cs-method: GET and keywords` must be prefiltered by its keywords, not by `get`, or the
 * prefilter lets every GET request through.
 */
const UBIQUITOUS: ReadonlySet<string> = new Set(['get', 'post', 'head', 'put', 'options', 'http', 'https', 'http/1.1', 'mozilla', 'mozilla/5.0']);

function score(l: readonly string[]): number {
  if (l.some((x) => UBIQUITOUS.has(x))) return -1e6 - l.length;
  return Math.min(...l.map((x) => x.length)) * 10 - l.length;
}

function conditionLits(c: ConditionNode, det: Detection, r: Route): Lits {
  switch (c.t) {
    case 'and':
      return best(c.items.map((x) => conditionLits(x, det, r)));
    case 'or':
      return union(c.items.map((x) => conditionLits(x, det, r)));
    case 'not':
      return null;
    case 'ref':
      return nodeLits(det.identifiers.get(c.name)!, r);
    case 'of': {
      const sets = c.names.map((n) => nodeLits(det.identifiers.get(n)!, r));
      return c.quantifier === 'all' ? best(sets) : union(sets);
    }
  }
}

function nodeLits(n: DetectionNode, r: Route): Lits {
  switch (n.type) {
    case 'and':
      return best(n.items.map((x) => nodeLits(x, r)));
    case 'or':
      return union(n.items.map((x) => nodeLits(x, r)));
    case 'item':
      return itemLits(n, r);
  }
}

function itemLits(item: DetectionItem, r: Route): Lits {
  if (item.negate || item.exists !== null || item.timePart !== null) return null;
  const cuts = item.field === null ? keywordCuts(r) : fieldCuts(r.fields.get(item.field.toLowerCase()));
  if (cuts === null) return null;
  const perValue = item.values.map((alts) => union(alts.map((t) => testLits(t, cuts))));
  return item.link === 'and' ? best(perValue) : union(perValue);
}

function testLits(t: ValueTest, cuts: string): Lits {
  if (t.kind === 'string') {
    const runs = t.value.parts.filter((p): p is string => typeof p === 'string');
    const l = longestPiece(runs, cuts);
    return l === null ? null : [l];
  }
  if (t.kind === 'regex') {
    const l = longestPiece(t.regex.required, cuts);
    return l === null ? null : [l];
  }
  return null;
}

function longestPiece(runs: readonly string[], cuts: string): string | null {
  let bestPiece = '';
  for (const run of runs) {
    let piece = '';
    for (const ch of run) {
      // Non-ASCII characters are cut too: case folding could map them onto ASCII (K, the Kelvin sign).
      if (cuts.includes(ch) || ch.charCodeAt(0) > 127) {
        if (piece.length > bestPiece.length) bestPiece = piece;
        piece = '';
      } else piece += ch;
    }
    if (piece.length > bestPiece.length) bestPiece = piece;
  }
  return bestPiece.length >= MIN_LITERAL ? bestPiece.toLowerCase() : null;
}

/** Characters a literal must be cut at for a field of this log source; null when unusable. */
function fieldCuts(spec: FieldSpec | undefined): string | null {
  if (spec === undefined || typeof spec === 'string' || Array.isArray(spec)) return '"';
  // A piece without a separator character lies within one joined value; an empty separator
  // joins values seamlessly, so no piece is sure to stand in the line.
  if ('join' in spec) return spec.separator === '' ? null : `"${spec.separator}`;
  // An alternative spelling swaps every `replace` of the value as read for `with`, so a piece
  // without a character of `with` stands in the value as read (`=net+user` in a W3C user agent
  // read with spaces can only be `=net+user` itself); an empty `with` joins what was around it.
  if ('alternatives' in spec) return spec.alternatives.some((a) => a.with === '') ? null : `"${spec.alternatives.map((a) => a.with).join('')}`;
  return null;
}

/** Keywords are searched in built values too, so cut at every boundary the log source builds. */
function keywordCuts(r: Route): string | null {
  let cuts = '"';
  for (const spec of r.fields.values()) {
    // Renames and extensions build no value: theirs are the record's own (or parts of them).
    if (typeof spec !== 'object' || Array.isArray(spec) || !('join' in spec || 'alternatives' in spec)) continue;
    const c = fieldCuts(spec);
    if (c === null) return null;
    cuts += c;
  }
  return cuts;
}
