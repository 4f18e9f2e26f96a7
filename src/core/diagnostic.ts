/**
 * @module Diagnostics: problems with the input that do not stop the run.
 *
 * A bad line, an unreadable file or a corrupt zip becomes a Diagnostic in the stream; the scan
 * goes on with the rest and the summary lists every diagnostic (errors are values, not throws).
 */

export type DiagnosticLevel = 'warning' | 'error';

export interface Diagnostic {
  readonly level: DiagnosticLevel;
  /** Short stable code, e.g. `line-too-long`, `zip-bomb`, `unreadable`, `bad-row`. */
  readonly code: string;
  /** Human sentence; never contains raw attacker bytes unescaped by the printer. */
  readonly message: string;
  /** Path relative to the scanned PATH (`/` separators), or the PATH itself for input-level errors. */
  readonly path: string;
  /** 1-based line, when the problem is on one line. */
  readonly line?: number;
  /** The PATH argument the problem was found under (set by the engine). */
  readonly input?: string;
}

/** Receives diagnostics as they happen. Implementations must not throw. */
export type DiagnosticSink = (d: Diagnostic) => void;
