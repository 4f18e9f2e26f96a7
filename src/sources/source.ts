/**
 * @module The contract every log parser implements.
 *
 * Parsers push records (ripgrep's push model): the engine gives them a byte stream and two
 * callbacks, and they call `onRecord` for each record in file order. Pushing keeps the hot loop
 * inside the parser, with no promise per line. Parsers never throw on content: a line they
 * cannot read becomes a Diagnostic and they go on with the next.
 */
import type { Readable } from 'node:stream';
import type { DiagnosticSink } from '../core/diagnostic.js';
import type { ColumnProbe } from '../core/detector.js';
import type { RecordKind } from '../core/origin.js';
import type { LogRecord } from '../core/record.js';

/** One file to parse. */
export interface LogInput {
  /** Path relative to the scanned PATH, `/` separators; used in every origin and diagnostic. */
  readonly path: string;
  /** Opens a fresh read-only byte stream of the whole file. */
  open(): Promise<Readable>;
  /**
   * Opens the same bytes for synchronous reading, when the file is on a local disk. Line-based
   * parsers then read it in chunks into one buffer they reuse instead of through `open()`: a
   * triage folder holds thousands of small logs, and a stream plus a fresh buffer per file cost
   * more than parsing them (the buffers also pile up as garbage, which is what set the peak
   * memory of a scan). Throws, naming the path, when the file cannot be opened.
   */
  openSync?(): SyncByteReader;
}

/** A file opened for reading front to back. */
export interface SyncByteReader {
  /** Reads the next bytes into `buf` (from offset 0) and returns how many; 0 at the end. Throws on a read error. */
  read(buf: Buffer): number;
  close(): void;
}

export interface ParseOptions {
  /**
   * Lower-case literals; when given, only data lines that contain at least one of them
   * (compared case-insensitively) need to become records. Header and directive lines are always
   * read, and the first and last entries' times are always taken for coverage. null: every line.
   */
  readonly literals: readonly string[] | null;
  /**
   * Column probes beside the literals (see `Detector.probe`): a data line without a literal
   * still becomes a record when one of them says a value might match. Tabular formats only
   * (IIS W3C, Exchange CSV); ignored when `literals` is null.
   */
  readonly probes?: readonly ColumnProbe[];
  readonly onRecord: (record: LogRecord) => void;
  readonly onDiagnostic: DiagnosticSink;
  /** Longest line accepted; longer lines are reported and skipped. Default 1 MiB. */
  readonly maxLineBytes?: number;
  /**
   * Given the file's raw bytes chunk by chunk as the parser reads them (see
   * `LineReaderOptions.onBytes`); text-log parsers only. The chunk is reused after the call.
   */
  readonly onBytes?: (chunk: Buffer) => void;
  /** Given the raw bytes of each line handed over (see `LineReaderOptions.onLine`). */
  readonly onLine?: (buf: Buffer, start: number, end: number, line: number) => void;
}

/** What a parser learned about the whole file, for coverage and host identification. */
export interface FileStats {
  /** Data lines (entries) in the file, whether or not they became records. */
  readonly entries: number;
  /** Oldest and newest entry times, ISO 8601 UTC; null when no entry had a readable time. */
  readonly oldest: string | null;
  readonly newest: string | null;
  /** Server name the log names (HttpProxy ServerHostName, ECP ServerName, W3C s-computername). */
  readonly serverName: string | null;
  /** Exchange build from a `#Version:` directive, when present. */
  readonly version: string | null;
  readonly encoding: 'utf8' | 'utf16le' | 'utf16be';
}

export type LogParser = (input: LogInput, options: ParseOptions) => Promise<FileStats>;

/** Kinds that are logs (every kind but `file`). */
export type LogKind = Exclude<RecordKind, 'file'>;
