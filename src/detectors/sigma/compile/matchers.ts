/**
 * @module Value tests compiled into functions of one field value. Built once per rule; nothing
 * here builds a regular expression or lower-cases a pattern per record.
 */
import type { ValueTest } from '../rule/types.js';
import { cidrContains } from '../values/cidr.js';
import { globMatcher } from '../values/glob.js';

/** What a test needs from the record besides the value (for `|fieldref`). */
export interface FieldLookup {
  values(field: string): readonly string[] | undefined;
  lower(field: string): readonly string[] | undefined;
}

export interface ValueMatcher {
  /** Whether the test compares lower-cased values (then `test` receives them). */
  readonly lower: boolean;
  /** Relative cost, for ordering AND operands cheapest first. */
  readonly cost: number;
  readonly test: (value: string, ctx: FieldLookup) => boolean;
}

/** Parses a field value as a number the way Sigma's numeric modifiers read it. */
export function fieldNumber(v: string): number {
  const t = v.trim();
  if (t === '') return NaN;
  if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  return NaN;
}

export function compileTest(t: Exclude<ValueTest, { kind: 'null' }>): ValueMatcher {
  switch (t.kind) {
    case 'string': {
      const m = globMatcher(t.value, t.cased);
      return { lower: !t.cased, cost: t.value.plain ? 1 : 2, test: (v) => m(v) };
    }
    case 'number': {
      const raw = t.raw.toLowerCase();
      const n = t.value;
      switch (t.op) {
        case 'eq':
          return { lower: true, cost: 1, test: (v) => v === raw || v.trim() === raw || fieldNumber(v) === n };
        case 'lt':
          return { lower: false, cost: 1, test: (v) => fieldNumber(v) < n };
        case 'lte':
          return { lower: false, cost: 1, test: (v) => fieldNumber(v) <= n };
        case 'gt':
          return { lower: false, cost: 1, test: (v) => fieldNumber(v) > n };
        case 'gte':
          return { lower: false, cost: 1, test: (v) => fieldNumber(v) >= n };
      }
      break;
    }
    case 'regex': {
      const re = t.regex;
      return { lower: false, cost: re.engine === 'nfa' ? 20 : 5, test: (v) => re.test(v) };
    }
    case 'cidr': {
      const c = t.cidr;
      return { lower: false, cost: 2, test: (v) => cidrContains(c, v) };
    }
    case 'fieldref': {
      const { field, mode, cased } = t;
      const cmp =
        mode === 'eq'
          ? (a: string, b: string): boolean => a === b
          : mode === 'contains'
            ? (a: string, b: string): boolean => a.includes(b)
            : mode === 'startswith'
              ? (a: string, b: string): boolean => a.startsWith(b)
              : (a: string, b: string): boolean => a.endsWith(b);
      return {
        lower: !cased,
        cost: 2,
        test: (v, ctx) => {
          const others = cased ? ctx.values(field) : ctx.lower(field);
          return others !== undefined && others.some((o) => cmp(v, o));
        },
      };
    }
  }
}
