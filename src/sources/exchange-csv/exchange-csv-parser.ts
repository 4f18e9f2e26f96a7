/**
 * @module Generic reader of Exchange CSV logs, and the HttpProxy parser (record kind
 * `httpproxy`) built on it: `Logging\HttpProxy\<Protocol>\HttpProxy_*.LOG` for every protocol
 * folder (Owa, Ecp, Ews, Autodiscover, Mapi, ...).
 *
 * Layout (see `exchange-facts/httpproxy_log_format.json`): line 1 is the plain CSV header, or
 * the file starts directly at `#Software`; then `#Software`, `#Version`, `#Log-type`, `#Date`,
 * `#Fields:`; then one RFC 4180 record per line (a quoted value may hold line breaks).
 * Columns are looked up by name, case-insensitively, because Exchange builds add and drop
 * columns and Microsoft's own scripts spell some names differently (`ClientIPAddress`).
 * A row whose value count differs from the header is reported (`bad-row`) and skipped.
 */
import { TabularRecord, type Columns } from '../../core/record.js';
import type { LogKind, LogParser } from '../source.js';
import { runLineParser, type FormatVisitor, type ParseContext } from '../common/run-parser.js';
import { TimeRange, normalizeIsoTime } from '../common/time.js';
import type { LineRole } from '../lines/line-visitor.js';
import { splitCsv } from './csv.js';
import { ExchangeCsvHeader } from './header.js';

/** What distinguishes one Exchange CSV log from another. */
export interface ExchangeCsvLayout {
  readonly kind: LogKind;
  /** Column holding the entry time (ISO 8601 UTC). */
  readonly timeColumn: string;
  /** Column naming the server that wrote the log. */
  readonly serverColumn: string;
  /** Derived fields added beside the columns (ECP's EventData pairs); called for records only. */
  readonly extra?: (columns: Columns, values: readonly string[]) => Readonly<Record<string, string>> | undefined;
}

/** Builds a parser for one Exchange CSV log type. */
export function exchangeCsvParser(layout: ExchangeCsvLayout): LogParser {
  return (input, options) => runLineParser(input, options, layout.kind, (ctx) => new ExchangeCsvVisitor(ctx, layout));
}

/** Parses an Exchange HttpProxy log (any protocol folder). */
export const parseHttpProxy: LogParser = exchangeCsvParser({
  kind: 'httpproxy',
  timeColumn: 'DateTime',
  serverColumn: 'ServerHostName',
});

class ExchangeCsvVisitor implements FormatVisitor {
  readonly quoted = true;
  readonly times = new TimeRange();
  serverName: string | null = null;
  readonly #ctx: ParseContext;
  readonly #layout: ExchangeCsvLayout;
  readonly #header = new ExchangeCsvHeader();
  #time = -1;
  #server = -1;

  constructor(ctx: ParseContext, layout: ExchangeCsvLayout) {
    this.#ctx = ctx;
    this.#layout = layout;
  }

  get nonEntryLines(): number {
    return this.#header.headerLines;
  }

  get version(): string | null {
    return this.#header.version;
  }

  line(text: string, line: number, role: LineRole): boolean {
    const header = this.#header;
    if (role === 'directive') {
      if (header.directive(text)) this.#index();
      return false;
    }
    if (header.plainHeader(text, line)) {
      this.#index();
      return false;
    }
    const columns = header.columns;
    const diags = this.#ctx.diagnostics;
    if (columns === null) {
      diags.report('warning', 'bad-row', 'data line before any header (#Fields: or a CSV header line) skipped', line);
      return false;
    }
    if (text.includes('\0')) {
      diags.report('warning', 'bad-row', 'line with binary data (NUL bytes) skipped', line);
      return false;
    }
    const values = splitCsv(text);
    const n = columns.names.length;
    if (values.length !== n) {
      diags.report('warning', 'bad-row', `${values.length} values where the header names ${n} columns; row skipped`, line);
      return false;
    }
    const time = this.#time >= 0 ? normalizeIsoTime(values[this.#time] ?? '') : null;
    if (time !== null) this.times.add(time);
    if (this.serverName === null && this.#server >= 0) {
      const s = values[this.#server] ?? '';
      if (s.length > 0) this.serverName = s;
    }
    if (role === 'data') {
      const kind = this.#layout.kind;
      const extra = this.#layout.extra?.(columns, values);
      this.#ctx.onRecord(new TabularRecord(kind, { path: this.#ctx.path, line, kind }, time, columns, values, extra));
    }
    return time !== null;
  }

  #index(): void {
    const columns = this.#header.columns;
    this.#time = columns?.indexOf(this.#layout.timeColumn) ?? -1;
    this.#server = columns?.indexOf(this.#layout.serverColumn) ?? -1;
  }
}
