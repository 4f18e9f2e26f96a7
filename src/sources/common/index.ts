/** @module What the log parsers share: the parse frame and entry-time handling. Re-exports only. */
export { runLineParser } from './run-parser.js';
export type { ParseContext, FormatVisitor } from './run-parser.js';
export { normalizeIsoTime, w3cTime, findIsoTime, TimeRange } from './time.js';
