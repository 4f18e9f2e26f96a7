/**
 * @module Time helpers for the demo: log ranges per profile, the formats each log writes times
 * in, and the daily and weekly rhythm of mail traffic that decides how busy an hour is.
 * All times are UTC milliseconds; the demo organisation works on UTC.
 */
import type { DemoProfile } from './types.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface TimeRange {
  /** Inclusive start, UTC ms. */
  readonly from: number;
  /** Exclusive end, UTC ms. */
  readonly to: number;
}

/**
 * Exchange log span per profile: the attack window (2021-01-01 .. 2021-03-31) for the first
 * three, June 2021 (after the window) for `no-history`.
 */
export function logRange(profile: DemoProfile): TimeRange {
  return profile === 'no-history'
    ? { from: Date.UTC(2021, 5, 1), to: Date.UTC(2021, 6, 1) }
    : { from: Date.UTC(2021, 0, 1), to: Date.UTC(2021, 3, 1) };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

// Formatting is on the hot path (one or two stamps per row): the date part is cached per day,
// the time part is built from lookup tables.
const D2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const MS: readonly string[] = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}Z`);
let cachedDay = NaN;
let cachedDate = '';

function datePart(day: number): string {
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY).toISOString().slice(0, 10);
  }
  return cachedDate;
}

function clockPart(msOfDay: number, sep: string): string {
  const sec = Math.floor(msOfDay / 1000);
  return D2[Math.floor(sec / 3600)]! + sep + D2[Math.floor(sec / 60) % 60]! + sep + D2[sec % 60]!;
}

/** `2021-03-03T05:14:01.211Z` (HttpProxy, ECP, OAB). */
export function isoTime(t: number): string {
  const day = Math.floor(t / DAY);
  const ms = t - day * DAY;
  return `${datePart(day)}T${clockPart(ms, ':')}${MS[ms % 1000]!}`;
}

/** `2021-03-03T05:14:00`: the minute of `t`, without zone (BackEndCookie expiry stamps). */
export function isoMinute(t: number): string {
  const day = Math.floor(t / DAY);
  const ms = t - day * DAY;
  return `${datePart(day)}T${clockPart(ms - (ms % 60_000), ':')}`;
}

/** `2021-03-03 05:14:01` (W3C `date time`, one field each). */
export function w3cDateTime(t: number): string {
  const day = Math.floor(t / DAY);
  return `${datePart(day)} ${clockPart(t - day * DAY, ':')}`;
}

/** `yyyyMMddHH` (HttpProxy file names). */
export function stampHour(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}`;
}

/** `yyyyMMdd` (ECP and OAB file names). */
export function stampDay(t: number): string {
  return stampHour(t).slice(0, 8);
}

/** `yyMMdd` (IIS daily `u_ex` names); `yyMMddHH` with `hourly`. */
export function stampIis(t: number, hourly: boolean): string {
  const s = stampHour(t).slice(2);
  return hourly ? s : s.slice(0, 6);
}

const HOURLY_WEIGHT: readonly number[] = [
  0.06, 0.05, 0.05, 0.05, 0.05, 0.08, 0.3, 0.7, 1, 1, 1, 1, 0.9, 1, 1, 1, 1, 0.9, 0.6, 0.35, 0.3, 0.25, 0.15, 0.1,
];

/** How busy the hour starting at `t` is, relative to a weekday mid-morning (1). */
export function hourWeight(t: number): number {
  const d = new Date(t);
  return (HOURLY_WEIGHT[d.getUTCHours()] ?? 0.1) * dayFactor(d);
}

/** How busy the day starting at `t` is (weekends and New Year quiet). */
export function dayWeight(t: number): number {
  return dayFactor(new Date(t));
}

function dayFactor(d: Date): number {
  const dow = d.getUTCDay();
  if (d.getUTCMonth() === 0 && d.getUTCDate() === 1) return 0.15;
  return dow === 0 || dow === 6 ? 0.2 : 1;
}
