/**
 * @module Errors of the Sigma stage. Every problem with a rule carries the file, and where the
 * parser knows it, the 1-based line and column of the offending YAML node, so `exhunt sigma
 * check` can point at it. A broken rule is reported and skipped; it never stops a load.
 */
import { ContentError } from '../../core/errors.js';

/** Where in a rule file a problem is. Line and column are 1-based. */
export interface SigmaLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** Stable problem classes, for grouping failures in reports (see docs/sigma.md). */
export const SIGMA_ERROR_CODES = [
  'yaml',
  'schema',
  'unsupported',
  'legacy',
  'modifier',
  'value',
  'condition',
  'regex',
  'placeholder',
  'reference',
  'pipeline',
  'io',
] as const;
export type SigmaErrorCode = (typeof SIGMA_ERROR_CODES)[number];

/** A rule, filter, correlation or pipeline that cannot be used, with its location and reason. */
export class SigmaError extends ContentError {
  readonly code: SigmaErrorCode;
  readonly reason: string;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: SigmaErrorCode, reason: string, location: SigmaLocation) {
    super(reason, { path: location.file, ...(location.line !== undefined ? { line: location.line } : {}) });
    this.code = code;
    this.reason = reason;
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    const where = location.line !== undefined ? `:${location.line}${location.column !== undefined ? `:${location.column}` : ''}` : '';
    this.message = `${location.file}${where}: ${reason}`;
  }
}

/** A failure as reported by `loadSigmaRules` and `exhunt sigma check --json`. */
export interface SigmaLoadFailure {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly code: SigmaErrorCode;
  readonly reason: string;
  /** Rule id or title when the document got far enough to have one. */
  readonly rule?: string;
}

export function toFailure(e: SigmaError, rule?: string): SigmaLoadFailure {
  return {
    file: e.file,
    ...(e.line !== undefined ? { line: e.line } : {}),
    ...(e.column !== undefined ? { column: e.column } : {}),
    code: e.code,
    reason: e.reason,
    ...(rule !== undefined ? { rule } : {}),
  };
}
