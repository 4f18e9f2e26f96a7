/**
 * @module Parsing a slice from the middle of a log with the scan's own parsers: the header
 * context is replayed first, then the new bytes, and every record and diagnostic is moved back
 * to its true line in the file. Records from the replayed header lines are dropped.
 *
 * The parsers are used unchanged (src/sources): a record is wrapped in a {@link PlacedRecord}
 * that only replaces its origin, so detectors see the same fields they see in a scan.
 */
import { Readable } from 'node:stream';
import type { ColumnProbe } from '../core/detector.js';
import type { Diagnostic, DiagnosticSink } from '../core/diagnostic.js';
import type { Origin } from '../core/origin.js';
import type { LogRecord } from '../core/record.js';
import { readLog } from '../engine/read-log.js';
import type { LogKind } from '../sources/source.js';

/** A parser's record at its true place in the file. */
export class PlacedRecord implements LogRecord {
  readonly kind: LogRecord['kind'];
  readonly origin: Origin;
  readonly time: string | null;
  readonly #inner: LogRecord;

  constructor(inner: LogRecord, origin: Origin) {
    this.#inner = inner;
    this.kind = inner.kind;
    this.origin = origin;
    this.time = inner.time;
  }

  get(name: string): string | undefined {
    return this.#inner.get(name);
  }

  fields(): Record<string, string> {
    return this.#inner.fields();
  }
}

export interface SliceInput {
  readonly kind: LogKind;
  readonly format?: string | undefined;
  /** Tree path of the file (origins and diagnostics). */
  readonly path: string;
  /** Replayed before the bytes: byte-order mark plus header lines. */
  readonly prefix: Buffer;
  /** Lines in `prefix`. */
  readonly prefixLines: number;
  readonly bytes: Buffer;
  /** True line number of the first line of `bytes`. */
  readonly firstLine: number;
  readonly literals: readonly string[] | null;
  /** Column probes beside the literals (see `ParseOptions.probes`). */
  readonly probes?: readonly ColumnProbe[] | undefined;
  readonly onRecord: (record: LogRecord) => void;
  readonly onDiagnostic: DiagnosticSink;
}

/** Parses one slice; records and diagnostics come out with true line numbers. */
export async function parseSlice(s: SliceInput): Promise<void> {
  const shift = s.firstLine - 1 - s.prefixLines;
  const chunks = s.prefix.length > 0 ? [s.prefix, s.bytes] : [s.bytes];
  await readLog(s.kind, s.format, s.path, () => Promise.resolve(Readable.from(chunks, { objectMode: false })), {
    literals: s.literals,
    ...(s.probes ? { probes: s.probes } : {}),
    onRecord: (r) => {
      const line = r.origin.line;
      if (line === null) {
        s.onRecord(r);
        return;
      }
      if (line <= s.prefixLines) return;
      s.onRecord(new PlacedRecord(r, { ...r.origin, line: line + shift }));
    },
    onDiagnostic: (d: Diagnostic) => {
      if (d.line === undefined) {
        // File-level notes (UTF-16) repeat on every slice; only the first slice reports them.
        if (s.firstLine === 1) s.onDiagnostic(d);
        return;
      }
      if (d.line <= s.prefixLines) return;
      s.onDiagnostic({ ...d, line: d.line + shift });
    },
  });
}
