/**
 * @module The outbox tables, as a migration in the store's format (`alerts/1`).
 *
 * The store (src/store) applies the migrations of its own `MIGRATIONS` list and refuses a
 * database that records a migration it does not know, so this module cannot record `alerts/1`
 * in `store_migrations` by itself without breaking the next `SqliteStore.open`. Until the store
 * lists {@link ALERTS_MIGRATIONS}, {@link ensureAlertsSchema} creates the tables idempotently
 * (every statement is `IF NOT EXISTS`), so the same SQL is safe to run again as the store's
 * migration later.
 */
import type { Migration } from '../../store/index.js';
import type { SqlConnection } from './sql.js';

const SQL_V1 = `
CREATE TABLE IF NOT EXISTS alerts_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  key TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'suppressed')),
  severity TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  done_ms INTEGER,
  UNIQUE (channel, key)
);
CREATE INDEX IF NOT EXISTS alerts_outbox_queue ON alerts_outbox (channel, state, seq);
CREATE INDEX IF NOT EXISTS alerts_outbox_done ON alerts_outbox (channel, state, done_ms);
CREATE TABLE IF NOT EXISTS alerts_suppression (
  channel TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  last_ms INTEGER NOT NULL,
  suppressed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (channel, dedup_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts_channels (
  channel TEXT PRIMARY KEY,
  kind TEXT,
  target TEXT,
  last_success_at TEXT,
  last_error TEXT,
  last_error_at TEXT,
  lease_owner TEXT,
  lease_pid INTEGER,
  lease_until_ms INTEGER
);
`;

/** The outbox's migrations, for the store's `MIGRATIONS` list. */
export const ALERTS_MIGRATIONS: readonly Migration[] = [
  { id: 'alerts/1', description: 'alert outbox per channel, dedup windows, channel delivery state', sql: SQL_V1 },
];

/** Creates the outbox tables when missing (see the module doc for why not through `migrate`). */
export function ensureAlertsSchema(db: SqlConnection): void {
  for (const m of ALERTS_MIGRATIONS) db.exec(m.sql);
}
