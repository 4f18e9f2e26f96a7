/**
 * @module Aggregates of one correlation group over the events of its time window, and whether
 * a correlation condition holds for them.
 */
import type { ConditionOp, CorrelationType } from '../rule/types.js';

export interface WindowEvent {
  readonly time: number;
  /** Index of the referenced rule in the correlation's `rules`. */
  readonly ref: number;
  /** Value of the condition's `field`, when the correlation has one. */
  readonly value: string | undefined;
}

export interface Measure {
  /** The number the condition is compared with. */
  readonly value: number;
  /** A short description for evidence (`3 events`, `4 distinct User`). */
  readonly text: string;
}

export function holds(ops: readonly { op: ConditionOp; value: number }[], x: number): boolean {
  return ops.every(({ op, value }) => {
    switch (op) {
      case 'gt':
        return x > value;
      case 'gte':
        return x >= value;
      case 'lt':
        return x < value;
      case 'lte':
        return x <= value;
      case 'eq':
        return x === value;
      case 'neq':
        return x !== value;
    }
  });
}

/** True when a condition, once true, stays true as more events arrive (so it can fire at once). */
export function isMonotone(type: CorrelationType, ops: readonly { op: ConditionOp }[]): boolean {
  if (type === 'value_avg' || type === 'value_percentile') return false;
  return ops.every((o) => o.op === 'gt' || o.op === 'gte');
}

export function measure(type: CorrelationType, events: readonly WindowEvent[], nRules: number, field: string | undefined): Measure {
  switch (type) {
    case 'event_count':
      return { value: events.length, text: `${events.length} events` };
    case 'value_count': {
      const distinct = new Set(events.map((e) => e.value).filter((v): v is string => v !== undefined));
      return { value: distinct.size, text: `${distinct.size} distinct ${field ?? 'values'}` };
    }
    case 'temporal': {
      const refs = new Set(events.map((e) => e.ref));
      return { value: refs.size, text: `${refs.size} of ${nRules} rules` };
    }
    case 'temporal_ordered': {
      // Longest prefix of the rule list that occurs in order (a greedy scan finds it).
      let next = 0;
      for (const e of events) if (e.ref === next) next++;
      return { value: next, text: `${next} of ${nRules} rules in order` };
    }
    case 'value_sum':
    case 'value_avg': {
      const nums = events.filter((e) => e.value !== undefined && e.value.trim() !== '').map((e) => Number(e.value)).filter((n) => Number.isFinite(n));
      const sum = nums.reduce((a, b) => a + b, 0);
      if (type === 'value_sum') return { value: sum, text: `sum of ${field ?? ''} = ${sum}` };
      const avg = nums.length ? sum / nums.length : 0;
      return { value: avg, text: `average of ${field ?? ''} = ${avg}` };
    }
    case 'value_percentile':
      // Handled by rarePercent: it is evaluated per value, not per window.
      return { value: NaN, text: '' };
  }
}


/**
 * value_percentile, as exhunt reads it: the share (in percent) of the window's events that
 * carry each value of `field`; the values whose share meets the condition (e.g. `lte: 1`, the
 * rarest 1%) are reported.
 */
export function percentileMatches(events: readonly WindowEvent[], ops: readonly { op: ConditionOp; value: number }[]): { value: string; percent: number }[] {
  const counts = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.value === undefined) continue;
    counts.set(e.value, (counts.get(e.value) ?? 0) + 1);
    total++;
  }
  const out: { value: string; percent: number }[] = [];
  for (const [value, n] of counts) {
    const percent = (100 * n) / total;
    if (holds(ops, percent)) out.push({ value, percent });
  }
  return out;
}
