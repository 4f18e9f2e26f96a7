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
import type { LogKind, LogParser } from '../source.js';
import { BoundColumnProbe } from '../common/column-probe.js';
import { RowRecord, type ExtraFields } from '../common/row-record.js';
import { runLineParser, type FormatVisitor, type ParseContext } from '../common/run-parser.js';
import { TimeRange, normalizeIsoTime } from '../common/time.js';
import type { LineRole } from '../lines/line-visitor.js';
import { csvCell, csvValueEnds } from './csv.js';
import { ExchangeCsvHeader } from './header.js';

/** What distinguishes one Exchange CSV log from another. */
export interface ExchangeCsvLayout {
  readonly kind: LogKind;
  /** Column holding the entry time (ISO 8601 UTC). */
  readonly timeColumn: string;
  /** Column naming the server that wrote the log. */
  readonly serverColumn: string;
  /** Derived fields added beside the columns (ECP's EventData pairs); computed when first asked for. */
  readonly extra?: ExtraFields;
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
  /** The run's column probes bound to the current header (null: none, or no header yet). */
  #probe: BoundColumnProbe | null = null;
  readonly probe?: (buf: Buffer, start: number, end: number) => boolean;

  constructor(ctx: ParseContext, layout: ExchangeCsvLayout) {
    this.#ctx = ctx;
    this.#layout = layout;
    // Before a header a data line cannot become a record, so there is nothing to probe for.
    if (ctx.probes.length > 0) this.probe = (buf, start, end) => this.#probe?.test(buf, start, end) ?? false;
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
    // Values are cut out of the line only when asked for (see RowRecord); their count is checked here.
    const ends = csvValueEnds(text);
    const n = columns.names.length;
    if (ends.length !== n) {
      diags.report('warning', 'bad-row', `${ends.length} values where the header names ${n} columns; row skipped`, line);
      return false;
    }
    const time = this.#time >= 0 ? normalizeIsoTime(cell(text, ends, this.#time)) : null;
    if (time !== null) this.times.add(time);
    if (this.serverName === null && this.#server >= 0) {
      const s = cell(text, ends, this.#server);
      if (s.length > 0) this.serverName = s;
    }
    if (role === 'data') {
      const kind = this.#layout.kind;
      this.#ctx.onRecord(new RowRecord(kind, { path: this.#ctx.path, line, kind }, time, columns, text, ends, csvCell, this.#layout.extra));
    }
    return time !== null;
  }

  #index(): void {
    const columns = this.#header.columns;
    this.#time = columns?.indexOf(this.#layout.timeColumn) ?? -1;
    this.#server = columns?.indexOf(this.#layout.serverColumn) ?? -1;
    this.#probe = columns && this.#ctx.probes.length > 0 ? BoundColumnProbe.bind(this.#ctx.probes, columns, 'csv') : null;
  }
}

/** Value `i` of a CSV line whose value ends are `ends`. */
function cell(text: string, ends: readonly number[], i: number): string {
  return csvCell(text, i === 0 ? 0 : (ends[i - 1] as number) + 1, ends[i] as number);
}
