/**
 * @module CSV cells and rows (RFC 4180) that are safe to open in a spreadsheet.
 *
 * Responders open exhunt's CSV files in Excel. A cell starting with `=`, `+`, `-` or `@` is
 * evaluated there as a formula, so a logged User-Agent like `=cmd|' /C calc'!A0` would run a
 * command on the analyst's workstation (CSV/formula injection). Such a value gets a leading `'`,
 * which spreadsheets show as text; TAB and CR are included because some spreadsheets strip them
 * and then see the formula behind them. The change is visible and one character long, so the
 * original value can still be read off.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
/** Characters that force quoting by RFC 4180, plus edge spaces that some readers trim. */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export interface CsvCellOptions {
  /**
   * `needed` (default) quotes only when RFC 4180 requires it; `always` quotes every value, as
   * PowerShell's Export-Csv does.
   */
  readonly quote?: 'needed' | 'always';
}

/** One CSV cell: formula-neutralised, then quoted with `"` doubled when needed. */
export function csvCell(value: string, options: CsvCellOptions = {}): string {
  const v = FORMULA_START.test(value) ? `'${value}` : value;
  if (options.quote === 'always' || NEEDS_QUOTES.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

/** One CSV record ending in CRLF, the line break RFC 4180 and Windows tools use. */
export function csvRow(values: readonly string[], options: CsvCellOptions = {}): string {
  return `${values.map((v) => csvCell(v, options)).join(',')}\r\n`;
}
