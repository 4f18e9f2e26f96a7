/**
 * @module The body of a scan for one planned file: read it (a log through its parser with the
 * kind's prefilter, a swept file into a file record), match every record, and return what the
 * file contributes to its host as plain data.
 *
 * It is one function on purpose: the serial loop of `runScan` and the worker threads of a
 * parallel scan (src/engine/parallel) both call it, so a file gives the same hits, coverage,
 * server name, record count and diagnostics whichever thread read it. The result holds only
 * JSON-like values (it crosses threads by structured clone); the engine applies results in plan
 * order, which is what makes a parallel scan's output identical to a serial one.
 */
import type { Readable } from 'node:stream';
import type { Diagnostic } from '../core/diagnostic.js';
import type { FileScanner, HostContext, LineScanner } from '../core/detector.js';
import type { Hit } from '../core/finding.js';
import type { LogRecord } from '../core/record.js';
import { LogLinesPass } from '../detectors/yara/log-lines.js';
import { readWhole } from '../inputs/read-whole.js';
import { readFileRecord } from '../sources/files/index.js';
import type { LogKind } from '../sources/source.js';
import { probesFor, type DetectorSet } from './content.js';
import type { RecordMatcher } from './matcher.js';
import type { PlannedFile } from './plan.js';
import { readLog } from './read-log.js';

/** A log file's share of its source's coverage row. */
export interface CoverageShare {
  readonly source: string;
  readonly kind: LogKind;
  readonly bytes: number;
  readonly oldest: string | null;
  readonly newest: string | null;
}

/** What one file contributes to its host; plain data, so it can be posted between threads. */
export interface FileResult {
  /** Hits in the order the file produced them. */
  readonly hits: Hit[];
  /** Set once the log was read to the end (not for swept files, nor when reading failed). */
  coverage: CoverageShare | null;
  /** The server name the log names, once the file was read to the end. */
  serverName: string | null;
  /** Records handed to the detectors. */
  records: number;
  /** Problems with the file, in the order they happened; the engine adds the input. */
  readonly diagnostics: Diagnostic[];
}

/** What the per-file body needs besides the file; one per thread (and per host in a serial scan). */
export interface FileScanContext {
  readonly detectors: DetectorSet;
  readonly matcher: RecordMatcher;
  readonly fileScanners: readonly FileScanner[];
  readonly lineScanners: readonly LineScanner[];
}

export function emptyFileResult(): FileResult {
  return { hits: [], coverage: null, serverName: null, records: 0, diagnostics: [] };
}

/**
 * Scans one planned file. Never throws: a file that cannot be read or parsed becomes an
 * `unreadable` diagnostic, and the hits found before the failure are kept.
 */
export async function scanPlannedFile(file: PlannedFile, open: () => Promise<Readable>, ctx: FileScanContext): Promise<FileResult> {
  const result = emptyFileResult();
  const host: HostContext = { exchangeInstall: file.exchangeInstall };
  const onDiag = (d: Diagnostic): void => {
    result.diagnostics.push(d);
  };
  const onHit = (hit: Hit): void => {
    result.hits.push(hit);
  };
  const path = file.entry.path;
  try {
    if (file.placement.type === 'log') {
      const kind = file.placement.kind;
      // Line scanners (YARA log rules) read the raw lines the parser reads, so a log is read
      // once (event logs have no raw lines): when every scanner has prefilter literals, these
      // join the kind's prefilter and the scanners get only the lines it hands over; otherwise
      // they get all of the file's bytes.
      const scanners = kind === 'event' ? [] : ctx.lineScanners.filter((s) => s.scansLines);
      const passes = scanners.map((s) => new LogLinesPass(s, { path, kind })).filter((p) => p.active);
      const lineLiterals = passes.length > 0 ? mergedLineLiterals(ctx.lineScanners) : null;
      const literals = ctx.detectors.literalsByKind.get(kind) ?? null;
      const stats = await readLog(
        kind,
        file.placement.format,
        path,
        open,
        {
          literals: lineLiterals ? withLineLiterals(literals, lineLiterals) : literals,
          ...probesFor(ctx.detectors, kind),
          onRecord: (rec: LogRecord) => {
            result.records += 1;
            for (const hit of ctx.matcher.match(rec, host)) onHit(hit);
          },
          onDiagnostic: onDiag,
          ...(passes.length === 0
            ? {}
            : lineLiterals
              ? { onLine: (buf: Buffer, start: number, end: number, line: number) => passes.forEach((p) => p.line(buf, start, end, line)) }
              : { onBytes: (chunk: Buffer) => passes.forEach((p) => p.chunk(chunk, true)) }),
        },
        file.entry.openSync?.bind(file.entry),
      );
      result.coverage = { source: file.placement.source, kind, bytes: file.entry.size, oldest: stats.oldest, newest: stats.newest };
      for (const p of passes) p.end().forEach(onHit);
      if (stats.serverName) result.serverName = stats.serverName;
    } else {
      const rec = file.deep
        ? null
        : await readFileRecord(
            {
              path,
              windowsPath: file.placement.windowsPath,
              zone: file.placement.zone,
              size: file.entry.size,
              mtime: file.entry.mtime,
              open,
            },
            { exchangeInstall: file.exchangeInstall, extraHashes: ctx.detectors.fileHashes },
          );
      if (rec) {
        result.records += 1;
        for (const hit of ctx.matcher.match(rec, host)) onHit(hit);
      }
      for (const scanner of ctx.fileScanners) {
        const bytes = await readWhole(open, file.entry.size, scanner.maxFileBytes);
        if (!bytes) {
          onDiag({ level: 'warning', code: 'too-large', message: `${scanner.name}: not scanned, larger than ${scanner.maxFileBytes} bytes`, path });
          continue;
        }
        const scanned = await scanner.scanFile({
          path,
          bytes,
          size: file.entry.size,
          windowsPath: file.placement.windowsPath,
          time: file.entry.mtime ? file.entry.mtime.toISOString() : null,
        });
        scanned.forEach(onHit);
      }
    }
  } catch (e) {
    onDiag({ level: 'error', code: 'unreadable', message: e instanceof Error ? e.message : String(e), path });
  }
  return result;
}

/**
 * The literals of the line scanners that scan lines, together (one array per scanner list, so the
 * literal matcher compiles once), or null when one of them has none (it needs every line).
 */
const lineLiteralSets = new WeakMap<readonly LineScanner[], readonly string[] | null>();
function mergedLineLiterals(all: readonly LineScanner[]): readonly string[] | null {
  let merged = lineLiteralSets.get(all);
  if (merged === undefined) {
    const scanners = all.filter((s) => s.scansLines);
    merged = scanners.length === 1 ? scanners[0]!.lineLiterals : scanners.some((s) => s.lineLiterals === null) ? null : [...new Set(scanners.flatMap((s) => s.lineLiterals ?? []))];
    lineLiteralSets.set(all, merged);
  }
  return merged;
}

/**
 * A kind's prefilter with the line scanners' literals added, one array per pair (the literal
 * matcher compiles once per array); null stays null (every line is read anyway).
 */
const withLine = new WeakMap<readonly string[], WeakMap<readonly string[], readonly string[]>>();
function withLineLiterals(literals: readonly string[] | null, line: readonly string[]): readonly string[] | null {
  if (literals === null) return null;
  let byLine = withLine.get(literals);
  if (!byLine) withLine.set(literals, (byLine = new WeakMap()));
  let merged = byLine.get(line);
  if (!merged) byLine.set(line, (merged = [...new Set([...literals, ...line])]));
  return merged;
}
