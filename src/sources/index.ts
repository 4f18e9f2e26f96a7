/**
 * @module Sources: log parsers that turn files into records (IIS W3C, Exchange HttpProxy, ECP
 * server, OAB generator), the line reader they share, and format detection by content.
 *
 * Owns bytes-to-records only. It must not import detectors, findings or sinks; the engine hands
 * each file to `parsers[kind]` with the detectors' literals and receives records and diagnostics.
 * Re-exports, plus the parser registry.
 */
import { parseEcp } from './ecp/index.js';
import { parseHttpProxy } from './exchange-csv/index.js';
import { parseOab } from './oab/index.js';
import type { LogKind, LogParser } from './source.js';
import { parseW3c } from './w3c/index.js';

export type { LogInput, ParseOptions, FileStats, LogParser, LogKind, SyncByteReader } from './source.js';
export { detectLogKind, DETECT_BYTES } from './detect.js';
export { parseW3c } from './w3c/index.js';
export { parseHttpProxy, exchangeCsvParser, splitCsv } from './exchange-csv/index.js';
export type { ExchangeCsvLayout } from './exchange-csv/index.js';
export { parseEcp, parseEventData } from './ecp/index.js';
export { parseOab } from './oab/index.js';
export { readLines, readLinesSync, DEFAULT_MAX_LINE_BYTES } from './lines/index.js';
export type { LineVisitor, LineRole, LineStats } from './lines/index.js';

/**
 * Log kinds read line by line by the parsers here. Windows event logs (`event`) are binary or
 * structured exports with their own reader, so they are not in this registry.
 */
export type LineLogKind = Exclude<LogKind, 'event'>;

/** The parser for each line-based log kind. */
export const parsers: Readonly<Record<LineLogKind, LogParser>> = {
  iis: parseW3c,
  httpproxy: parseHttpProxy,
  ecp: parseEcp,
  oab: parseOab,
};
