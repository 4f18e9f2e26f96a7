/**
 * @module The inventory history: every `exhunt inventory` and `exhunt probe` run, with each
 * server's build, confidence, support status and the status of every family, in exhunt's store
 * (src/store: `--store PATH`, else `$EXHUNT_HOME/exhunt.db`, else the user data folder), the same
 * file as imported indicators and alert outboxes. The tables (prefixed `inventory_`) are the
 * store migrations of schema.ts; a history file written before the move opens too. Writes of one
 * run happen in one transaction.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { ExhuntError } from '../../core/errors.js';
import { SqliteStore, StoreVersionError } from '../../store/index.js';
import type { ServerReport, Status } from '../types.js';
import { INVENTORY_MIGRATIONS } from './schema.js';

export type RunKind = 'inventory' | 'probe';

/** Where exhunt kept the history before it moved onto the store (`--db`'s old default). */
export function legacyHistoryPath(): string {
  return join(homedir(), '.exhunt', 'exhunt.db');
}

/** The store cannot hold the history (written by a newer exhunt, damaged, not a store). */
export class HistoryStoreError extends ExhuntError {}

export interface OpenHistoryOptions {
  /** `--store PATH` (file or folder; `:memory:` for a throw-away history); null: the default location. */
  readonly path?: string | null;
  /** false: throw StoreMissingError instead of creating the store. */
  readonly create?: boolean;
}

export interface RunRow {
  readonly id: number;
  readonly kind: RunKind;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly servers: number;
  readonly inputs: readonly string[];
}

export interface ServerRow {
  readonly host: string;
  readonly build: string | null;
  readonly product: string | null;
  readonly cu: string | null;
  readonly su: string | null;
  readonly confidence: string;
  readonly support: string;
  readonly families: ReadonlyMap<string, Status>;
}

export interface NewRun {
  readonly kind: RunKind;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly exhuntVersion: string;
  readonly inputs: readonly string[];
  readonly reports: readonly ServerReport[];
}

export class HistoryStore {
  readonly #store: SqliteStore;
  readonly #db: Database.Database;

  private constructor(store: SqliteStore) {
    this.#store = store;
    this.#db = store.database;
  }

  /**
   * Opens the store (creating folder, file and tables when missing, unless `create` is false)
   * with the history's migrations. Throws StoreMissingError (create: false, no store) or
   * {@link HistoryStoreError}.
   */
  static open(options: OpenHistoryOptions = {}): HistoryStore {
    try {
      return new HistoryStore(SqliteStore.open({ path: options.path ?? null, create: options.create !== false, migrations: INVENTORY_MIGRATIONS }));
    } catch (e) {
      if (e instanceof StoreVersionError) throw new HistoryStoreError(e.message);
      throw e;
    }
  }

  /** The store file. */
  get location(): string {
    return this.#store.location;
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  /** Stores one run with every server and family status; returns the run id. */
  addRun(run: NewRun): number {
    const insertRun = this.#db.prepare(
      'INSERT INTO inventory_runs(kind, started_at, finished_at, exhunt_version, inputs, servers) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertServer = this.#db.prepare(
      'INSERT INTO inventory_servers(run_id, host, build, product, cu, su, confidence, support, open_families, unknown_families, open_cves, kbs, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertFamily = this.#db.prepare('INSERT INTO inventory_family_status(run_id, host, family, status) VALUES (?, ?, ?, ?)');
    const tx = this.#db.transaction((r: NewRun): number => {
      const id = Number(insertRun.run(r.kind, r.startedAt, r.finishedAt, r.exhuntVersion, JSON.stringify(r.inputs), r.reports.length).lastInsertRowid);
      for (const s of r.reports) {
        insertServer.run(
          id,
          s.host,
          s.build,
          s.product,
          s.cu,
          s.su,
          s.confidence,
          s.support.status,
          JSON.stringify(s.openFamilies),
          JSON.stringify(s.unknownFamilies),
          JSON.stringify(s.open),
          JSON.stringify(s.kbs),
          JSON.stringify(s),
        );
        for (const f of s.families) insertFamily.run(id, s.host, f.id, f.status);
      }
      return id;
    });
    return tx(run);
  }

  /** Runs oldest first, optionally of one kind and only the last `limit`. */
  runs(kind: RunKind | null = null, limit: number | null = null): RunRow[] {
    const rows = this.#db
      .prepare(`SELECT id, kind, started_at, finished_at, servers, inputs FROM inventory_runs ${kind ? 'WHERE kind = ?' : ''} ORDER BY started_at DESC, id DESC ${limit ? 'LIMIT ?' : ''}`)
      .all(...(kind ? [kind] : []), ...(limit ? [limit] : [])) as { id: number; kind: RunKind; started_at: string; finished_at: string; servers: number; inputs: string }[];
    return rows
      .map((r) => ({ id: r.id, kind: r.kind, startedAt: r.started_at, finishedAt: r.finished_at, servers: r.servers, inputs: parseList(r.inputs) }))
      .reverse();
  }

  /** Number of distinct servers per family with the given status, for each run id. */
  familyCounts(runIds: readonly number[], status: Status): Map<number, Map<string, number>> {
    const out = new Map<number, Map<string, number>>();
    if (runIds.length === 0) return out;
    const rows = this.#db
      .prepare(
        `SELECT run_id, family, COUNT(DISTINCT host) AS n FROM inventory_family_status WHERE status = ? AND run_id IN (${runIds.map(() => '?').join(',')}) GROUP BY run_id, family`,
      )
      .all(status, ...runIds) as { run_id: number; family: string; n: number }[];
    for (const r of rows) {
      const m = out.get(r.run_id) ?? new Map<string, number>();
      m.set(r.family, r.n);
      out.set(r.run_id, m);
    }
    return out;
  }

  /** Families known to the history, in first-seen order. */
  families(): string[] {
    return (this.#db.prepare('SELECT family FROM inventory_family_status GROUP BY family ORDER BY MIN(rowid)').all() as { family: string }[]).map((r) => r.family);
  }

  servers(runId: number): ServerRow[] {
    const rows = this.#db
      .prepare('SELECT host, build, product, cu, su, confidence, support FROM inventory_servers WHERE run_id = ? ORDER BY host')
      .all(runId) as { host: string; build: string | null; product: string | null; cu: string | null; su: string | null; confidence: string; support: string }[];
    const fams = this.#db.prepare('SELECT host, family, status FROM inventory_family_status WHERE run_id = ?').all(runId) as { host: string; family: string; status: Status }[];
    const byHost = new Map<string, Map<string, Status>>();
    for (const f of fams) {
      const m = byHost.get(f.host) ?? new Map<string, Status>();
      m.set(f.family, f.status);
      byHost.set(f.host, m);
    }
    return rows.map((r) => ({ ...r, families: byHost.get(r.host) ?? new Map() }));
  }
}

function parseList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
