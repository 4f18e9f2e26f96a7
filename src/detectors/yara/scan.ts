/**
 * @module `YaraScanner`: runs compiled YARA rules over whole files and over log lines, and turns
 * matches into Hits.
 *
 * Files: larger than `maxFileBytes` (64 MiB) are skipped with a diagnostic; each file is
 * classified text or binary from its first 8 KiB (NUL bytes, executable headers) and scanned
 * with the text or the binary rule set (see compile.ts); the per-file time limit comes from the
 * compile limits. External variables are set per file the way Loki sets them.
 * Log lines: scanned with the log rule set, with all externals empty; batches of lines go through
 * the gate first (line-batch.ts), so that only lines holding a string some rule needs are scanned.
 * Problems with one file or line are reported as diagnostics, never thrown.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { readWhole } from '../../inputs/read-whole.js';
import type { LineOrigin } from '../../core/detector.js';
import type { DiagnosticSink } from '../../core/diagnostic.js';
import type { Hit } from '../../core/finding.js';
import type { CompiledYara, YaraCompileOptions, YaraCompileReport } from './compile.js';
import { compileYara } from './compile.js';
import type { Externals, RawMatch } from './engine.js';
import { EMPTY_EXTERNALS, YaraTimeoutError } from './engine.js';
import type { HitOptions, MatchPlace } from './hits.js';
import { toHit } from './hits.js';
import type { LineBatch } from './line-batch.js';
import { gateLimits, scanLineBatch } from './line-batch.js';
import { LineMatcher } from './literals.js';
import { CLASSIFY_HEAD_BYTES, classifyContent } from './rule-class.js';

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** One file to scan. Give its bytes, or a local path to read it from. */
export interface YaraFileInput {
  /** Path relative to the scanned PATH, `/` separators (the finding's source path). */
  readonly path: string;
  /** The whole file. */
  readonly bytes?: Uint8Array;
  /** Where the file is on this machine, when `bytes` is not given. */
  readonly localPath?: string;
  readonly size: number;
  /** Path on the server it came from (`C:\inetpub\wwwroot\aspnet_client\x.aspx`): sets `filepath`. */
  readonly windowsPath?: string;
  /** File name (`filename`); default: the last part of windowsPath, localPath or path. */
  readonly name?: string;
  /** Extension with the dot (`extension`, lower-cased); default: from the name. */
  readonly extension?: string;
  /** Modification time (ISO 8601) used as the finding's time; null when unknown. */
  readonly time?: string | null;
}

/** Where a log line comes from. */
/** Where a log line is (the core contract's LineOrigin). */
export type YaraLineOrigin = LineOrigin;

export interface YaraScannerOptions {
  /** Files larger than this are skipped (diagnostic `yara-too-large`). Default 64 MiB. */
  readonly maxFileBytes?: number;
  readonly onDiagnostic?: DiagnosticSink;
  readonly hits?: HitOptions;
}

export interface YaraScanStats {
  files: number;
  bytes: number;
  /** Files not scanned: larger than the cap; binary with no binary rules; time limit hit. */
  tooLarge: number;
  binarySkipped: number;
  timeouts: number;
  /** Log lines seen, and those scanned with the log rules (after the prefilter or the gate). */
  lines: number;
  lineCandidates: number;
  /** Gate scans over batches of lines (line-batch.ts). */
  lineBatches: number;
}

/**
 * Log lines are scanned with no externals passed: the log set is only ever scanned with the
 * declared defaults (empty strings), and passing them costs time on every line.
 */
const NO_EXTERNALS: Externals = {};

const LF = Buffer.from('\n');

export const EMPTY_STATS: Readonly<YaraScanStats> = { files: 0, bytes: 0, tooLarge: 0, binarySkipped: 0, timeouts: 0, lines: 0, lineCandidates: 0, lineBatches: 0 };

/** A batch of log lines for `scanLineBatch`, with how many lines were read to make it. */
export interface YaraLineBatch extends LineBatch {
  /** Lines read, including those left out of the batch (too long, or without a literal). */
  readonly seen?: number;
}

export class YaraScanner {
  readonly #compiled: CompiledYara;
  readonly #maxFileBytes: number;
  readonly #onDiagnostic: DiagnosticSink | undefined;
  readonly #hitOptions: HitOptions;
  readonly #lines: LineMatcher | null;
  readonly stats: YaraScanStats = { ...EMPTY_STATS };

  constructor(compiled: CompiledYara, options: YaraScannerOptions = {}) {
    this.#compiled = compiled;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.#onDiagnostic = options.onDiagnostic;
    this.#hitOptions = options.hits ?? {};
    this.#lines = compiled.lineLiterals ? new LineMatcher(compiled.lineLiterals) : null;
  }

  /** Compiles the rules (once) and returns a scanner over them. Throws UsageError/ContentError. */
  static open(options: YaraCompileOptions & YaraScannerOptions): YaraScanner {
    return new YaraScanner(compileYara(options), options);
  }

  get report(): YaraCompileReport {
    return this.#compiled.report;
  }

  /** True when some rule runs on files. */
  get scansFiles(): boolean {
    return this.#compiled.text !== null || this.#compiled.binary !== null;
  }

  /** True when some rule runs on log lines. */
  get scansLines(): boolean {
    return this.#compiled.logs !== null;
  }

  /**
   * Prefilter for log lines: lower-case literals of which every line a log rule can match
   * contains at least one (ASCII case ignored), or null when every line is a candidate. Callers
   * may skip other lines without calling `scanLine` (which applies it too); the engine can add
   * them to a log kind's parser prefilter.
   */
  get lineLiterals(): readonly string[] | null {
    return this.#compiled.lineLiterals;
  }

  /**
   * True when `scanLineBatch` gates lines with the rules' own strings: callers then put every
   * line in a batch, unfiltered (the gate is faster and exact). False: filter lines with
   * `lineLiterals` first, as `scanLine` does.
   */
  get gatesLines(): boolean {
    return (this.#compiled.logGate?.length ?? 0) > 0;
  }

  /** Hits of the file rules on one whole file, ordered by rule id. */
  scanFile(input: YaraFileInput): Hit[] {
    if (!this.scansFiles) return [];
    if (input.size > this.#maxFileBytes || (input.bytes && input.bytes.length > this.#maxFileBytes)) {
      this.stats.tooLarge += 1;
      this.#diag('warning', 'yara-too-large', `not scanned with YARA: ${input.size} bytes is above the ${this.#maxFileBytes}-byte limit`, input.path);
      return [];
    }
    let data: Buffer | null = input.bytes ? Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.length) : null;
    try {
      const byPath = !data && input.localPath !== undefined && this.#prefersPath();
      if (!data && !byPath) {
        if (input.localPath === undefined) throw new Error('YaraFileInput needs bytes or localPath');
        data = readFileSync(input.localPath);
      }
      const head = data ?? readHead(input.localPath ?? '', CLASSIFY_HEAD_BYTES);
      const kind = classifyContent(head);
      const set = kind === 'text' ? this.#compiled.text : this.#compiled.binary;
      if (!set) {
        this.stats.binarySkipped += 1;
        return [];
      }
      this.stats.files += 1;
      this.stats.bytes += data?.length ?? input.size;
      const externals = this.#externals(input, head, data);
      const matches = data ? set.scan(data, externals) : set.scanPath(input.localPath ?? '', externals);
      return this.#hits(matches, { path: input.path, line: null, kind: 'file', time: input.time ?? null });
    } catch (e) {
      this.#failed(e, input.path);
      return [];
    }
  }

  /** Hits of the log rules on one line (without its line break). */
  scanLine(line: string, origin: YaraLineOrigin): Hit[] {
    const set = this.#compiled.logs;
    if (!set) return [];
    this.stats.lines += 1;
    if (this.#lines && !this.#lines.test(line)) return [];
    this.stats.lineCandidates += 1;
    try {
      return this.#hits(set.scan(Buffer.from(line, 'utf8'), NO_EXTERNALS), placeOf(origin));
    } catch (e) {
      this.#failed(e, origin.path, origin.line);
      return [];
    }
  }

  /**
   * Hits of the log rules on consecutive lines `firstLine`, `firstLine + 1`, ... of one file.
   * Same result as `scanLine` per line, in line order.
   */
  scanLines(lines: readonly string[], origin: Omit<YaraLineOrigin, 'line'> & { readonly firstLine: number }): Hit[] {
    if (!this.#compiled.logs || lines.length === 0) return [];
    const gated = this.gatesLines;
    const parts: Buffer[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const numbers: number[] = [];
    let at = 0;
    lines.forEach((l, i) => {
      if (!gated && this.#lines && !this.#lines.test(l)) return;
      const b = Buffer.from(l, 'utf8');
      parts.push(b, LF);
      starts.push(at);
      ends.push(at + b.length);
      numbers.push(origin.firstLine + i);
      at += b.length + 1;
    });
    return this.scanLineBatch({ buf: Buffer.concat(parts, at), starts, ends, lines: numbers, seen: lines.length }, origin);
  }

  /**
   * Hits of the log rules on each line of a batch (see `LineBatch`), in line order: the same as
   * `scanLine` on each line, minus the literal prefilter, which the caller applies when
   * `gatesLines` is false. Engine problems with a line become diagnostics naming it.
   */
  scanLineBatch(batch: YaraLineBatch, origin: Omit<YaraLineOrigin, 'line'>): Hit[] {
    const set = this.#compiled.logs;
    this.stats.lines += batch.seen ?? batch.lines.length;
    if (!set || batch.lines.length === 0) return [];
    const gates = this.#compiled.logGate;
    if (gates) this.stats.lineBatches += 1;
    const result = scanLineBatch(batch, set, gates, {
      externals: NO_EXTERNALS,
      gateCap: gateLimits(this.#compiled.limits).maxMatchesPerPattern,
      onError: (i, e) => this.#failed(e, origin.path, batch.lines[i]),
    });
    this.stats.lineCandidates += result.scanned;
    return result.matches.flatMap((r) => this.#hits(r.matches, placeOf({ ...origin, line: batch.lines[r.index] ?? 0 })));
  }

  close(): void {
    this.#compiled.close();
  }

  #prefersPath(): boolean {
    return this.#compiled.report.engine.kind === 'yara';
  }

  #externals(input: YaraFileInput, head: Buffer, data: Buffer | null): Externals {
    const winPath = input.windowsPath ?? input.localPath ?? input.path;
    const sep = Math.max(winPath.lastIndexOf('\\'), winPath.lastIndexOf('/'));
    const name = input.name ?? winPath.slice(sep + 1);
    const dot = name.lastIndexOf('.');
    const extension = (input.extension ?? (dot > 0 ? name.slice(dot) : '')).toLowerCase();
    const used = this.#compiled.externalsUsed;
    return {
      ...EMPTY_EXTERNALS,
      filename: name,
      filepath: sep > 0 ? winPath.slice(0, sep) : '',
      extension,
      filetype: fileType(head, extension),
      md5: used.has('md5') ? createHash('md5').update(data ?? readFileSync(input.localPath ?? '')).digest('hex') : '',
    };
  }

  #hits(matches: readonly RawMatch[], place: MatchPlace): Hit[] {
    return matches
      .map((m) => toHit(m, this.#compiled.facts.get(`${m.namespace}.${m.rule}`), place, this.#hitOptions))
      .sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  }

  #failed(e: unknown, path: string, line?: number): void {
    if (e instanceof YaraTimeoutError) {
      this.stats.timeouts += 1;
      this.#diag('warning', 'yara-timeout', `YARA scan stopped at the ${Math.round(this.#compiled.limits.timeoutMs / 1000)} s time limit`, path, line);
      return;
    }
    this.#diag('error', 'yara-error', `YARA scan failed: ${e instanceof Error ? e.message : String(e)}`, path, line);
  }

  #diag(level: 'warning' | 'error', code: string, message: string, path: string, line?: number): void {
    this.#onDiagnostic?.({ level, code, message, path, ...(line === undefined ? {} : { line }) });
  }
}

function placeOf(o: YaraLineOrigin): MatchPlace {
  return { path: o.path, line: o.line, kind: o.kind, time: o.time ?? null, clientIp: o.clientIp ?? null };
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** Header → Loki/THOR `filetype` value, longest header first. */
const FILE_TYPES: readonly (readonly [Buffer, string])[] = (
  [
    ['4d5a', 'EXE'],
    ['7f454c46', 'ELF'],
    ['feedface', 'MACH-O'],
    ['feedfacf', 'MACH-O'],
    ['cefaedfe', 'MACH-O'],
    ['cffaedfe', 'MACH-O'],
    ['4d444d50', 'MDMP'],
    ['25504446', 'PDF'],
    ['504b0304', 'ZIP'],
    ['1f8b08', 'GZIP'],
    ['7b5c72746631', 'RTF'],
    ['3c3f706870', 'PHP'],
    ['3c3f786d6c', 'XML'],
    ['d0cf11e0a1b11ae1', 'OLE'],
    ['526172211a07', 'RAR'],
    ['377abcaf271c', '7Zip'],
    ['4d534346', 'CAB'],
    ['72656766', 'Registry Hive'],
    ['456c6646696c65', 'EVTX'],
    ['4c0000000114020000', 'LNK'],
    ['23212f', 'UNIX SCRIPT'],
    ['2321', 'Script'],
    ['3c25', 'JSP'],
  ] as const
)
  .map(([hex, name]) => [Buffer.from(hex, 'hex'), name] as const)
  .sort((a, b) => b[0].length - a[0].length);

/** The file type name Loki's rules compare `filetype` with, from the file's first bytes. */
export function fileType(head: Uint8Array, extension = ''): string {
  const b = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 16));
  for (const [magic, name] of FILE_TYPES) {
    if (b.length >= magic.length && b.subarray(0, magic.length).equals(magic)) {
      return name === 'JSP' && /^\.as[pchm]x?$/.test(extension) ? 'ASP' : name;
    }
  }
  return '';
}

/**
 * Reads a stream (a tree entry) into memory for `scanFile`, or returns null when it is larger
 * than `maxBytes` (without reading it all).
 */
export function readForYara(open: () => Promise<Readable>, size: number, maxBytes: number = DEFAULT_MAX_FILE_BYTES): Promise<Buffer | null> {
  return readWhole(open, size, maxBytes);
}
