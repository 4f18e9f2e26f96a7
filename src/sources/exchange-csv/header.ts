/**
 * @module The header part of Exchange CSV logs (HttpProxy, ECP, OAB generator...): the plain
 * CSV header on line 1 and the `#Software`, `#Version`, `#Log-type`, `#Date`, `#Fields:`
 * directives. `#Fields:` may appear again further down (a new layout from there on).
 */
import { Columns } from '../../core/record.js';
import { looksLikeCsvHeader, splitCsv } from './csv.js';

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
        return this.#setColumns(splitCsv(value));
      default:
        return false;
    }
  }

  /**
   * Offers a data line that came before any header: on line 1, a plain CSV header is taken as
   * the columns. Returns true when the line was a header (not an entry).
   */
  plainHeader(text: string, line: number): boolean {
    if (this.columns !== null || line !== 1 || !looksLikeCsvHeader(text)) return false;
    this.#setColumns(text.split(','));
    this.headerLines++;
    return true;
  }

  #setColumns(names: string[]): boolean {
    const trimmed = names.map((n) => n.trim());
    const same =
      this.columns !== null &&
      this.columns.names.length === trimmed.length &&
      this.columns.names.every((n, i) => n === trimmed[i]);
    // Reusing the instance keeps records of one layout on one shared Columns.
    if (!same) this.columns = new Columns(trimmed);
    return !same;
  }
}
