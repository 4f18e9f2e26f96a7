/**
 * @module The intel part of the store interface: what the importers, the matcher and the CLI may
 * ask of any backend (SQLite now, PostgreSQL later). Every method is asynchronous so that a
 * networked backend fits the same interface; the SQLite backend answers synchronously inside.
 */
import type { Indicator, IndicatorInput, IndicatorType, SourceInfo, SourceKind } from '../intel/model.js';

export interface SourceSpec {
  /** Unique name, e.g. `MSTIC Exchange March 2021`, a feed name, or a file's base name. */
  readonly name: string;
  readonly kind: SourceKind;
  readonly url?: string | null;
}

/** What happened to one item handed to {@link ImportSession.add}. */
export type AddOutcome =
  /** A new `(type, value)` in the store. */
  | 'taken'
  /** The indicator was known (from this or another source, or earlier in the same input). */
  | 'merged'
  /** A newer version of the same object (same source and ref) is already stored. */
  | 'superseded';

export interface ImportCounts {
  readonly taken: number;
  readonly merged: number;
  readonly skipped: number;
  readonly kept: number;
  readonly superseded: number;
}

export interface ImportLogEntry extends ImportCounts {
  readonly source: string;
  readonly origin: string;
  readonly format: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The report as JSON (reasons and locations of skipped items, capped). */
  readonly report: string;
}

/**
 * One import, one transaction: `add` as often as needed, then `commit` (or `rollback`). Nothing
 * is visible to readers before `commit`; a failure or a `rollback` leaves the store as it was.
 * A session holds the store's write lock until it ends, so end it promptly.
 */
export interface ImportSession {
  add(items: readonly IndicatorInput[]): Promise<AddOutcome[]>;
  commit(log: Omit<ImportLogEntry, 'source' | 'origin' | 'format' | 'startedAt' | 'finishedAt'>): Promise<void>;
  rollback(): Promise<void>;
}

export interface IndicatorQuery {
  readonly types?: readonly IndicatorType[];
  /** Only indicators this source lists (every source's provenance is still returned with them). */
  readonly source?: string;
  /** Case-insensitive substring of the value or its display spelling. */
  readonly search?: string;
  /** Exact normalised value. */
  readonly value?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface RemoveFilter {
  /** Remove everything this source says (and the source itself). */
  readonly source?: string;
  readonly type?: IndicatorType;
  /** Normalised value (with `type`). */
  readonly value?: string;
}

export interface RemoveResult {
  readonly indicators: number;
  readonly provenance: number;
}

export interface IntelStats {
  readonly indicators: number;
  readonly provenance: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly bySource: readonly SourceInfo[];
  readonly byTlp: Readonly<Record<string, number>>;
  /** Indicators all of whose provenance is revoked. */
  readonly revoked: number;
  /** Indicators all of whose provenance has expired (valid_until in the past) or is revoked. */
  readonly inactive: number;
  readonly lastImport: string | null;
}

export type FeedKind = 'http' | 'taxii' | 'misp' | 'misp-feed';

export interface FeedSpec {
  readonly name: string;
  readonly kind: FeedKind;
  readonly url: string;
  /** Source name the feed's indicators are stored under (default: the feed name). */
  readonly source: string;
  /**
   * Kind-specific settings: TAXII `collection`; `format` for HTTP feeds; `auth` (`basic`,
   * `bearer`, `misp-key`) with the NAMES of environment variables holding secrets (never the
   * secrets themselves); `tlp`; `caFile`; `insecure`.
   */
  readonly options: Readonly<Record<string, string | boolean | number>>;
}

export interface FeedState {
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** TAXII `added_after` / MISP timestamp cursor for the next update. */
  readonly cursor: string | null;
  readonly lastUpdate: string | null;
  readonly lastStatus: string | null;
}

export interface Feed extends FeedSpec, FeedState {
  readonly createdAt: string;
}

export interface IntelRepository {
  beginImport(source: SourceSpec, origin: string, format: string): Promise<ImportSession>;
  list(query?: IndicatorQuery): Promise<Indicator[]>;
  count(query?: IndicatorQuery): Promise<number>;
  /**
   * Calls `fn` once per indicator (all provenance attached), in id order, streaming. `fn` must
   * not call back into the store.
   */
  forEach(query: IndicatorQuery, fn: (indicator: Indicator) => void): Promise<void>;
  sources(): Promise<SourceInfo[]>;
  stats(now?: Date): Promise<IntelStats>;
  remove(filter: RemoveFilter): Promise<RemoveResult>;
  imports(limit?: number): Promise<ImportLogEntry[]>;
  addFeed(feed: FeedSpec): Promise<void>;
  feeds(): Promise<Feed[]>;
  feed(name: string): Promise<Feed | null>;
  removeFeed(name: string): Promise<boolean>;
  saveFeedState(name: string, state: Partial<FeedState>): Promise<void>;
}
