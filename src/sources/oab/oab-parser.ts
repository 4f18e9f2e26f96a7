/**
 * @module OAB generator log parser (record kind `oab`): `Logging\OABGeneratorLog\*.log`, where
 * CVE-2021-26858's file writes show up as "Download failed and temporary file '...' needs to
 * be removed".
 *
 * ASSUMPTION: the columns of this log are not documented publicly, and Test-ProxyLogon reads it
 * as plain text lines (Select-String). So every data line becomes a record whose field `Message`
 * is the whole line text, which is what ports of that check match against. When the file has an
 * Exchange CSV header (`#Fields:`, or a plain CSV header on line 1), the named columns are added
 * for lines whose value count fits; a header column that is itself named `Message` is exposed as
 * `MessageColumn` so that `Message` always means the whole line. Quoted line breaks are only
 * honoured once such a header was seen (plain text may hold a lone quote). The entry time is
 * the `DateTime` or `Timestamp` column when there is one, otherwise the first ISO 8601
 * timestamp found in the line (taken as UTC when it has no zone, like every Exchange log).
 */
import { Columns, TabularRecord } from '../../core/record.js';
import { runLineParser, type FormatVisitor, type ParseContext } from '../common/run-parser.js';
import { TimeRange, findIsoTime, normalizeIsoTime } from '../common/time.js';
import { splitCsv } from '../exchange-csv/csv.js';
import { ExchangeCsvHeader } from '../exchange-csv/header.js';
import type { LineRole } from '../lines/line-visitor.js';
import type { LogParser } from '../source.js';

/** Parses an OAB generator log. */
export const parseOab: LogParser = (input, options) =>
  runLineParser(input, options, 'oab', (ctx) => new OabVisitor(ctx));

const MESSAGE_ONLY = new Columns(['Message']);

/** Columns of records from a header: `Message` first, then the header's names. */
interface Layout {
  readonly source: Columns;
  readonly columns: Columns;
  readonly time: number;
}

class OabVisitor implements FormatVisitor {
  readonly times = new TimeRange();
  readonly serverName = null;
  readonly #ctx: ParseContext;
  readonly #header = new ExchangeCsvHeader();
  #layout: Layout | null = null;

  constructor(ctx: ParseContext) {
    this.#ctx = ctx;
  }

  get quoted(): boolean {
    return this.#header.columns !== null;
  }

  get nonEntryLines(): number {
    return this.#header.headerLines;
  }

  get version(): string | null {
    return this.#header.version;
  }

  line(text: string, line: number, role: LineRole): boolean {
    if (role === 'directive') {
      this.#header.directive(text);
      return false;
    }
    if (this.#header.plainHeader(text, line)) return false;
    if (text.includes('\0')) {
      this.#ctx.diagnostics.report('warning', 'bad-row', 'line with binary data (NUL bytes) skipped', line);
      return false;
    }
    const layout = this.#currentLayout();
    let columns = MESSAGE_ONLY;
    let values: string[] = [text];
    let time: string | null = null;
    if (layout !== null) {
      const fields = splitCsv(text);
      if (fields.length === layout.source.names.length) {
        columns = layout.columns;
        values = [text, ...fields];
        if (layout.time >= 0) time = normalizeIsoTime(fields[layout.time] ?? '');
      }
    }
    time ??= findIsoTime(text);
    if (time !== null) this.times.add(time);
    if (role === 'data') {
      this.#ctx.onRecord(new TabularRecord('oab', { path: this.#ctx.path, line, kind: 'oab' }, time, columns, values));
    }
    return time !== null;
  }

  #currentLayout(): Layout | null {
    const source = this.#header.columns;
    if (source === null) return null;
    if (this.#layout?.source === source) return this.#layout;
    const names = source.names.map((n) => (n.toLowerCase() === 'message' ? 'MessageColumn' : n));
    this.#layout = {
      source,
      columns: new Columns(['Message', ...names]),
      time: source.indexOf('DateTime') ?? source.indexOf('Timestamp') ?? -1,
    };
    return this.#layout;
  }
}
