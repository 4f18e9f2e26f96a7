/**
 * @module Findings: what was seen, where, when, how bad and why. The JSON Lines output is a
 * direct serialisation of this type (see README "Output schema"); change it only with a new
 * `schemaVersion`.
 */
import type { RecordKind } from './origin.js';
import type { Outcome, Severity, Stage } from './severity.js';

export const FINDING_SCHEMA_VERSION = 1;

/** Where the content that raised a finding came from (a blog, an advisory, a script). */
export interface Reference {
  readonly name: string;
  readonly url?: string;
}

export interface FindingSource {
  /** Path relative to the scanned PATH with `/` separators. */
  readonly path: string;
  /** 1-based line, or null for whole-file findings. */
  readonly line: number | null;
  readonly kind: RecordKind;
  /** Event records: the EventRecordID, which tells apart events of one file that have no line. */
  readonly recordId?: number;
}

/** What a detector reports about one record, before the engine knows which host it belongs to. */
export interface Hit {
  readonly ruleId: string;
  readonly title: string;
  readonly description: string;
  readonly severity: Severity;
  readonly outcome: Outcome;
  readonly stage: Stage;
  readonly cves: readonly string[];
  readonly attack: readonly string[];
  readonly references: readonly Reference[];
  /** ISO 8601 UTC, or null. */
  readonly time: string | null;
  /** Remote client address as logged, or null when the record has none. */
  readonly clientIp: string | null;
  readonly source: FindingSource;
  /** Selected record fields (values capped in length), plus fields the rule extracted. */
  readonly evidence: Readonly<Record<string, string>>;
  /**
   * Test-ProxyLogon report this finding belongs in (`Cve-2021-26855`, `Cve-2021-27065-ResetVDir`,
   * `other`...), so the CSV sink can write the files existing runbooks expect. Absent for
   * findings Test-ProxyLogon has no file for.
   */
  readonly report?: string;
}

export interface Finding extends Hit {
  readonly schemaVersion: typeof FINDING_SCHEMA_VERSION;
  /** Host the evidence belongs to (from --host, the logs, or the input's name). */
  readonly host: string;
  /** The PATH argument this finding was found under, as given on the command line. */
  readonly input: string;
}
