/**
 * @module Versioned schema migrations of the SQLite store.
 *
 * Each feature owns a namespace (`intel/1`, `intel/2`, `alerts/1`, `inventory/1`), so
 * features developed in parallel never compete for one version number, and each feature's tables
 * are versioned on their own. Migrations run in list order, each once, each in its own
 * transaction together with its row in `store_migrations`. A store that has applied a migration
 * this build does not know *in a namespace it migrates* was written by a newer exhunt: opening it
 * fails instead of guessing. Migrations of other namespaces are left alone (a feature opening the
 * store need not know every other feature's tables). A migration may adopt tables an older exhunt
 * created outside the store instead of creating them (`adopt`).
 */
import type Database from 'better-sqlite3';
import { StoreVersionError } from '../store.js';

export interface Migration {
  /** `<feature>/<n>`, never reused or renumbered once released. */
  readonly id: string;
  readonly description: string;
  readonly sql: string;
  /**
   * For a feature whose tables existed before it kept them in the store (an older exhunt created
   * them in a file of its own): called inside the migration's transaction when the migration is
   * not recorded. `true` means the database already holds what `sql` creates, so the migration is
   * recorded as applied without running `sql`; `false` runs it as usual. Throw StoreVersionError
   * when the tables exist in a shape the migration does not describe.
   */
  readonly adopt?: (db: Database.Database) => boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 'intel/1',
    description: 'indicators, sources, provenance, feeds and import history',
    sql: `
CREATE TABLE intel_sources (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  url TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE intel_indicators (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  display TEXT NOT NULL,
  attrs TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (type, value)
);
CREATE TABLE intel_provenance (
  indicator_id INTEGER NOT NULL REFERENCES intel_indicators(id) ON DELETE CASCADE,
  source_id INTEGER NOT NULL REFERENCES intel_sources(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  version TEXT,
  first_seen TEXT,
  last_seen TEXT,
  confidence INTEGER,
  tlp TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  valid_from TEXT,
  valid_until TEXT,
  revoked INTEGER NOT NULL DEFAULT 0,
  description TEXT,
  imported_at TEXT NOT NULL,
  PRIMARY KEY (indicator_id, source_id, ref)
) WITHOUT ROWID;
CREATE INDEX intel_provenance_source_ref ON intel_provenance (source_id, ref);
CREATE TABLE intel_imports (
  id INTEGER PRIMARY KEY,
  source_id INTEGER REFERENCES intel_sources(id) ON DELETE SET NULL,
  source TEXT NOT NULL,
  origin TEXT NOT NULL,
  format TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  taken INTEGER NOT NULL,
  merged INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  kept INTEGER NOT NULL,
  superseded INTEGER NOT NULL,
  report TEXT NOT NULL
);
CREATE TABLE intel_feeds (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  source TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}',
  etag TEXT,
  last_modified TEXT,
  cursor TEXT,
  last_update TEXT,
  last_status TEXT,
  created_at TEXT NOT NULL
);
`,
  },
];

/** Applies pending migrations; returns the ids applied so far (old and new), in order. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS store_migrations (
    id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set((db.prepare('SELECT id FROM store_migrations').all() as { id: string }[]).map((r) => r.id));
  const known = new Set(migrations.map((m) => m.id));
  const namespaces = new Set(migrations.map((m) => namespaceOf(m.id)));
  const unknown = [...applied].filter((id) => !known.has(id) && namespaces.has(namespaceOf(id)));
  if (unknown.length > 0) {
    throw new StoreVersionError(`the store was written by a newer exhunt (unknown migrations: ${unknown.sort().join(', ')}); upgrade exhunt to use it`);
  }
  const record = db.prepare('INSERT INTO store_migrations (id, description, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      if (m.adopt?.(db) !== true) db.exec(m.sql);
      record.run(m.id, m.description, new Date().toISOString());
    })();
    applied.add(m.id);
  }
  return migrations.map((m) => m.id).filter((id) => applied.has(id));
}

function namespaceOf(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}
