/**
 * @module The intel repository on SQLite (better-sqlite3, synchronous under the async interface).
 *
 * Merging rules for one `(indicator, source, ref)` seen again (a re-import, a repeated line):
 * first seen = earliest, last seen = latest, confidence = highest, TLP = most restrictive, tags =
 * union, valid until = the newer statement's, revoked = the newer statement's. When the item
 * carries a `version` (STIX `modified`, MISP timestamp), a newer version of the same ref replaces
 * everything that ref said before (a STIX indicator whose pattern changed no longer yields its old
 * values), and an older version is ignored ("superseded"). Indicators left without provenance are
 * deleted at commit.
 */
import type Database from 'better-sqlite3';
import type { Indicator, IndicatorAttrs, IndicatorInput, IndicatorType, Provenance, ProvenanceInput, SourceInfo, SourceKind, Tlp } from '../../intel/model.js';
import { stricterTlp } from '../../intel/tlp.js';
import type {
  AddOutcome,
  Feed,
  FeedKind,
  FeedSpec,
  FeedState,
  ImportLogEntry,
  ImportSession,
  IndicatorQuery,
  IntelRepository,
  IntelStats,
  RemoveFilter,
  RemoveResult,
  SourceSpec,
} from '../intel-repository.js';

interface ProvRow {
  version: string | null;
  first_seen: string | null;
  last_seen: string | null;
  confidence: number | null;
  tlp: string | null;
  tags: string;
  valid_from: string | null;
  valid_until: string | null;
  revoked: number;
  description: string | null;
}

type RawRow = [
  id: number,
  type: string,
  value: string,
  display: string,
  attrs: string | null,
  source: string,
  ref: string,
  version: string | null,
  firstSeen: string | null,
  lastSeen: string | null,
  confidence: number | null,
  tlp: string | null,
  tags: string,
  validFrom: string | null,
  validUntil: string | null,
  revoked: number,
  description: string | null,
  importedAt: string,
];


interface FeedRow {
  name: string;
  kind: string;
  url: string;
  source: string;
  options: string;
  etag: string | null;
  last_modified: string | null;
  cursor: string | null;
  last_update: string | null;
  last_status: string | null;
  created_at: string;
}

export class SqliteIntelRepository implements IntelRepository {
  readonly #db: Database.Database;
  #session: SqliteImportSession | null = null;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  beginImport(source: SourceSpec, origin: string, format: string): Promise<ImportSession> {
    if (this.#session) return Promise.reject(new Error('another import is in progress on this store connection'));
    const session = new SqliteImportSession(this.#db, source, origin, format, () => {
      this.#session = null;
    });
    this.#session = session;
    return Promise.resolve(session);
  }

  list(query: IndicatorQuery = {}): Promise<Indicator[]> {
    const out: Indicator[] = [];
    this.#each(query, (i) => out.push(i));
    return Promise.resolve(out);
  }

  count(query: IndicatorQuery = {}): Promise<number> {
    const { where, params } = whereClause(query);
    const row = this.#db.prepare(`SELECT count(*) AS n FROM intel_indicators i ${where}`).get(...params) as { n: number };
    return Promise.resolve(row.n);
  }

  forEach(query: IndicatorQuery, fn: (indicator: Indicator) => void): Promise<void> {
    try {
      this.#each(query, fn);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #each(query: IndicatorQuery, fn: (indicator: Indicator) => void): void {
    const { where, params } = whereClause(query);
    const page = query.limit !== undefined || query.offset !== undefined;
    const idFilter = page
      ? `WHERE i.id IN (SELECT i.id FROM intel_indicators i ${where} ORDER BY i.id LIMIT ? OFFSET ?)`
      : where;
    const args = page ? [...params, query.limit ?? -1, query.offset ?? 0] : params;
    // CROSS JOIN keeps SQLite walking indicators in id order (no sort); raw rows are cheaper
    // than row objects on the compile path, which reads every indicator of the store.
    const stmt = this.#db
      .prepare(
        `SELECT i.id, i.type, i.value, i.display, i.attrs, s.name, p.ref, p.version, p.first_seen, p.last_seen,
                p.confidence, p.tlp, p.tags, p.valid_from, p.valid_until, p.revoked, p.description, p.imported_at
           FROM intel_indicators i
           CROSS JOIN intel_provenance p ON p.indicator_id = i.id
           CROSS JOIN intel_sources s ON s.id = p.source_id
           ${idFilter}
          ORDER BY i.id, p.source_id, p.ref`,
      )
      .raw(true);
    let current: Indicator | null = null;
    let provenance: Provenance[] = [];
    const pending: Indicator[] = [];
    for (const raw of stmt.iterate(...args)) {
      const r = raw as RawRow;
      if (!current || current.id !== r[0]) {
        // Deliver in batches; the iterator stays open, so fn must not use the store.
        if (pending.length >= 1000) for (const ind of pending.splice(0)) fn(ind);
        provenance = [];
        current = { id: r[0], type: r[1] as IndicatorType, value: r[2], display: r[3], attrs: parseAttrs(r[4]), provenance };
        pending.push(current);
      }
      provenance.push({
        source: r[5],
        ref: r[6],
        version: r[7],
        firstSeen: r[8],
        lastSeen: r[9],
        confidence: r[10],
        tlp: r[11] as Tlp | null,
        tags: r[12] === '[]' ? [] : parseTags(r[12]),
        validFrom: r[13],
        validUntil: r[14],
        revoked: r[15] === 1,
        description: r[16],
        importedAt: r[17],
      });
    }
    for (const ind of pending) fn(ind);
  }

  sources(): Promise<SourceInfo[]> {
    const rows = this.#db
      .prepare(
        `SELECT s.name, s.kind, s.url, s.created_at, s.updated_at,
                (SELECT count(DISTINCT indicator_id) FROM intel_provenance p WHERE p.source_id = s.id) AS n
           FROM intel_sources s ORDER BY s.name`,
      )
      .all() as { name: string; kind: string; url: string | null; created_at: string; updated_at: string; n: number }[];
    return Promise.resolve(
      rows.map((r) => ({ name: r.name, kind: r.kind as SourceKind, url: r.url, createdAt: r.created_at, updatedAt: r.updated_at, indicators: r.n })),
    );
  }

  async stats(now: Date = new Date()): Promise<IntelStats> {
    const db = this.#db;
    const indicators = (db.prepare('SELECT count(*) AS n FROM intel_indicators').get() as { n: number }).n;
    const provenance = (db.prepare('SELECT count(*) AS n FROM intel_provenance').get() as { n: number }).n;
    const byType: Record<string, number> = {};
    for (const r of db.prepare('SELECT type, count(*) AS n FROM intel_indicators GROUP BY type ORDER BY type').all() as { type: string; n: number }[]) {
      byType[r.type] = r.n;
    }
    const byTlp: Record<string, number> = {};
    for (const r of db.prepare("SELECT coalesce(tlp, 'unknown') AS tlp, count(*) AS n FROM intel_provenance GROUP BY 1 ORDER BY 1").all() as { tlp: string; n: number }[]) {
      byTlp[r.tlp] = r.n;
    }
    const revoked = (
      db.prepare('SELECT count(*) AS n FROM (SELECT indicator_id FROM intel_provenance GROUP BY indicator_id HAVING min(revoked) = 1)').get() as { n: number }
    ).n;
    const nowIso = now.toISOString();
    const inactive = (
      db
        .prepare(
          `SELECT count(*) AS n FROM (SELECT indicator_id FROM intel_provenance GROUP BY indicator_id
             HAVING sum(CASE WHEN revoked = 0 AND (valid_until IS NULL OR valid_until >= ?) THEN 1 ELSE 0 END) = 0)`,
        )
        .get(nowIso) as { n: number }
    ).n;
    const last = db.prepare('SELECT max(finished_at) AS t FROM intel_imports').get() as { t: string | null };
    return { indicators, provenance, byType, bySource: await this.sources(), byTlp, revoked, inactive, lastImport: last.t };
  }

  remove(filter: RemoveFilter): Promise<RemoveResult> {
    const db = this.#db;
    if (!filter.source && !filter.type && !filter.value) return Promise.reject(new Error('remove needs a source, a type or a value'));
    const result = db.transaction((): RemoveResult => {
      const conds: string[] = [];
      const params: (string | number)[] = [];
      if (filter.source) {
        conds.push('source_id = (SELECT id FROM intel_sources WHERE name = ?)');
        params.push(filter.source);
      }
      if (filter.type || filter.value) {
        const sub: string[] = [];
        if (filter.type) {
          sub.push('type = ?');
          params.push(filter.type);
        }
        if (filter.value) {
          sub.push('value = ?');
          params.push(filter.value);
        }
        conds.push(`indicator_id IN (SELECT id FROM intel_indicators WHERE ${sub.join(' AND ')})`);
      }
      const prov = db.prepare(`DELETE FROM intel_provenance WHERE ${conds.join(' AND ')}`).run(...params).changes;
      const inds = db.prepare('DELETE FROM intel_indicators WHERE id NOT IN (SELECT indicator_id FROM intel_provenance)').run().changes;
      if (filter.source && !filter.type && !filter.value) db.prepare('DELETE FROM intel_sources WHERE name = ?').run(filter.source);
      return { indicators: inds, provenance: prov };
    })();
    return Promise.resolve(result);
  }

  imports(limit = 50): Promise<ImportLogEntry[]> {
    const rows = this.#db
      .prepare('SELECT source, origin, format, started_at, finished_at, taken, merged, skipped, kept, superseded, report FROM intel_imports ORDER BY id DESC LIMIT ?')
      .all(limit) as {
      source: string;
      origin: string;
      format: string;
      started_at: string;
      finished_at: string;
      taken: number;
      merged: number;
      skipped: number;
      kept: number;
      superseded: number;
      report: string;
    }[];
    return Promise.resolve(
      rows.map((r) => ({
        source: r.source,
        origin: r.origin,
        format: r.format,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        taken: r.taken,
        merged: r.merged,
        skipped: r.skipped,
        kept: r.kept,
        superseded: r.superseded,
        report: r.report,
      })),
    );
  }

  addFeed(feed: FeedSpec): Promise<void> {
    try {
      this.#db
        .prepare('INSERT INTO intel_feeds (name, kind, url, source, options, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(feed.name, feed.kind, feed.url, feed.source, JSON.stringify(feed.options), new Date().toISOString());
      return Promise.resolve();
    } catch (e) {
      const msg = e instanceof Error && /UNIQUE/.test(e.message) ? `a feed named "${feed.name}" already exists` : String(e);
      return Promise.reject(new Error(msg));
    }
  }

  feeds(): Promise<Feed[]> {
    const rows = this.#db.prepare('SELECT * FROM intel_feeds ORDER BY name').all() as FeedRow[];
    return Promise.resolve(rows.map(toFeed));
  }

  feed(name: string): Promise<Feed | null> {
    const row = this.#db.prepare('SELECT * FROM intel_feeds WHERE name = ?').get(name) as FeedRow | undefined;
    return Promise.resolve(row ? toFeed(row) : null);
  }

  removeFeed(name: string): Promise<boolean> {
    return Promise.resolve(this.#db.prepare('DELETE FROM intel_feeds WHERE name = ?').run(name).changes > 0);
  }

  saveFeedState(name: string, state: Partial<FeedState>): Promise<void> {
    const cols: Record<keyof FeedState, string> = {
      etag: 'etag',
      lastModified: 'last_modified',
      cursor: 'cursor',
      lastUpdate: 'last_update',
      lastStatus: 'last_status',
    };
    const sets: string[] = [];
    const params: (string | null)[] = [];
    for (const [k, col] of Object.entries(cols) as [keyof FeedState, string][]) {
      if (k in state) {
        sets.push(`${col} = ?`);
        params.push(state[k] ?? null);
      }
    }
    if (sets.length > 0) this.#db.prepare(`UPDATE intel_feeds SET ${sets.join(', ')} WHERE name = ?`).run(...params, name);
    return Promise.resolve();
  }
}

function whereClause(q: IndicatorQuery): { where: string; params: (string | number)[] } {
  const conds: string[] = [];
  const params: (string | number)[] = [];
  if (q.types && q.types.length > 0) {
    conds.push(`i.type IN (${q.types.map(() => '?').join(', ')})`);
    params.push(...q.types);
  }
  if (q.value !== undefined) {
    conds.push('i.value = ?');
    params.push(q.value);
  }
  if (q.search) {
    const like = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conds.push("(i.value LIKE ? ESCAPE '\\' OR i.display LIKE ? ESCAPE '\\')");
    params.push(like, like);
  }
  if (q.source) {
    conds.push('i.id IN (SELECT p.indicator_id FROM intel_provenance p JOIN intel_sources s ON s.id = p.source_id WHERE s.name = ?)');
    params.push(q.source);
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

function parseTags(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function parseAttrs(json: string | null): IndicatorAttrs | null {
  if (!json) return null;
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v) : null;
  } catch {
    return null;
  }
}

function toFeed(r: FeedRow): Feed {
  let options: Record<string, string | boolean | number>;
  try {
    options = JSON.parse(r.options) as Record<string, string | boolean | number>;
  } catch {
    options = {};
  }
  return {
    name: r.name,
    kind: r.kind as FeedKind,
    url: r.url,
    source: r.source,
    options,
    etag: r.etag,
    lastModified: r.last_modified,
    cursor: r.cursor,
    lastUpdate: r.last_update,
    lastStatus: r.last_status,
    createdAt: r.created_at,
  };
}

const minIso = (a: string | null, b: string | null | undefined): string | null => (a === null ? (b ?? null) : !b ? a : a <= b ? a : b);
const maxIso = (a: string | null, b: string | null | undefined): string | null => (a === null ? (b ?? null) : !b ? a : a >= b ? a : b);

class SqliteImportSession implements ImportSession {
  readonly #db: Database.Database;
  readonly #source: SourceSpec;
  readonly #origin: string;
  readonly #format: string;
  readonly #startedAt = new Date().toISOString();
  readonly #done: () => void;
  #sourceId: number;
  #open = true;
  #deleted = false;
  /** Versions of refs met in this session: the version kept, per ref. */
  readonly #refVersions = new Map<string, string>();
  readonly #stmts: {
    insertIndicator: Database.Statement;
    findIndicator: Database.Statement;
    findProv: Database.Statement;
    insertProv: Database.Statement;
    updateProv: Database.Statement;
    refVersion: Database.Statement;
    deleteRef: Database.Statement;
  };

  constructor(db: Database.Database, source: SourceSpec, origin: string, format: string, done: () => void) {
    this.#db = db;
    this.#source = source;
    this.#origin = origin;
    this.#format = format;
    this.#done = done;
    db.exec('BEGIN IMMEDIATE');
    try {
      const now = this.#startedAt;
      db.prepare(
        `INSERT INTO intel_sources (name, kind, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at, url = coalesce(excluded.url, url)`,
      ).run(source.name, source.kind, source.url ?? null, now, now);
      this.#sourceId = (db.prepare('SELECT id FROM intel_sources WHERE name = ?').get(source.name) as { id: number }).id;
      this.#stmts = {
        insertIndicator: db.prepare('INSERT OR IGNORE INTO intel_indicators (type, value, display, attrs, created_at) VALUES (?, ?, ?, ?, ?)'),
        findIndicator: db.prepare('SELECT id FROM intel_indicators WHERE type = ? AND value = ?'),
        findProv: db.prepare(
          'SELECT version, first_seen, last_seen, confidence, tlp, tags, valid_from, valid_until, revoked, description FROM intel_provenance WHERE indicator_id = ? AND source_id = ? AND ref = ?',
        ),
        insertProv: db.prepare(
          `INSERT INTO intel_provenance (indicator_id, source_id, ref, version, first_seen, last_seen, confidence, tlp, tags, valid_from, valid_until, revoked, description, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ),
        updateProv: db.prepare(
          `UPDATE intel_provenance SET version = ?, first_seen = ?, last_seen = ?, confidence = ?, tlp = ?, tags = ?, valid_from = ?, valid_until = ?, revoked = ?, description = ?, imported_at = ?
           WHERE indicator_id = ? AND source_id = ? AND ref = ?`,
        ),
        refVersion: db.prepare('SELECT max(version) AS v FROM intel_provenance WHERE source_id = ? AND ref = ?'),
        deleteRef: db.prepare('DELETE FROM intel_provenance WHERE source_id = ? AND ref = ?'),
      };
    } catch (e) {
      db.exec('ROLLBACK');
      done();
      throw e;
    }
  }

  add(items: readonly IndicatorInput[]): Promise<AddOutcome[]> {
    if (!this.#open) return Promise.reject(new Error('import session already ended'));
    try {
      const now = new Date().toISOString();
      return Promise.resolve(items.map((item) => this.#addOne(item, now)));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #addOne(item: IndicatorInput, now: string): AddOutcome {
    const p = item.provenance;
    const s = this.#stmts;
    if (p.ref !== '' && p.version) {
      const seen = this.#refVersions.get(p.ref);
      if (seen === undefined) {
        const stored = (s.refVersion.get(this.#sourceId, p.ref) as { v: string | null }).v;
        if (stored !== null && stored > p.version) return 'superseded';
        if (stored !== null && stored < p.version) {
          s.deleteRef.run(this.#sourceId, p.ref);
          this.#deleted = true;
        }
        this.#refVersions.set(p.ref, p.version);
      } else if (p.version < seen) {
        return 'superseded';
      } else if (p.version > seen) {
        s.deleteRef.run(this.#sourceId, p.ref);
        this.#deleted = true;
        this.#refVersions.set(p.ref, p.version);
      }
    }
    const ins = s.insertIndicator.run(item.type, item.value, item.display, item.attrs ? JSON.stringify(item.attrs) : null, now);
    let outcome: AddOutcome;
    let id: number;
    if (ins.changes > 0) {
      outcome = 'taken';
      id = Number(ins.lastInsertRowid);
    } else {
      outcome = 'merged';
      id = (s.findIndicator.get(item.type, item.value) as { id: number }).id;
    }
    // A new indicator has no provenance yet: skip the lookup.
    const old = outcome === 'taken' ? undefined : (s.findProv.get(id, this.#sourceId, p.ref) as ProvRow | undefined);
    if (!old) {
      s.insertProv.run(
        id,
        this.#sourceId,
        p.ref,
        p.version ?? null,
        p.firstSeen ?? null,
        p.lastSeen ?? null,
        p.confidence ?? null,
        p.tlp ?? null,
        JSON.stringify([...new Set(p.tags ?? [])].sort()),
        p.validFrom ?? null,
        p.validUntil ?? null,
        p.revoked ? 1 : 0,
        p.description ?? null,
        now,
      );
    } else {
      const m = mergeProvenance(old, p);
      s.updateProv.run(
        m.version,
        m.first_seen,
        m.last_seen,
        m.confidence,
        m.tlp,
        m.tags,
        m.valid_from,
        m.valid_until,
        m.revoked,
        m.description,
        now,
        id,
        this.#sourceId,
        p.ref,
      );
    }
    return outcome;
  }

  commit(log: Omit<ImportLogEntry, 'source' | 'origin' | 'format' | 'startedAt' | 'finishedAt'>): Promise<void> {
    if (!this.#open) return Promise.reject(new Error('import session already ended'));
    try {
      if (this.#deleted) this.#db.prepare('DELETE FROM intel_indicators WHERE id NOT IN (SELECT indicator_id FROM intel_provenance)').run();
      this.#db
        .prepare(
          `INSERT INTO intel_imports (source_id, source, origin, format, started_at, finished_at, taken, merged, skipped, kept, superseded, report)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.#sourceId,
          this.#source.name,
          this.#origin,
          this.#format,
          this.#startedAt,
          new Date().toISOString(),
          log.taken,
          log.merged,
          log.skipped,
          log.kept,
          log.superseded,
          log.report,
        );
      this.#db.exec('COMMIT');
    } catch (e) {
      this.#end(true);
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    this.#end(false);
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    if (this.#open) this.#end(true);
    return Promise.resolve();
  }

  #end(rollback: boolean): void {
    this.#open = false;
    if (rollback && this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#done();
  }
}

/** The merge of a stored provenance with a new statement about the same ref (see module doc). */
function mergeProvenance(old: ProvRow, p: ProvenanceInput): ProvRow {
  const newer = !!p.version && (old.version === null || p.version > old.version);
  if (newer) {
    return {
      version: p.version ?? null,
      first_seen: p.firstSeen ?? null,
      last_seen: p.lastSeen ?? null,
      confidence: p.confidence ?? null,
      tlp: p.tlp ?? null,
      tags: JSON.stringify([...new Set(p.tags ?? [])].sort()),
      valid_from: p.validFrom ?? null,
      valid_until: p.validUntil ?? null,
      revoked: p.revoked ? 1 : 0,
      description: p.description ?? null,
    };
  }
  const conf = old.confidence === null ? (p.confidence ?? null) : p.confidence == null ? old.confidence : Math.max(old.confidence, p.confidence);
  return {
    version: old.version ?? p.version ?? null,
    first_seen: minIso(old.first_seen, p.firstSeen),
    last_seen: maxIso(old.last_seen, p.lastSeen),
    confidence: conf,
    tlp: stricterTlp(old.tlp as Tlp | null, p.tlp ?? null),
    tags: JSON.stringify([...new Set([...parseTags(old.tags), ...(p.tags ?? [])])].sort()),
    valid_from: minIso(old.valid_from, p.validFrom),
    valid_until: p.validUntil === undefined ? old.valid_until : (p.validUntil ?? null),
    revoked: p.revoked === undefined ? old.revoked : p.revoked ? 1 : 0,
    description: old.description ?? p.description ?? null,
  };
}
