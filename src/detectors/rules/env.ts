/**
 * @module The per-record evaluation environment of a compiled rule.
 */
import type { HostContext } from '../../core/detector.js';
import type { LogRecord } from '../../core/record.js';

export interface MatchEnv {
  readonly record: LogRecord;
  readonly host: HostContext;
  /**
   * Fields captured by the rule's `extract` steps (lower-case names → value); the shared
   * {@link NO_EXTRACTED} for rules without extract steps (one record meets every rule of its
   * kind, so what a match allocates is paid many times over).
   */
  readonly extracted: Map<string, string>;
  /** Evidence notes leaves add while matching (e.g. which indicator set entry matched); null until the first. */
  notes: Record<string, string> | null;
}

/** The `extracted` of rules without extract steps: always empty, never written. */
export const NO_EXTRACTED: Map<string, string> = new Map();

/**
 * Field value: extracted fields first, then the record's own fields. Compiled rules pass
 * lower-case names (lowering those again allocates nothing); any spelling gives the same value.
 */
export function fieldValue(env: MatchEnv, name: string): string | undefined {
  return env.extracted.get(name.toLowerCase()) ?? env.record.get(name);
}

export type Predicate = (env: MatchEnv) => boolean;

/** Windows-path normal form for comparisons: `\` separators, no repeated separators (but keep UNC's leading `\\`), no surrounding quotes. */
export function normalizePath(p: string): string {
  const trimmed = p.trim().replace(/^['"]+|['"]+$/g, '');
  const unc = /^[\\/]{2}[^\\/]/.test(trimmed);
  const body = trimmed.replace(/[\\/]+/g, '\\');
  return unc ? `\\${body}` : body;
}
