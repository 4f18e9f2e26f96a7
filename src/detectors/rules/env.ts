/**
 * @module The per-record evaluation environment of a compiled rule.
 */
import type { HostContext } from '../../core/detector.js';
import type { LogRecord } from '../../core/record.js';

export interface MatchEnv {
  readonly record: LogRecord;
  readonly host: HostContext;
  /** Fields captured by the rule's `extract` steps (lower-case names → value). */
  readonly extracted: Map<string, string>;
  /** Evidence notes leaves add while matching (e.g. which indicator set entry matched). */
  readonly notes: Record<string, string>;
}

/** Field value: extracted fields first, then the record's own fields. */
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
