/**
 * @module One detection item (a field with its values and modifiers) compiled into a predicate.
 * This is the innermost loop of a scan with Sigma rules, so values linked by OR are merged into
 * one matcher set where plain strings become a hash lookup (equality) or a tight loop over
 * literals (`contains`, `startswith`, `endswith`), and everything else a list of functions.
 */
import type { DetectionItem, ValueTest } from '../rule/types.js';
import { globShape } from '../values/glob.js';
import { timeComponent } from '../values/time.js';
import type { FieldLookup, ValueMatcher } from './matchers.js';
import { compileTest } from './matchers.js';

/** What a compiled item reads: a record as one log source sees it (pipeline/view.ts). */
export interface EvalView extends FieldLookup {
  isNull(field: string): boolean;
  all(): readonly string[];
  allLower(): readonly string[];
}

export type Predicate = (view: EvalView) => boolean;

/** Literal lists at least this long are indexed. */
const INDEX_FROM = 4;

/** A set of OR-ed tests over one field value, split by how cheaply they run. */
class MatcherSet {
  readonly #eqLower = new Set<string>();
  readonly #eqRaw = new Set<string>();
  readonly #startsLower: string[] = [];
  readonly #endsLower: string[] = [];
  readonly #containsLower: string[] = [];
  readonly #lowerFns: ValueMatcher[] = [];
  readonly #rawFns: ValueMatcher[] = [];
  /** Built at the end of the constructor from the lists above (see #index). */
  #startsBy: Map<number, string[]> | null = null;
  #endsBy: Map<number, string[]> | null = null;
  #containsRe: RegExp | null = null;
  readonly nullAlt: boolean;
  readonly needsLower: boolean;
  readonly needsRaw: boolean;
  readonly cost: number;

  constructor(tests: readonly ValueTest[]) {
    let cost = 0;
    let nullAlt = false;
    for (const t of tests) {
      if (t.kind === 'null') {
        nullAlt = true;
        continue;
      }
      if (t.kind === 'string') {
        const shape = globShape(t.value);
        if (shape) {
          const lit = t.cased ? shape.literal : shape.literal.toLowerCase();
          if (t.cased && shape.mode === 'eq') {
            this.#eqRaw.add(lit);
            cost += 0.2;
            continue;
          }
          if (!t.cased) {
            if (shape.mode === 'eq') this.#eqLower.add(lit);
            else if (shape.mode === 'startswith') this.#startsLower.push(lit);
            else if (shape.mode === 'endswith') this.#endsLower.push(lit);
            else this.#containsLower.push(lit);
            cost += shape.mode === 'eq' ? 0.2 : 1;
            continue;
          }
        }
      }
      const m = compileTest(t);
      (m.lower ? this.#lowerFns : this.#rawFns).push(m);
      cost += m.cost;
    }
    this.nullAlt = nullAlt;
    this.cost = cost;
    this.needsLower = this.#eqLower.size > 0 || this.#startsLower.length + this.#endsLower.length + this.#containsLower.length + this.#lowerFns.length > 0;
    this.needsRaw = this.#eqRaw.size > 0 || this.#rawFns.length > 0;
    this.#index();
  }

  /**
   * Long literal lists (SigmaHQ has `endswith` lists of a hundred file names) are indexed:
   * prefixes by first character, suffixes by last character, and substrings as one
   * alternation of escaped literals (no quantifier, so no backtracking beyond the literals).
   */
  #index(): void {
    const by = (lits: readonly string[], at: (l: string) => number): Map<number, string[]> | null => {
      if (lits.length < INDEX_FROM || lits.some((l) => l === '')) return null;
      const m = new Map<number, string[]>();
      for (const l of lits) {
        const k = at(l);
        const list = m.get(k);
        if (list) list.push(l);
        else m.set(k, [l]);
      }
      return m;
    };
    this.#startsBy = by(this.#startsLower, (l) => l.charCodeAt(0));
    this.#endsBy = by(this.#endsLower, (l) => l.charCodeAt(l.length - 1));
    if (this.#containsLower.length >= INDEX_FROM && !this.#containsLower.includes('')) {
      this.#containsRe = new RegExp(this.#containsLower.map((l) => l.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'));
    }
  }

  /** Whether any of the values (raw and lower-cased alike, index by index) passes any test. */
  test(raw: readonly string[], lower: readonly string[] | undefined, v: EvalView): boolean {
    if (lower !== undefined) {
      for (const x of lower) {
        if (this.#eqLower.has(x)) return true;
        if (this.#endsBy) {
          const c = this.#endsBy.get(x.charCodeAt(x.length - 1));
          if (c) for (const l of c) if (x.endsWith(l)) return true;
        } else for (const l of this.#endsLower) if (x.endsWith(l)) return true;
        if (this.#containsRe) {
          if (this.#containsRe.test(x)) return true;
        } else for (const l of this.#containsLower) if (x.includes(l)) return true;
        if (this.#startsBy) {
          const c = this.#startsBy.get(x.charCodeAt(0));
          if (c) for (const l of c) if (x.startsWith(l)) return true;
        } else for (const l of this.#startsLower) if (x.startsWith(l)) return true;
        for (const m of this.#lowerFns) if (m.test(x, v)) return true;
      }
    }
    if (this.needsRaw) {
      for (const x of raw) {
        if (this.#eqRaw.has(x)) return true;
        for (const m of this.#rawFns) if (m.test(x, v)) return true;
      }
    }
    return false;
  }
}

export function compileItem(item: DetectionItem): { fn: Predicate; cost: number } {
  const field = item.field;
  if (item.exists !== null) {
    const want = item.exists;
    const f = field!;
    return { cost: 0, fn: (v) => (v.values(f) !== undefined) === want };
  }
  // OR-linked values and the alternatives of each value all merge into one set; with `|all`
  // every value keeps its own set.
  const sets = item.link === 'or' ? [new MatcherSet(item.values.flat())] : item.values.map((alts) => new MatcherSet(alts));
  const cost = sets.reduce((n, s) => n + s.cost, 0) + 1;
  const needsLower = sets.some((s) => s.needsLower);
  const part = item.timePart;
  const and = item.link === 'and';
  const negate = item.negate;

  const rawOf = (v: EvalView): readonly string[] | undefined => {
    if (field === null) return v.all();
    const r = v.values(field);
    if (part === null || r === undefined) return r;
    const out: string[] = [];
    for (const x of r) {
      const n = timeComponent(x, part);
      if (n !== undefined) out.push(String(n));
    }
    return out;
  };
  const lowerOf = (v: EvalView, raw: readonly string[]): readonly string[] => (field === null ? v.allLower() : part !== null ? raw : (v.lower(field) ?? raw));

  const fn: Predicate = (v) => {
    const raw = rawOf(v);
    let result = and;
    if (raw === undefined) {
      // Absent field: only `null` can match.
      result = and ? sets.every((s) => s.nullAlt) : sets.some((s) => s.nullAlt);
      return negate ? false : result;
    }
    const lower = needsLower ? lowerOf(v, raw) : undefined;
    for (const s of sets) {
      const hit = (s.nullAlt && field !== null && v.isNull(field)) || s.test(raw, lower, v);
      if (hit !== and) {
        result = !and;
        break;
      }
    }
    return negate ? !result : result;
  };
  return { cost, fn };
}
