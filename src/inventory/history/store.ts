/**
 * @module The inventory history: every `exhunt inventory` and `exhunt probe` run, with each
 * server's build, confidence, support status and the status of every family, in SQLite
 * (better-sqlite3; default `~/.exhunt/exhunt.db`). Tables are prefixed `inventory_` so the same
 * database file can hold other parts of exhunt. Writes of one run happen in one transaction.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServerReport, Status } from '../types.js';

export type RunKind = 'inventory' | 'probe';

export function defaultDbPath(): string {
  return join(homedir(), '.exhunt', 'exhunt.db');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inventory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inventory_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('inventory', 'probe')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  exhunt_version TEXT NOT NULL,
  inputs TEXT NOT NULL,
  servers INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inventory_servers (
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
CREATE INDEX IF NOT EXISTS inventory_servers_run ON inventory_servers(run_id);
CREATE TABLE IF NOT EXISTS inventory_family_status (
  run_id INTEGER NOT NULL REFERENCES inventory_runs(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  family TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_family_status_run ON inventory_family_status(run_id, family);
INSERT OR IGNORE INTO inventory_meta(key, value) VALUES ('schema', '1');
`;

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
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating folder, file and tables when missing) the database at `path`. */
  static open(path: string): HistoryStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return new HistoryStore(db);
  }

  close(): void {
    this.#db.close();
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
