/**
 * @module The contract between the line reader and a log format: what a format visitor is
 * handed (`LineRole`), what it answers, and the reader's options and totals.
 */
import type { CappedDiagnostics } from './capped-diagnostics.js';
import type { TextEncoding } from './encoding.js';

/** Why a line is handed to the visitor (see `read-lines.ts`). */
export type LineRole = 'directive' | 'data' | 'coverage';

export interface LineVisitor {
  /**
   * RFC 4180 mode: when true, a line feed inside double quotes continues the record. Read when
   * reading starts and again after every line handed over, so a parser can switch it on once
   * a header shows the file is CSV.
   */
  readonly quoted: boolean;
  /**
   * Receives a line, or a quoted record spanning lines (then `line` is its first line and the
   * text keeps the inner line breaks). `text` has no line terminator. Returns true when an
   * entry time was read from it, which ends the search for the first entry's time.
   * Must not throw on any content.
   */
  line(text: string, line: number, role: LineRole): boolean;
  /**
   * Optional second prefilter, asked about a data line that holds no literal: whether the line
   * might still interest a detector (a column probe on the header read so far, see
   * `sources/common/column-probe.ts`). True hands the line over as `data`. Not asked when
   * there are no literals (every line is handed over then). Must not throw on any content.
   */
  probe?(buf: Buffer, start: number, end: number): boolean;
}

export interface LineReaderOptions {
  /** Lower-case literals of the prefilter; null reads every line as `data`. */
  readonly literals: readonly string[] | null;
  /** Longest line accepted, in bytes without terminator. Default `DEFAULT_MAX_LINE_BYTES`. */
  readonly maxLineBytes?: number;
  readonly diagnostics: CappedDiagnostics;
  /**
   * Given every chunk of the file's raw bytes as read, in order, before any decoding: for a
   * second reader of the same lines (YARA log rules) that would otherwise read the file again.
   * The chunk's memory is reused once the call returns; copy what must outlive it.
   */
  readonly onBytes?: (chunk: Buffer) => void;
  /**
   * Given the raw bytes of each line handed over as `data` or `directive` (`buf[start, end)`,
   * no terminator; a quoted record spanning lines keeps its inner line breaks, `line` is its
   * first): the prefiltered lines, for a second reader whose literals are in the prefilter
   * (YARA log rules). The memory is reused once the call returns.
   */
  readonly onLine?: (buf: Buffer, start: number, end: number, line: number) => void;
}

export interface LineStats {
  readonly encoding: TextEncoding;
  /** Physical lines, counting a last line without a line feed. */
  readonly lines: number;
  /** Data units: lines (or quoted records) that are neither blank nor `#` directives. */
  readonly dataLines: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** A quoted value spanning more lines than this is taken for a stray quote. */
export const MAX_RECORD_LINES = 1000;
/** Data lines handed over as `coverage` while none has yielded a time yet (then give up). */
export const MAX_FIRST_TIME_TRIES = 100;
