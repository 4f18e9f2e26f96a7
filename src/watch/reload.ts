/**
 * @module Rule and indicator updates without a restart: a cheap signature of everything the
 * detectors are compiled from (the rule packs and Sigma folders as file names, sizes and times;
 * the imported indicators in the store), checked every few seconds. When it changes, the
 * watcher compiles a new DetectorSet and switches to it between two batches.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { builtinContentDir } from '../content/package-root.js';
import type { ScanContentOptions } from '../engine/load-detectors.js';
import { resolveStorePath } from '../store/index.js';

/** Files listed per content folder at most (a signature, not an inventory). */
const MAX_FILES = 100_000;

function listInto(path: string, out: string[]): void {
  if (out.length >= MAX_FILES) return;
  let st;
  try {
    st = statSync(path);
  } catch {
    out.push(`${path}\0missing`);
    return;
  }
  if (st.isFile()) {
    out.push(`${path}\0${st.size}\0${st.mtimeMs}`);
    return;
  }
  if (!st.isDirectory()) return;
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch {
    return;
  }
  out.push(`${path}\0dir\0${st.mtimeMs}`);
  for (const n of names) listInto(join(path, n), out);
}

/** The folders and files the content options compile detectors from. */
export function contentPaths(o: ScanContentOptions): string[] {
  return [...(o.builtin === false ? [] : [builtinContentDir()]), ...(o.rules ?? []), ...(o.sigma ?? []), ...(o.sigmaPipelines ?? [])];
}

export class ContentSignature {
  readonly #options: ScanContentOptions;
  /** The store connection of the watcher when the indicators live in the same file. */
  readonly #db: Database.Database | null;
  readonly #intelFile: string | null;
  #dataVersion = -1;
  #intel = '';

  constructor(options: ScanContentOptions, stateDb: Database.Database, stateFile: string) {
    this.#options = options;
    const intelFile = options.intel === false ? null : resolveStorePath(options.store);
    this.#intelFile = intelFile;
    this.#db = intelFile !== null && intelFile === stateFile ? stateDb : null;
  }

  /** The current signature (a hash). */
  compute(): string {
    const parts: string[] = [];
    for (const p of contentPaths(this.#options)) listInto(p, parts);
    parts.push(`intel\0${this.#intelSignature()}`);
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  }

  #intelSignature(): string {
    if (this.#intelFile === null) return 'off';
    if (this.#db === null) {
      // Another store file: its own and its write-ahead log's sizes and times.
      const a: string[] = [];
      for (const f of [this.#intelFile, `${this.#intelFile}-wal`]) {
        try {
          const st = statSync(f);
          a.push(`${st.size}:${st.mtimeMs}`);
        } catch {
          a.push('-');
        }
      }
      return a.join('/');
    }
    // The watcher's own store: PRAGMA data_version changes only when another connection (an
    // `exhunt intel import`) committed, so the tables are only queried then.
    const version = this.#db.pragma('data_version', { simple: true }) as number;
    if (version === this.#dataVersion) return this.#intel;
    this.#dataVersion = version;
    try {
      const row = this.#db
        .prepare(
          `SELECT (SELECT count(*) FROM intel_provenance) AS n, (SELECT coalesce(max(imported_at), '') FROM intel_provenance) AS at,
                  (SELECT coalesce(sum(revoked), 0) FROM intel_provenance) AS revoked, (SELECT coalesce(max(id), 0) FROM intel_imports) AS imports`,
        )
        .get() as { n: number; at: string; revoked: number; imports: number };
      this.#intel = `${row.n}:${row.at}:${row.revoked}:${row.imports}`;
    } catch {
      this.#intel = 'none';
    }
    return this.#intel;
  }
}
