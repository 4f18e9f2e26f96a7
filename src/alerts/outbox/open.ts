/**
 * @module Opening the outbox in exhunt's store file (`--store PATH`, else the default location;
 * see src/store/location.ts). The store's own connection settings apply (WAL, busy timeout,
 * foreign keys, its migrations); the outbox adds its tables (see schema.ts).
 */
import { ExhuntError } from '../../core/errors.js';
import { SqliteStore, StoreVersionError } from '../../store/index.js';
import { Outbox } from './outbox.js';

/** The store cannot be used for the outbox (written by a newer exhunt, damaged, not a store). */
export class AlertStoreError extends ExhuntError {}

export interface OpenedOutbox {
  readonly outbox: Outbox;
  /** The database file. */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenOutboxOptions {
  /** `--store PATH`; `:memory:` for a throw-away outbox. */
  readonly path?: string | null;
  /** false: fail with StoreMissingError instead of creating the store (status). */
  readonly create?: boolean;
}

/** Throws StoreMissingError (create: false and no store) or {@link AlertStoreError}. */
export function openOutbox(options: OpenOutboxOptions = {}): OpenedOutbox {
  let store: SqliteStore;
  try {
    store = SqliteStore.open({ path: options.path ?? null, create: options.create !== false });
  } catch (e) {
    if (e instanceof StoreVersionError) throw new AlertStoreError(e.message);
    throw e;
  }
  try {
    const outbox = new Outbox(store.database);
    return { outbox, location: store.location, close: () => store.close() };
  } catch (e) {
    void store.close();
    throw new AlertStoreError(`cannot use the store at ${store.location} for alerts: ${e instanceof Error ? e.message : String(e)}`);
  }
}
