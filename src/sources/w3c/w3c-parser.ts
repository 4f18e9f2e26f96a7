/**
 * @module IIS W3C extended log parser (record kind `iis`): the front-end and back-end site logs
 * under `C:\inetpub\logs\LogFiles\W3SVC<n>\`.
 *
 * Layout: `#Software:`, `#Version:`, `#Date:` and `#Fields:` directives, then one request per
 * line with space-separated values in `#Fields:` order. IIS starts a new header block (often
 * with other fields) whenever the site restarts, so a `#Fields:` line applies from there on.
 * Values are kept as IIS wrote them, including `+` for a space in `cs(User-Agent)`, because
 * published rules (Sigma, CISA, Volexity) are written against that spelling; `-` is read as
 * empty. Other `#` lines are comments (people annotate shared samples that way) and ignored.
 */
import { Columns } from '../../core/record.js';
import { BoundColumnProbe } from '../common/column-probe.js';
import { RowRecord, separatorEnds } from '../common/row-record.js';
import { runLineParser, type FormatVisitor, type ParseContext } from '../common/run-parser.js';
import { TimeRange, normalizeIsoTime, w3cTime } from '../common/time.js';
import type { LineRole } from '../lines/line-visitor.js';
import type { LogParser } from '../source.js';

/** Parses an IIS W3C extended log. */
export const parseW3c: LogParser = (input, options) =>
  runLineParser(input, options, 'iis', (ctx) => new W3cVisitor(ctx));

interface Layout {
  readonly columns: Columns;
  readonly date: number;
  readonly time: number;
  readonly server: number;
  /** The run's column probes bound to these columns, or null when there are none. */
  readonly probe: BoundColumnProbe | null;
}

class W3cVisitor implements FormatVisitor {
  readonly quoted = false;
  readonly nonEntryLines = 0;
  readonly times = new TimeRange();
  serverName: string | null = null;
  /** W3C's `#Version:` is the format version (1.0), not an Exchange build. */
  readonly version = null;
  readonly #ctx: ParseContext;
  #layout: Layout | null = null;
  /** Date of the last `#Date:` directive, for layouts that log `time` without `date`. */
  #blockDate = '';
  readonly probe?: (buf: Buffer, start: number, end: number) => boolean;

  constructor(ctx: ParseContext) {
    this.#ctx = ctx;
    // Before any #Fields: a data line cannot become a record, so there is nothing to probe for.
    if (ctx.probes.length > 0) this.probe = (buf, start, end) => this.#layout?.probe?.test(buf, start, end) ?? false;
  }

  line(text: string, line: number, role: LineRole): boolean {
    if (role === 'directive') {
      this.#directive(text);
      return false;
    }
    const layout = this.#layout;
    const diags = this.#ctx.diagnostics;
    if (layout === null) {
      diags.report('warning', 'bad-row', 'data line before any #Fields: directive skipped', line);
      return false;
    }
    if (text.includes('\0')) {
      diags.report('warning', 'bad-row', 'line with binary data (NUL bytes) skipped', line);
      return false;
    }
    // W3C never writes an empty value (it writes `-`), so trailing blanks some writers leave
    // can go without losing a field.
    const row = text.charCodeAt(text.length - 1) === 32 ? text.trimEnd() : text;
    // Values are cut out of the line only when asked for (see RowRecord); their count is checked here.
    const ends = separatorEnds(row, ' ');
    const n = layout.columns.names.length;
    if (ends.length !== n) {
      diags.report('warning', 'bad-row', `${ends.length} fields where #Fields: names ${n}; line skipped`, line);
      return false;
    }
    const time = this.#time(layout, row, ends);
    if (time !== null) this.times.add(time);
    if (this.serverName === null && layout.server >= 0) {
      const s = cell(row, ends, layout.server);
      if (s.length > 0) this.serverName = s;
    }
    if (role === 'data') {
      const origin = { path: this.#ctx.path, line, kind: 'iis' as const };
      this.#ctx.onRecord(new RowRecord('iis', origin, time, layout.columns, row, ends, w3cCell));
    }
    return time !== null;
  }

  #time(layout: Layout, row: string, ends: readonly number[]): string | null {
    if (layout.time < 0) return null;
    const date = layout.date >= 0 ? cell(row, ends, layout.date) : this.#blockDate;
    return w3cTime(date, cell(row, ends, layout.time));
  }

  #directive(text: string): void {
    const colon = text.indexOf(':');
    if (colon < 0) return;
    const name = text.slice(1, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'fields') {
      const columns = new Columns(value.split(/\s+/).filter((f) => f.length > 0));
      this.#layout = {
        columns,
        date: columns.indexOf('date') ?? -1,
        time: columns.indexOf('time') ?? -1,
        server: columns.indexOf('s-computername') ?? -1,
        probe: this.#ctx.probes.length > 0 ? BoundColumnProbe.bind(this.#ctx.probes, columns, 'w3c') : null,
      };
    } else if (name === 'date') {
      // `#Date: 2019-09-03 10:04:35`: keep the date part when it is a valid date.
      const t = normalizeIsoTime(value);
      this.#blockDate = t === null ? '' : t.slice(0, 10);
    }
  }
}

/** A W3C value as written, except `-` (IIS's empty value), which reads as empty. */
function w3cCell(text: string, start: number, end: number): string {
  return end - start === 1 && text.charCodeAt(start) === 45 ? '' : text.slice(start, end);
}

/** Value `i` of a W3C line whose value ends are `ends`. */
function cell(row: string, ends: readonly number[], i: number): string {
  return w3cCell(row, i === 0 ? 0 : (ends[i - 1] as number) + 1, ends[i] as number);
}
