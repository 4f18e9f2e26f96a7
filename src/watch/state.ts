/**
 * @module The watcher's durable state in the exhunt store (migration `watch/1`): one checkpoint
 * per source, the idempotency keys of findings already produced, the evidence that escalates
 * later findings of a host, the first-run settings per input, and the record id reached in each
 * Windows event log channel.
 *
 * Every write here is meant to run inside the watcher's batch transaction, together with the
 * outbox rows of the alerts the batch produced (see docs/watch.md "Exactly once").
 */
import type Database from 'better-sqlite3';
import type { Migration } from '../store/index.js';

const SQL_V1 = `
CREATE TABLE watch_sources (
  input TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL,
  dev TEXT,
  ino TEXT,
  head_hash TEXT,
  head_len INTEGER NOT NULL DEFAULT 0,
  offset INTEGER NOT NULL DEFAULT 0,
  line INTEGER,
  header BLOB,
  header_lines INTEGER NOT NULL DEFAULT 0,
  skipping INTEGER NOT NULL DEFAULT 0,
  size INTEGER,
  mtime_ms INTEGER,
  sha256 TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (input, path)
) WITHOUT ROWID;
CREATE INDEX watch_sources_inode ON watch_sources (ino, dev);
CREATE INDEX watch_sources_head ON watch_sources (head_hash);
CREATE TABLE watch_seen (
  key TEXT PRIMARY KEY,
  seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX watch_seen_age ON watch_seen (seen_ms);
CREATE TABLE watch_evidence (
  host TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  PRIMARY KEY (host, rule_id)
) WITHOUT ROWID;
CREATE TABLE watch_inputs (
  input TEXT PRIMARY KEY,
  start_mode TEXT NOT NULL,
  started_at TEXT NOT NULL
);
CREATE TABLE watch_eventlog (
  channel TEXT PRIMARY KEY,
  record_id INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/** The watcher's migrations, applied through the store's `migrations` option. */
export const WATCH_MIGRATIONS: readonly Migration[] = [
  { id: 'watch/1', description: 'watch checkpoints per source, produced finding keys, host evidence, event log positions', sql: SQL_V1 },
];

/** What a checkpoint records about one source (a file below a watched input). */
export interface Checkpoint {
  readonly input: string;
  readonly path: string;
  readonly kind: string;
  /** Device and inode (file index on Windows) as decimal strings; null before the first look. */
  readonly dev: string | null;
  readonly ino: string | null;
  /** SHA-256 (hex, 32 digits) of the first `headLen` bytes: tells a file replaced in place. */
  readonly headHash: string | null;
  readonly headLen: number;
  /** Bytes consumed (always the end of a complete line, or of a skipped over-long line). */
  readonly offset: number;
  /** Lines consumed; null when not counted yet (a file taken over at its end by --from-now). */
  readonly line: number | null;
  /** Byte-order mark plus the header lines to replay before new bytes (logs only). */
  readonly header: Buffer | null;
  readonly headerLines: number;
  /** Inside a line longer than the reader accepts: bytes are dropped up to its line feed. */
  readonly skipping: boolean;
  /** Size and modification time when last read (whole-file sources: swept files, event exports). */
  readonly size: number | null;
  readonly mtimeMs: number | null;
  /** SHA-256 of a swept file's content when last read. */
  readonly sha256: string | null;
}

interface CheckpointRow {
  input: string;
  path: string;
  kind: string;
  dev: string | null;
  ino: string | null;
  head_hash: string | null;
  head_len: number;
  offset: number;
  line: number | null;
  header: Buffer | null;
  header_lines: number;
  skipping: number;
  size: number | null;
  mtime_ms: number | null;
  sha256: string | null;
}

function fromRow(r: CheckpointRow): Checkpoint {
  return {
    input: r.input,
    path: r.path,
    kind: r.kind,
    dev: r.dev,
    ino: r.ino,
    headHash: r.head_hash,
    headLen: r.head_len,
    offset: r.offset,
    line: r.line,
    header: r.header,
    headerLines: r.header_lines,
    skipping: r.skipping !== 0,
    size: r.size,
    mtimeMs: r.mtime_ms,
    sha256: r.sha256,
  };
}

export type StartMode = 'now' | 'start';

/**
 * Path prefix of an orphaned checkpoint: the file it belongs to left its path (deleted, renamed,
 * replaced). It is kept for a day, so that the file is continued where it stopped if it shows up
 * under another name (rotation by rename, or a copy of it): matched by inode, or by its first
 * bytes.
 */
export const ORPHAN_PREFIX = '\u0000orphan/';

/** The watcher's tables on one connection (the store's). */
export class WatchState {
  readonly db: Database.Database;
  readonly #put: Database.Statement;
  readonly #seen: Database.Statement;

  constructor(db: Database.Database) {
    this.db = db;
    this.#put = db.prepare(
      `INSERT INTO watch_sources (input, path, kind, dev, ino, head_hash, head_len, offset, line, header, header_lines, skipping, size, mtime_ms, sha256, updated_at)
       VALUES (@input, @path, @kind, @dev, @ino, @headHash, @headLen, @offset, @line, @header, @headerLines, @skipping, @size, @mtimeMs, @sha256, @updatedAt)
       ON CONFLICT (input, path) DO UPDATE SET kind = excluded.kind, dev = excluded.dev, ino = excluded.ino, head_hash = excluded.head_hash,
         head_len = excluded.head_len, offset = excluded.offset, line = excluded.line, header = excluded.header, header_lines = excluded.header_lines,
         skipping = excluded.skipping, size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256, updated_at = excluded.updated_at`,
    );
    this.#seen = db.prepare('INSERT INTO watch_seen (key, seen_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  }

  /** Every checkpoint of an input, by path. */
  checkpoints(input: string): Map<string, Checkpoint> {
    const rows = this.db.prepare('SELECT * FROM watch_sources WHERE input = ?').all(input) as CheckpointRow[];
    return new Map(rows.map((r) => [r.path, fromRow(r)]));
  }

  /**
   * Checkpoints another file at `path` could continue: the same inode, or the same first bytes
   * (`headLen` of them), under any other path of the input (orphans included).
   */
  continuations(input: string, path: string, dev: string, ino: string, headHash: string | null, headLen: number): Checkpoint[] {
    const rows = this.db
      .prepare('SELECT * FROM watch_sources WHERE input = @input AND path != @path AND ((ino = @ino AND dev = @dev) OR (head_hash = @headHash AND head_len = @headLen))')
      .all({ input, path, dev, ino, headHash, headLen }) as CheckpointRow[];
    return rows.map(fromRow);
  }

  checkpoint(input: string, path: string): Checkpoint | null {
    const row = this.db.prepare('SELECT * FROM watch_sources WHERE input = ? AND path = ?').get(input, path) as CheckpointRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Writes a checkpoint (call inside the batch transaction). */
  put(c: Checkpoint): void {
    this.#put.run({
      input: c.input,
      path: c.path,
      kind: c.kind,
      dev: c.dev,
      ino: c.ino,
      headHash: c.headHash,
      headLen: c.headLen,
      offset: c.offset,
      line: c.line,
      header: c.header,
      headerLines: c.headerLines,
      skipping: c.skipping ? 1 : 0,
      size: c.size,
      mtimeMs: c.mtimeMs,
      sha256: c.sha256,
      updatedAt: new Date().toISOString(),
    });
  }

  remove(input: string, path: string): void {
    this.db.prepare('DELETE FROM watch_sources WHERE input = ? AND path = ?').run(input, path);
  }

  /** Records a finding's key; false when it was produced before (then it is not sent again). */
  markSeen(key: string, nowMs: number): boolean {
    return this.#seen.run(key, nowMs).changes > 0;
  }

  /** Rules with attempted or compromised findings on this host so far. */
  evidence(host: string): Set<string> {
    const rows = this.db.prepare('SELECT rule_id FROM watch_evidence WHERE host = ?').all(host) as { rule_id: string }[];
    return new Set(rows.map((r) => r.rule_id));
  }

  addEvidence(host: string, ruleId: string): void {
    this.db.prepare('INSERT INTO watch_evidence (host, rule_id) VALUES (?, ?) ON CONFLICT DO NOTHING').run(host, ruleId);
  }

  /** How an input was first watched, or null when it never was. */
  startMode(input: string): StartMode | null {
    const row = this.db.prepare('SELECT start_mode FROM watch_inputs WHERE input = ?').get(input) as { start_mode: StartMode } | undefined;
    return row?.start_mode ?? null;
  }

  setStartMode(input: string, mode: StartMode): void {
    this.db.prepare('INSERT INTO watch_inputs (input, start_mode, started_at) VALUES (?, ?, ?) ON CONFLICT (input) DO NOTHING').run(input, mode, new Date().toISOString());
  }

  eventLogPosition(channel: string): number | null {
    const row = this.db.prepare('SELECT record_id FROM watch_eventlog WHERE channel = ?').get(channel) as { record_id: number } | undefined;
    return row?.record_id ?? null;
  }

  setEventLogPosition(channel: string, recordId: number): void {
    this.db
      .prepare('INSERT INTO watch_eventlog (channel, record_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET record_id = excluded.record_id, updated_at = excluded.updated_at')
      .run(channel, recordId, new Date().toISOString());
  }

  /** Keeps a checkpoint whose file left its path, for a file that may continue it (see {@link ORPHAN_PREFIX}). */
  orphan(cp: Checkpoint): void {
    this.db.prepare('DELETE FROM watch_sources WHERE input = ? AND path = ? AND ino IS ? AND dev IS ?').run(cp.input, cp.path, cp.ino, cp.dev);
    if (!cp.path.startsWith(ORPHAN_PREFIX)) this.put({ ...cp, path: `${ORPHAN_PREFIX}${cp.path}` });
  }

  /** Forgets orphaned checkpoints older than `beforeMs`. */
  pruneOrphans(beforeMs: number): number {
    return this.db.prepare("DELETE FROM watch_sources WHERE substr(path, 1, length(?)) = ? AND updated_at < ?").run(ORPHAN_PREFIX, ORPHAN_PREFIX, new Date(beforeMs).toISOString()).changes;
  }

  /** Forgets finding keys older than `beforeMs` (the same retention as the outbox's). */
  prune(beforeMs: number): number {
    return this.db.prepare('DELETE FROM watch_seen WHERE seen_ms < ?').run(beforeMs).changes;
  }

  /** Counts for `watch --check` and the start-up line. */
  counts(): { sources: number; seen: number } {
    const sources = (this.db.prepare('SELECT count(*) AS n FROM watch_sources').get() as { n: number }).n;
    const seen = (this.db.prepare('SELECT count(*) AS n FROM watch_seen').get() as { n: number }).n;
    return { sources, seen };
  }
}
