/**
 * @module The inventory history tables, as migrations of exhunt's store (namespace `inventory`).
 *
 * Before the history moved onto the store, exhunt kept it in a SQLite file of its own
 * (`~/.exhunt/exhunt.db`, `--db`) with the same three tables, created with `IF NOT EXISTS`, and
 * an `inventory_meta` row for the schema version. Such a file has the tables but no
 * `store_migrations` row for `inventory/1`: `adopt` recognises it by `inventory_runs`, checks that
 * every table of `inventory/1` is there with its columns, and the store records the migration
 * as applied instead of failing on `CREATE TABLE`. The old `inventory_meta` table is left as it
 * is (nothing reads it any more).
 */
import Database from 'better-sqlite3';
import { StoreVersionError, type Migration } from '../../store/index.js';

const SQL_V1 = `
CREATE TABLE inventory_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('inventory', 'probe')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  exhunt_version TEXT NOT NULL,
  inputs TEXT NOT NULL,
  servers INTEGER NOT NULL
);
CREATE TABLE inventory_servers (
  run_id INTEGER NOT NULL REFERENCES inventory_runs(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  build TEXT,
  product TEXT,
  cu TEXT,
  su TEXT,
  confidence TEXT NOT NULL,
  support TEXT NOT NULL,
  open_families TEXT NOT NULL,
  unknown_families TEXT NOT NULL,
  open_cves TEXT NOT NULL,
  kbs TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX inventory_servers_run ON inventory_servers(run_id);
CREATE TABLE inventory_family_status (
  run_id INTEGER NOT NULL REFERENCES inventory_runs(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  family TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX inventory_family_status_run ON inventory_family_status(run_id, family);
`;

/** The history's migrations, passed to `SqliteStore.open` by {@link HistoryStore}. */
export const INVENTORY_MIGRATIONS: readonly Migration[] = [
  {
    id: 'inventory/1',
    description: 'inventory and probe runs, servers and family status per run',
    sql: SQL_V1,
    adopt: adoptLegacyHistory,
  },
];

/** Table → column names of `inventory/1`, read from the SQL itself (so they cannot drift). */
let layout: ReadonlyMap<string, readonly string[]> | null = null;

function v1Layout(): ReadonlyMap<string, readonly string[]> {
  if (layout) return layout;
  const ref = new Database(':memory:');
  try {
    ref.exec(SQL_V1);
    const tables = (ref.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid").all() as { name: string }[]).map((r) => r.name);
    layout = new Map(tables.map((t) => [t, columns(ref, t)]));
    return layout;
  } finally {
    ref.close();
  }
}

function columns(db: Database.Database, table: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(table) as { name: string }[]).map((r) => r.name);
}

/**
 * A history file written before the store (tables present, migration not recorded): true when
 * every table of `inventory/1` is there with its columns; false when there is no history yet.
 */
function adoptLegacyHistory(db: Database.Database): boolean {
  if (columns(db, 'inventory_runs').length === 0) return false;
  for (const [table, expected] of v1Layout()) {
    const actual = columns(db, table);
    const missing = expected.filter((c) => !actual.includes(c));
    if (actual.length === 0 || missing.length > 0) {
      throw new StoreVersionError(
        `the inventory history in ${db.name} is not in the layout exhunt knows: ${actual.length === 0 ? `table ${table} is missing` : `${table} lacks ${missing.join(', ')}`}`,
      );
    }
  }
  return true;
}
