/**
 * @module Neutralising untrusted text for each place sinks write it: terminal, JSON, CSV cells,
 * file names. Re-exports only.
 */
export { escapeTerminal, escapeJsonText, truncate } from './escape.js';
export { csvCell, csvRow, type CsvCellOptions } from './csv.js';
export { safeFileName, safeRelativePath, uniqueSafeNames } from './paths.js';
