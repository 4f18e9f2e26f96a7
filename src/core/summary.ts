/**
 * @module The run summary: per-host verdict, log coverage, counts and every input problem.
 * Serialised as-is by `--summary-json` (see README).
 */
import type { Diagnostic } from './diagnostic.js';
import type { RecordKind } from './origin.js';
import type { Severity } from './severity.js';

export const VERDICTS = ['compromised', 'attempted', 'inconclusive', 'clean'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** How far back one log source reaches, so "nothing found" can be told from "no logs". */
export interface Coverage {
  /** Source label, e.g. `HttpProxy/Owa`, `ECP Server`, `OAB Generator`, `IIS W3SVC1`. */
  readonly source: string;
  readonly kind: RecordKind;
  readonly files: number;
  readonly bytes: number;
  /** Oldest and newest entry time seen (ISO 8601 UTC), null when no entry had a time. */
  readonly oldest: string | null;
  readonly newest: string | null;
  /** Days between oldest and newest, one decimal; null when unknown. */
  readonly days: number | null;
  /** True when the entries reach back to the start of the attack window (`--since`). */
  readonly coversWindow: boolean;
}

export interface HostReport {
  readonly host: string;
  readonly inputs: readonly string[];
  readonly verdict: Verdict;
  /** One sentence saying why, e.g. "web shell found", "logs start 2021-06-01, after the window". */
  readonly reason: string;
  readonly exchangeInstall: string | null;
  readonly coverage: readonly Coverage[];
  readonly findings: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

export interface ScanSummary {
  readonly schemaVersion: 1;
  readonly exhuntVersion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Attack window the coverage is judged against. */
  readonly window: { readonly since: string; readonly until: string | null };
  /** Worst verdict over all hosts. */
  readonly verdict: Verdict;
  readonly hosts: readonly HostReport[];
  readonly findings: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byRule: Readonly<Record<string, number>>;
  readonly files: number;
  readonly bytes: number;
  readonly records: number;
  readonly rulesLoaded: number;
  /** Indicators matched (exhunt's bundled packs plus the store's). */
  readonly indicatorsLoaded: number;
  readonly diagnostics: readonly Diagnostic[];
}
