/**
 * @module RFC 4180 field splitting for one record of an Exchange CSV log.
 *
 * The record may span lines (the line reader joins a quoted value's line breaks back in). The
 * reader is lenient the way Import-Csv is: a quote inside an unquoted value is a character, text
 * after a closing quote is appended, and an unclosed quote runs to the end of the record.
 */

/** Splits one CSV record into its values (quotes removed, `""` read as `"`). */
export function splitCsv(record: string): string[] {
  // Most values in Exchange logs are unquoted; this path is a single native split.
  if (!record.includes('"')) return record.split(',');
  const out: string[] = [];
  const n = record.length;
  let i = 0;
  for (;;) {
    let value = '';
    if (record.charCodeAt(i) === 34) {
      let j = i + 1;
      for (;;) {
        const k = record.indexOf('"', j);
        if (k === -1) {
          value += record.slice(j);
          i = n;
          break;
        }
        value += record.slice(j, k);
        if (record.charCodeAt(k + 1) === 34) {
          value += '"';
          j = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
    }
    const comma = record.indexOf(',', i);
    const stop = comma === -1 ? n : comma;
    if (stop > i) value += record.slice(i, stop);
    out.push(value);
    if (comma === -1) return out;
    i = comma + 1;
  }
}

/**
 * Whether a line reads as a plain CSV header: at least two names and nothing else. Exchange
 * writes the field names on line 1 before its `#` directives; a data line never qualifies
 * because it starts with a timestamp.
 */
export function looksLikeCsvHeader(line: string): boolean {
  if (line.includes('"')) return false;
  const names = line.split(',');
  return names.length >= 2 && names.every((n) => /^[A-Za-z_][A-Za-z0-9_.\-()]*$/.test(n.trim()));
}

/**
 * Where each value of one CSV record ends (exclusive), read the way {@link splitCsv} reads it:
 * `splitCsv(record)` has one value per entry, and {@link csvCell} gives each of them from here
 * without splitting the whole record.
 */
export function csvValueEnds(record: string): number[] {
  const ends: number[] = [];
  const n = record.length;
  let i = 0;
  for (;;) {
    let from = i;
    if (record.charCodeAt(i) === 34) {
      // A quoted value: commas up to its closing quote (or the end of the record) are text.
      let j = i + 1;
      for (;;) {
        const k = record.indexOf('"', j);
        if (k === -1) {
          from = n;
          break;
        }
        if (record.charCodeAt(k + 1) === 34) {
          j = k + 2;
          continue;
        }
        from = k + 1;
        break;
      }
    }
    const comma = record.indexOf(',', from);
    if (comma === -1) {
      ends.push(n);
      return ends;
    }
    ends.push(comma);
    i = comma + 1;
  }
}

/** The value of the CSV cell `record[start, end)` (a span from {@link csvValueEnds}). */
export function csvCell(record: string, start: number, end: number): string {
  const raw = record.slice(start, end);
  // The span of a quoted value holds exactly that value, so it reads as a record of one.
  return raw.charCodeAt(0) === 34 ? (splitCsv(raw)[0] ?? '') : raw;
}
