/**
 * @module The Store: exhunt's one persistent state, behind an interface with one repository per
 * feature: `intel` (indicators, sources, feeds, import history) here; alert outboxes
 * (`alerts/`), inventory history (`inventory/`) and watch checkpoints (`watch/`) bring their own
 * migrations to the same file (see `sqlite/migrations.ts`), so one file holds everything.
 *
 * Backends: `SqliteStore` (embedded, default: one file, WAL) and, later, a PostgreSQL store for
 * the scaled-out console that implements the same interfaces with a connection pool (see
 * docs/intel.md "Store").
 */
import { ExhuntError } from '../core/errors.js';
import type { IntelRepository } from './intel-repository.js';
import type { Migration } from './sqlite/migrations.js';

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** File path (SQLite) or connection string without secrets (PostgreSQL). */
  readonly location: string;
  /** Ids of the applied migrations, in order (`intel/1`, ...). */
  readonly migrations: readonly string[];
  readonly intel: IntelRepository;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `--store PATH` (file or folder); default {@link resolveStorePath}'s location. */
  readonly path?: string | null;
  /**
   * `false`: fail with StoreMissingError instead of creating a new store (read-only commands
   * and scans, which must not leave files behind).
   */
  readonly create?: boolean;
  readonly readonly?: boolean;
  /**
   * Migrations of other features to apply too (their own namespaces, e.g. `alerts/1`), so a
   * feature's tables are created the same way as the store's own.
   */
  readonly migrations?: readonly Migration[];
}

/** The store file does not exist and `create` was false. */
export class StoreMissingError extends ExhuntError {
  constructor(readonly path: string) {
    super(`no exhunt store at ${path} (import indicators first, or pass --store PATH)`);
    this.name = 'StoreMissingError';
  }
}

/** The store was written by a newer exhunt, or is not an exhunt store. */
export class StoreVersionError extends ExhuntError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreVersionError';
  }
}
