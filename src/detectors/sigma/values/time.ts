/**
 * @module Time modifiers (`|minute |hour |day |week |month |year`): a component read from a
 * date or time value as written, without time zone conversion (the specification says these
 * modifiers are "not designed to handle timezone or format conversions").
 *
 * Accepted spellings: ISO 8601 and its space-separated variant (`2021-03-03T04:05:06.789Z`,
 * `2021-03-03 04:05:06.789`, Sysmon's UtcTime), a date alone (`2021-03-03`) and a time alone
 * (`04:05:06`, W3C's `time` field). A component the value does not carry is absent.
 */

export const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type TimePart = (typeof TIME_PARTS)[number];

const DATE_TIME = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2}))?/;
const TIME_ONLY = /^\s*(\d{1,2}):(\d{2})(?::\d{2})?/;

export function timeComponent(value: string, part: TimePart): number | undefined {
  const d = DATE_TIME.exec(value);
  if (d) {
    const [y, mo, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    switch (part) {
      case 'year':
        return y;
      case 'month':
        return mo;
      case 'day':
        return day;
      case 'week':
        return isoWeek(y, mo, day);
      case 'hour':
        return d[4] === undefined ? undefined : Number(d[4]);
      case 'minute':
        return d[5] === undefined ? undefined : Number(d[5]);
    }
  }
  const t = TIME_ONLY.exec(value);
  if (t) {
    if (part === 'hour') return Number(t[1]);
    if (part === 'minute') return Number(t[2]);
  }
  return undefined;
}

/** ISO 8601 week number (1-53) of a calendar date. */
export function isoWeek(y: number, m: number, d: number): number {
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = date.getUTCDay() || 7; // Monday = 1 ... Sunday = 7
  date.setUTCDate(date.getUTCDate() + 4 - day); // Thursday of this week decides the year
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}
