/**
 * @module The frame shared by every log parser: open the file, read it line by line through a
 * format visitor, cap its diagnostics, and sum up what was learned as `FileStats`.
 *
 * A parser is then only its visitor (fields, headers, times). Only opening the input
 * (`openSync()` when the input offers it, else `open()`) may reject; everything after that is
 * reported as diagnostics.
 */
import type { ColumnProbe } from '../../core/detector.js';
import type { LogRecord } from '../../core/record.js';
import type { RecordKind } from '../../core/origin.js';
import { CappedDiagnostics } from '../lines/capped-diagnostics.js';
import type { LineVisitor } from '../lines/line-visitor.js';
import type { Readable } from 'node:stream';
import type { LineStats } from '../lines/line-visitor.js';
import { readLines, readLinesSync } from '../lines/read-lines.js';
import type { FileStats, LogInput, ParseOptions } from '../source.js';
import type { TimeRange } from './time.js';

/** What a format visitor gets to work with for one file. */
export interface ParseContext {
  readonly path: string;
  readonly kind: RecordKind;
  readonly onRecord: (record: LogRecord) => void;
  readonly diagnostics: CappedDiagnostics;
  /** Column probes to run on lines without a literal (see `ParseOptions.probes`); empty for none. */
  readonly probes: readonly ColumnProbe[];
}

/** A format's line visitor plus what it learned about the file. */
export interface FormatVisitor extends LineVisitor {
  /** Data lines the format did not count as entries (a plain CSV header on line 1). */
  readonly nonEntryLines: number;
  readonly times: TimeRange;
  readonly serverName: string | null;
  readonly version: string | null;
}

export async function runLineParser(
  input: LogInput,
  options: ParseOptions,
  kind: RecordKind,
  makeVisitor: (ctx: ParseContext) => FormatVisitor,
): Promise<FileStats> {
  // A file that cannot be opened rejects the parser before anything is reported for it.
  const reader = input.openSync ? input.openSync() : null;
  const stream = reader ? null : await input.open();
  const diagnostics = new CappedDiagnostics(options.onDiagnostic, input.path);
  const visitor = makeVisitor({
    path: input.path,
    kind,
    onRecord: options.onRecord,
    diagnostics,
    probes: options.literals !== null ? (options.probes ?? []) : [],
  });
  const lineOptions = {
    literals: options.literals,
    diagnostics,
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  };
  let stats: LineStats;
  if (reader) {
    try {
      stats = readLinesSync(reader, visitor, lineOptions);
    } finally {
      reader.close();
    }
  } else {
    stats = await readLines(stream as Readable, visitor, lineOptions);
  }
  diagnostics.finish();
  return {
    entries: Math.max(0, stats.dataLines - visitor.nonEntryLines),
    oldest: visitor.times.oldest,
    newest: visitor.times.newest,
    serverName: visitor.serverName,
    version: visitor.version,
    encoding: stats.encoding,
  };
}
