/**
 * @module Windows time values as text: FILETIME (100-ns ticks since 1601-01-01 UTC) and
 * SYSTEMTIME (broken-down fields).
 *
 * Two forms come out: the full-precision form Windows writes in event XML
 * (`2021-03-14T01:41:33.1234567Z`, seven fraction digits) for the `TimeCreated` field, and the
 * canonical millisecond form every exhunt record uses for `time` (`...33.123Z`).
 */
import { normalizeIsoTime } from '../common/time.js';

/** Milliseconds between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF_MS = 11644473600000;
/** Largest FILETIME JavaScript dates can hold (year 275760); larger values are out of range. */
const MAX_MS = 8.64e15;

let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * A FILETIME (given as its two 32-bit halves) as `YYYY-MM-DDTHH:MM:SS.fffffffZ`, or null when
 * the value cannot be a date. Exact without BigInt: 2^32 = 429496 * 10000 + 7296, so
 * ticks / 10000 = high * 429496 + (high * 7296 + low) / 10000, every term below 2^53.
 */
export function filetimeToIso7(low: number, high: number): string | null {
  const rest = (high >>> 0) * 7296 + (low >>> 0);
  const ms = (high >>> 0) * 429496 + Math.floor(rest / 10000) - EPOCH_DIFF_MS;
  if (ms > MAX_MS) return null;
  const second = Math.floor(ms / 1000);
  // Seven fraction digits: milliseconds and the four digits below them.
  const fraction = (ms - second * 1000) * 10000 + (rest % 10000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    if (iso.length !== 24) return null; // extended years (+275760-...) are not event times
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  return `${cachedPrefix}${String(fraction + 10000000).slice(1)}Z`;
}

/** The canonical millisecond form (`...SS.mmmZ`) of a seven-digit ISO time. */
export function iso7ToMillis(iso7: string): string {
  return iso7.length >= 24 ? `${iso7.slice(0, 23)}Z` : iso7;
}

/**
 * The record `time` (canonical milliseconds, see `src/sources/common/time.ts`) of a
 * `TimeCreated` value, or null when it is not a valid time.
 */
export function recordTime(timeCreated: string): string | null {
  const t = toIso7(timeCreated);
  if (!ISO7.test(t)) return null;
  // A seven-digit form from toIso7 is a checked date already.
  return `${t.slice(0, 23)}Z`;
}

/**
 * A SYSTEMTIME (year, month, day-of-week, day, hour, minute, second, milliseconds) as the
 * seven-digit ISO form, or null when a field is out of range.
 */
export function systemtimeToIso7(f: readonly number[]): string | null {
  const [year = 0, month = 0, , day = 0, hour = 0, minute = 0, second = 0, ms = 0] = f;
  if (year < 1601 || year > 30827 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (hour > 23 || minute > 59 || second > 59 || ms > 999) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const iso = new Date(t).toISOString();
  if (iso.length !== 24 || Number(iso.slice(8, 10)) !== day) return null; // Feb 30 rolled over
  return `${iso.slice(0, 23)}0000Z`;
}

const ISO7 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;
const ISO_ANY = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Brings an ISO 8601 time (`T` or space, any fraction, `Z`, an offset or no zone, which is
 * taken as UTC) to the seven-digit UTC form of `TimeCreated`: `.609Z` → `.6090000Z`,
 * `.123456789Z` → `.1234567Z`, `+01:00` → shifted to UTC. Text that is not such a time (or an
 * impossible date) comes back unchanged.
 */
export function toIso7(text: string): string {
  if (ISO7.test(text)) return text;
  const m = ISO_ANY.exec(text.trim());
  if (m === null) return text;
  const [, date, clock, frac, zone] = m;
  const utc = normalizeIsoTime(`${date}T${clock}${zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone}`);
  if (utc === null) return text;
  return `${utc.slice(0, 19)}.${(frac ?? '').slice(0, 7).padEnd(7, '0')}Z`;
}
