/**
 * @module Entry times: turning the timestamps logs write into one canonical form,
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what `Date.prototype.toISOString` gives).
 *
 * One form matters because coverage compares times as strings (oldest/newest) and findings are
 * sorted by them: `...:06Z` and `...:06.500Z` would otherwise sort the wrong way round. Parsing
 * is strict and by hand: `Date.parse` reads a time without zone as local time and rolls
 * 2021-02-30 over into March, and both would put a wrong time into a report without a word.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads an ISO 8601 date-time (`T` or space between date and time, optional fraction, `Z` or an
 * offset) and returns it in canonical UTC form. A time without zone is taken as UTC, which is
 * what IIS W3C and Exchange logs write. Returns null for anything else or impossible dates.
 */
export function normalizeIsoTime(text: string): string | null {
  // Fast path for what Exchange writes (`2021-03-07T15:04:04.546Z`): no RegExp, no Date.
  if (
    text.length === 24 &&
    text.charCodeAt(10) === 84 && // T
    text.charCodeAt(19) === 46 && // .
    text.charCodeAt(23) === 90 && // Z
    validDate(text, 0) &&
    validClock(text, 11) &&
    digits(text, 20, 3) >= 0
  ) {
    return text;
  }
  const m = ISO.exec(text.trim());
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (year < 100) t = new Date(t).setUTCFullYear(year);
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    t -= sign * offset * 60_000;
  }
  const out = new Date(t);
  return Number.isNaN(out.getTime()) ? null : out.toISOString();
}

/** W3C `date` and `time` columns (`2019-09-03`, `10:13:36`), both UTC, as canonical time. */
export function w3cTime(date: string, time: string): string | null {
  if (date.length === 10 && time.length === 8 && validDate(date, 0) && validClock(time, 0)) return `${date}T${time}.000Z`;
  if (date.length === 0 || time.length === 0) return null;
  return normalizeIsoTime(`${date}T${time}Z`);
}

/** The decimal number in `s[i, i + n)`, or -1 when a character is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `YYYY-MM-DD` at `i`, a real calendar day. */
function validDate(s: string, i: number): boolean {
  const y = digits(s, i, 4);
  const m = digits(s, i + 5, 2);
  const d = digits(s, i + 8, 2);
  return y >= 0 && s.charCodeAt(i + 4) === 45 && s.charCodeAt(i + 7) === 45 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** `HH:MM:SS` at `i`. */
function validClock(s: string, i: number): boolean {
  const h = digits(s, i, 2);
  const m = digits(s, i + 3, 2);
  const sec = digits(s, i + 6, 2);
  return s.charCodeAt(i + 2) === 58 && s.charCodeAt(i + 5) === 58 && h >= 0 && h <= 23 && m >= 0 && m <= 59 && sec >= 0 && sec <= 59;
}

const ISO_IN_TEXT = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?/gi;

/** The first valid ISO 8601 date-time anywhere in free text (OAB generator lines), canonical. */
export function findIsoTime(text: string): string | null {
  ISO_IN_TEXT.lastIndex = 0;
  for (let m = ISO_IN_TEXT.exec(text); m !== null; m = ISO_IN_TEXT.exec(text)) {
    const t = normalizeIsoTime(m[0]);
    if (t !== null) return t;
  }
  return null;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Oldest and newest of the canonical times seen (they compare correctly as strings). */
export class TimeRange {
  oldest: string | null = null;
  newest: string | null = null;

  add(time: string): void {
    if (this.oldest === null || time < this.oldest) this.oldest = time;
    if (this.newest === null || time > this.newest) this.newest = time;
  }
}
