/**
 * @module The Detector contract: compiled once from content, then asked about each record.
 *
 * Routing happens before matching: the engine hands a detector only records of the kinds it
 * declares, and, when it declares literals, only lines that contain at least one of them.
 */
import type { Hit } from './finding.js';
import type { RecordKind } from './origin.js';
import type { LogRecord } from './record.js';

/** Facts about the host being scanned that rules may refer to (as `{{name}}` in patterns). */
export interface HostContext {
  /**
   * Windows form of the Exchange install folder with a trailing backslash, e.g.
   * `C:\Program Files\Microsoft\Exchange Server\V15\`; null when no install was found.
   */
  readonly exchangeInstall: string | null;
}

export interface Detector {
  /** Stable rule id, e.g. `Exchange.ProxyLogon.Ssrf`. */
  readonly id: string;
  /** Record kinds this detector looks at; records of other kinds are never passed in. */
  readonly kinds: readonly RecordKind[];
  /**
   * Prefilter: lower-case literals of which every matching raw line contains at least one.
   * `null` means "no hint": every record of the declared kinds is passed in. A prefilter may let
   * extra lines through but must never drop a line that would have matched.
   */
  readonly literals: readonly string[] | null;
  /**
   * A second prefilter beside `literals`, for detectors whose values cannot all be literals (a
   * million indicators): a line that holds none of `literals` still interests the detector when
   * the probe says one of its column values might match. Ignored when `literals` is null.
   */
  readonly probe?: ColumnProbe;
  /**
   * Returns a hit when the record matches, otherwise null. Must be pure and deterministic, and
   * must not throw on any record content (records are attacker-controlled).
   */
  match(record: LogRecord, host: HostContext): Hit | null;
}

/**
 * A test of a few column values of a tabular log line (IIS W3C, Exchange CSV), made on the raw
 * bytes before the line is decoded or split into a record. The parser finds the values by the
 * header it is reading and hands over each one's bytes exactly as `LogRecord.get` would return
 * them (UTF-8; W3C's `-` as an empty value; a CSV value unquoted). It may also skip the probe and
 * hand the whole line over when a value is awkward to cut out (a doubled quote, say): a probe
 * lets lines through, it never has the last word.
 */
export interface ColumnProbe {
  /** Names of the columns the probe reads, looked up as `LogRecord.get` looks them up. */
  readonly columns: readonly string[];
  /** Whether value `buf[start, end)` of `columns[k]` could make the record match. */
  test(k: number, buf: Buffer, start: number, end: number): boolean;
}

/** A whole file, as handed to content scanners. */
export interface ScannedFile {
  /** Path relative to the scanned PATH, `/` separators. */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly size: number;
  /** The file's path on the server, when known. */
  readonly windowsPath?: string;
  /** Modification time, ISO 8601 UTC. */
  readonly time?: string | null;
}

/**
 * A detector that reads whole files rather than records (YARA). It is given every swept file up
 * to `maxFileBytes`; like `Detector.match` it must not throw on file content.
 */
export interface FileScanner {
  readonly name: string;
  readonly maxFileBytes: number;
  scanFile(file: ScannedFile): Hit[] | Promise<Hit[]>;
}

/** Where a log line is, as handed to line scanners. */
export interface LineOrigin {
  readonly path: string;
  /** 1-based line number. */
  readonly line: number;
  readonly kind: RecordKind;
  readonly time?: string | null;
  readonly clientIp?: string | null;
}

/**
 * A detector that reads raw log lines rather than records (YARA rules written for log lines).
 * `lineLiterals` is its prefilter like `Detector.literals`; `scansLines` false means it has none.
 */
export interface LineScanner {
  readonly lineLiterals: readonly string[] | null;
  readonly scansLines: boolean;
  scanLine(line: string, origin: LineOrigin): Hit[];
}
