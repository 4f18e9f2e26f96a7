/**
 * @module The Sink contract: where findings go (terminal, files, later stores and alert channels).
 *
 * Call order is `begin` once, `write` per finding in order, `close` once with the summary. Every
 * member may return a promise; the engine awaits it before the next call. A sink that throws
 * from a method aborts the run with exit code 2 (a report that cannot be written is a failed
 * scan); alert channels that must not kill a hunt catch their own delivery errors instead.
 */
import type { Finding } from './finding.js';
import type { ScanSummary } from './summary.js';

export interface RunInfo {
  readonly startedAt: string;
  readonly inputs: readonly string[];
  readonly exhuntVersion: string;
  readonly rulesLoaded: number;
}

export interface Sink {
  readonly name: string;
  begin?(run: RunInfo): void | Promise<void>;
  write(finding: Finding): void | Promise<void>;
  close?(summary: ScanSummary, findings: readonly Finding[]): void | Promise<void>;
}
