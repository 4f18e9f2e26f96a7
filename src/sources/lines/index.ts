/**
 * @module Bytes to lines for every log parser: encodings, line feeds, over-long lines, quoted
 * records, capped diagnostics and the literal prefilter. Re-exports only.
 */
export { readLines, readLinesSync } from './read-lines.js';
export { LineScanner } from './line-scanner.js';
export { DEFAULT_MAX_LINE_BYTES, MAX_RECORD_LINES, MAX_FIRST_TIME_TRIES } from './line-visitor.js';
export type { LineRole, LineVisitor, LineReaderOptions, LineStats } from './line-visitor.js';
export { sniffEncoding, Utf8ChunkDecoder, SNIFF_BYTES } from './encoding.js';
export type { TextEncoding, SniffResult } from './encoding.js';
export { compileLiterals, literalAnchor, literalStrategy } from './literals.js';
export type { LiteralMatcher } from './literals.js';
export { CappedDiagnostics, DEFAULT_DIAGNOSTICS_PER_CODE } from './capped-diagnostics.js';
