/**
 * @module Per-file cap on diagnostics, so that one garbage file (a binary renamed `.log`, a
 * log full of NUL padding) cannot bury the run summary under thousands of identical lines.
 *
 * The first `perCode` diagnostics of each code are passed on as they happen; the rest are
 * counted and reported as one summary diagnostic of the same code when the file is finished.
 */
import type { DiagnosticLevel, DiagnosticSink } from '../../core/diagnostic.js';

export const DEFAULT_DIAGNOSTICS_PER_CODE = 20;

export class CappedDiagnostics {
  readonly path: string;
  readonly #sink: DiagnosticSink;
  readonly #perCode: number;
  readonly #seen = new Map<string, { count: number; level: DiagnosticLevel }>();

  constructor(sink: DiagnosticSink, path: string, perCode = DEFAULT_DIAGNOSTICS_PER_CODE) {
    this.#sink = sink;
    this.path = path;
    this.#perCode = perCode;
  }

  /** Reports a problem; `line` is 1-based. The message should say what was done about it. */
  report(level: DiagnosticLevel, code: string, message: string, line?: number): void {
    const seen = this.#seen.get(code);
    const count = (seen?.count ?? 0) + 1;
    // The summary keeps the worst level seen for the code.
    this.#seen.set(code, { count, level: seen?.level === 'error' ? 'error' : level });
    if (count > this.#perCode) return;
    const where = line === undefined ? this.path : `${this.path}:${line}`;
    this.#sink(
      line === undefined
        ? { level, code, message: `${where}: ${message}`, path: this.path }
        : { level, code, message: `${where}: ${message}`, path: this.path, line },
    );
  }

  /** Emits one summary per code that went over the cap. Call once, after the file is read. */
  finish(): void {
    for (const [code, { count, level }] of this.#seen) {
      if (count <= this.#perCode) continue;
      const more = count - this.#perCode;
      this.#sink({
        level,
        code,
        message: `${this.path}: ${more} more \`${code}\` problem${more === 1 ? '' : 's'} in this file not listed (${count} in all)`,
        path: this.path,
      });
    }
  }
}
