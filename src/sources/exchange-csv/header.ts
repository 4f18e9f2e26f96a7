/**
 * @module The header part of Exchange CSV logs (HttpProxy, ECP, OAB generator...): the plain
 * CSV header on line 1 and the `#Software`, `#Version`, `#Log-type`, `#Date`, `#Fields:`
 * directives. `#Fields:` may appear again further down (a new layout from there on).
 *
 * A triage folder holds thousands of hourly logs that all repeat the same 73-column header
 * twice (line 1 and `#Fields:`); building the column index for each of them took a tenth of a
 * scan's time. Recent headers are therefore kept by their text, process-wide: files with the
 * same header share one `Columns` (which is immutable).
 */
import { Columns } from '../../core/record.js';
import { looksLikeCsvHeader, splitCsv } from './csv.js';

/**
 * Header texts seen lately, newest first, with their columns. Looked up by comparing texts (a
 * fresh line's hash would cost as much as the comparison); a folder of one Exchange build has one
 * header per log type, so a short list finds nearly every header at its front.
 */
interface KnownHeader {
  readonly text: string;
  readonly columns: Columns;
  /** Whether the text reads as a plain CSV header (line 1); undefined until asked. */
  plain: boolean | undefined;
}

const RECENT_HEADERS = 16;
/** Longer header texts are not kept (a real header is about 1.5 KB). */
const MAX_KEPT_CHARS = 16 * 1024;
const recent: KnownHeader[] = [];

function knownHeader(text: string): KnownHeader | undefined {
  for (let i = 0; i < recent.length; i++) {
    const h = recent[i] as KnownHeader;
    if (h.text === text) {
      if (i > 0) {
        recent.splice(i, 1);
        recent.unshift(h);
      }
      return h;
    }
  }
  return undefined;
}

/** Builds the columns of a header text, keeping them for the next file with the same header. */
function keepHeader(text: string, names: readonly string[], plain: boolean | undefined): KnownHeader {
  const h: KnownHeader = { text, columns: new Columns(names.map((n) => n.trim())), plain };
  if (text.length <= MAX_KEPT_CHARS) {
    recent.unshift(h);
    if (recent.length > RECENT_HEADERS) recent.pop();
  }
  return h;
}

/** Columns of a `#Fields:` value. */
function fieldsColumns(value: string): Columns {
  return (knownHeader(value) ?? keepHeader(value, splitCsv(value), undefined)).columns;
}

/**
 * Columns of a plain CSV header line, or null when the line is not one. A `#Fields:` value
 * without quotes splits to the same names as the same text on line 1, so both share one entry
 * (and one `Columns`).
 */
function plainColumns(line: string): Columns | null {
  const known = knownHeader(line);
  if (known !== undefined) {
    known.plain ??= looksLikeCsvHeader(line);
    return known.plain ? known.columns : null;
  }
  return looksLikeCsvHeader(line) ? keepHeader(line, line.split(','), true).columns : null;
}

export class ExchangeCsvHeader {
  columns: Columns | null = null;
  /** `#Version:` as the log writes it (the Exchange build for HttpProxy logs). */
  version: string | null = null;
  logType: string | null = null;
  /** Plain header lines taken from the data (not entries). */
  headerLines = 0;

  /** Reads a `#` line; returns true when it changed the columns. */
  directive(text: string): boolean {
    const colon = text.indexOf(':');
    if (colon < 0) return false;
    const name = text.slice(1, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    switch (name) {
      case 'version':
        if (value.length > 0) this.version ??= value;
        return false;
      case 'log-type':
        this.logType ??= value;
        return false;
      case 'fields':
        return this.#setColumns(fieldsColumns(value));
      default:
        return false;
    }
  }

  /**
   * Offers a data line that came before any header: on line 1, a plain CSV header is taken as
   * the columns. Returns true when the line was a header (not an entry).
   */
  plainHeader(text: string, line: number): boolean {
    if (this.columns !== null || line !== 1) return false;
    const columns = plainColumns(text);
    if (columns === null) return false;
    this.#setColumns(columns);
    this.headerLines++;
    return true;
  }

  #setColumns(next: Columns): boolean {
    const cur = this.columns;
    const same =
      cur !== null &&
      (cur === next || (cur.names.length === next.names.length && cur.names.every((n, i) => n === next.names[i])));
    // Reusing the instance keeps records of one layout on one shared Columns.
    if (!same) this.columns = next;
    return !same;
  }
}
