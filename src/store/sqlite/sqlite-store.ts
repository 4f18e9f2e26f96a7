/**
 * @module The embedded store: one SQLite file (better-sqlite3) in WAL mode, so a scan can read
 * indicators while an import writes, with foreign keys on and a busy timeout for a second exhunt
 * process. Migrations run at open.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveStorePath } from '../location.js';
import type { OpenStoreOptions, Store } from '../store.js';
import { StoreMissingError, StoreVersionError } from '../store.js';
import { SqliteIntelRepository } from './intel-repo.js';
import { migrate, MIGRATIONS } from './migrations.js';

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  readonly migrations: readonly string[];
  readonly intel: SqliteIntelRepository;
  readonly #db: Database.Database;

  private constructor(db: Database.Database, location: string, migrations: readonly string[]) {
    this.#db = db;
    this.location = location;
    this.migrations = migrations;
    this.intel = new SqliteIntelRepository(db);
  }

  /** Opens (and by default creates) the store file; applies pending migrations. */
  static open(options: OpenStoreOptions = {}): SqliteStore {
    const path = options.path === ':memory:' ? ':memory:' : resolveStorePath(options.path);
    const exists = path === ':memory:' || existsSync(path);
    if (!exists && options.create === false) throw new StoreMissingError(path);
    if (!exists) mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: options.readonly === true && exists, fileMustExist: options.create === false });
    } catch (e) {
      throw new StoreVersionError(`cannot open the store at ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      db.pragma('busy_timeout = 10000');
      if (!db.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      const applied = db.readonly ? readOnlyMigrations(db) : migrate(db, [...MIGRATIONS, ...(options.migrations ?? [])]);
      return new SqliteStore(db, path, applied);
    } catch (e) {
      db.close();
      if (e instanceof StoreVersionError) throw e;
      throw new StoreVersionError(`${path} is not an exhunt store: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The underlying connection, for repositories of other features and for tests. */
  get database(): Database.Database {
    return this.#db;
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}

function readOnlyMigrations(db: Database.Database): string[] {
  try {
    return (db.prepare('SELECT id FROM store_migrations ORDER BY rowid').all() as { id: string }[]).map((r) => r.id);
  } catch {
    throw new StoreVersionError('the store has no schema yet (open it once for writing)');
  }
}
