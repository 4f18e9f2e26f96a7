/**
 * @module Where a record came from. Every record and every finding carries one, so that a
 * responder can open the exact file and line.
 */

/** Kinds of record sources exhunt reads. The string is stable: it appears in JSON output. */
export const RECORD_KINDS = ['iis', 'httpproxy', 'ecp', 'oab', 'event', 'file'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface Origin {
  /** Path relative to the scanned PATH, `/` separators; for a single file, its base name. */
  readonly path: string;
  /** 1-based line number; null for whole-file records and for binary event logs. */
  readonly line: number | null;
  /** Event record id (EVTX `EventRecordID`), for `event` records; absent otherwise. */
  readonly recordId?: number;
  /** Record kind of the source that produced the record. */
  readonly kind: RecordKind;
}
