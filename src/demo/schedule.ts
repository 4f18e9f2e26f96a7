/**
 * @module Which periods of a stream get a file and how many bytes each gets.
 *
 * A stream's budget is spread over its periods (hours or days) in proportion to how busy each is
 * (weekday business hours, quiet nights and weekends). When the budget is too small to give every
 * period a file of realistic size, only some periods get one, picked by weighted sampling without
 * replacement (Efraimidis–Spirakis keys), but always the first and last period of the range (so
 * the log's reach is right) and every period holding a planted or decoy line.
 */
import { DAY, HOUR, dayWeight, hourWeight } from './clock.js';
import type { TimeRange } from './clock.js';
import type { Rng } from './random.js';

export interface FilePlan {
  /** Period start and end (exclusive), UTC ms. */
  readonly start: number;
  readonly end: number;
  /** Target bytes of the file, preamble included. */
  readonly budget: number;
  readonly hourly: boolean;
}

export interface PlanInput {
  readonly budget: number;
  readonly range: TimeRange;
  readonly rotation: 'hour' | 'day';
  /** Times that must fall in a file (planted and decoy lines); may lie outside `range`. */
  readonly forced: readonly number[];
  /** Smallest sensible file (a preamble and a handful of rows). */
  readonly minFileBytes: number;
}

export function planStream(input: PlanInput, rng: Rng): FilePlan[] {
  const len = input.rotation === 'hour' ? HOUR : DAY;
  const weight = input.rotation === 'hour' ? hourWeight : dayWeight;
  const floor = (t: number): number => t - (t % len);

  const periods: number[] = [];
  for (let t = floor(input.range.from); t < input.range.to; t += len) periods.push(t);
  const forced = new Set<number>();
  if (periods.length > 0) {
    forced.add(periods[0]!);
    forced.add(periods[periods.length - 1]!);
  }
  for (const t of input.forced) forced.add(floor(t));

  const wanted = Math.max(1, Math.min(periods.length, Math.floor(input.budget / input.minFileBytes)));
  const candidates = periods
    .filter((p) => !forced.has(p))
    .map((p) => ({ p, key: Math.log(Math.max(rng.next(), 1e-12)) / Math.max(weight(p), 1e-6) }));
  candidates.sort((a, b) => b.key - a.key || a.p - b.p);
  const chosen = new Set<number>(forced);
  for (const c of candidates) {
    if (chosen.size >= wanted) break;
    chosen.add(c.p);
  }

  const starts = [...chosen].sort((a, b) => a - b);
  const weights = starts.map((p) => Math.max(weight(p), 0.02));
  const total = weights.reduce((a, b) => a + b, 0);
  return starts.map((start, i) => ({
    start,
    end: start + len,
    budget: Math.max(input.minFileBytes / 4, Math.round((input.budget * weights[i]!) / total)),
    hourly: input.rotation === 'hour',
  }));
}
