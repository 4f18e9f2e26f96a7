/**
 * @module The part of a SQLite connection the outbox uses (better-sqlite3's synchronous API),
 * so that it runs on the store's connection, on a caller's connection inside the caller's
 * transaction, or on a plain database in tests.
 */
import type Database from 'better-sqlite3';

export type SqlConnection = Pick<Database.Database, 'prepare' | 'exec' | 'transaction' | 'inTransaction' | 'open'>;
