/**
 * @module exhunt's persistent store: the `Store` interface (one repository per feature), its
 * embedded SQLite backend and where the file lives. Re-exports only, plus `openStore`.
 */
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { OpenStoreOptions, Store } from './store.js';

export type { OpenStoreOptions, Store } from './store.js';
export { StoreMissingError, StoreVersionError } from './store.js';
export type * from './intel-repository.js';
export { exhuntHome, resolveStorePath, STORE_FILE_NAME } from './location.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export { MIGRATIONS, migrate } from './sqlite/migrations.js';
export type { Migration } from './sqlite/migrations.js';

/**
 * Opens the store named by `options.path` (`--store`), else the default location. Today always
 * SQLite; a `postgres://` location will select the PostgreSQL backend once it exists.
 */
export function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  if (options.path && /^postgres(ql)?:\/\//i.test(options.path)) {
    return Promise.reject(new Error('the PostgreSQL store is not available in this build (see docs/intel.md "Store")'));
  }
  try {
    return Promise.resolve(SqliteStore.open(options));
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}
