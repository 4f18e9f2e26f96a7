/**
 * @module Importing indicator files and URLs into the store: read (size-capped), detect the
 * format, run the format's reader, and write everything in one transaction per input. A bad item
 * is skipped with its reason and location and the rest goes in; an input that cannot be read as
 * a whole (malformed JSON, unreadable, too big, unknown format) writes nothing and its report
 * says why. Reports never contain credentials.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ImportSession, SourceSpec, Store } from '../../store/index.js';
import type { SourceKind } from '../model.js';
import { formatLocation } from '../model.js';
import { detectFormat, READERS } from '../formats/detect.js';
import type { FormatName, FormatOptions, FormatReader, ImportDefaults, ReadContext } from '../formats/types.js';
import { FormatError } from '../formats/types.js';
import type { HttpOptions } from '../http/http.js';
import { decodeBody, httpRequest, redact } from '../http/http.js';
import type { ImportReport } from './collector.js';
import { Collector } from './collector.js';

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface ImportOptions {
  /** Source name (`--source`); default: the file's base name, or the URL's host and path. */
  readonly source?: string;
  readonly sourceKind?: SourceKind;
  /** `--format`; default: detected from the content. */
  readonly format?: FormatName;
  readonly defaults?: ImportDefaults;
  readonly formatOptions?: FormatOptions;
  /** Largest input read (`--max-bytes`); default 256 MiB. */
  readonly maxBytes?: number;
  /** Settings for URL inputs. */
  readonly http?: HttpOptions;
}

/** One import session in progress: several documents may go into it (TAXII pages). */
export class ImportRun {
  readonly collector: Collector;
  readonly #started = Date.now();
  readonly input: string;
  readonly source: string;
  format: string | null;
  readonly #session: ImportSession;

  private constructor(session: ImportSession, input: string, source: string, format: string | null, defaults: ImportDefaults) {
    this.#session = session;
    this.input = input;
    this.source = source;
    this.format = format;
    this.collector = new Collector(session, defaults);
  }

  static async begin(store: Store, source: SourceSpec, input: string, format: string | null, defaults: ImportDefaults = {}): Promise<ImportRun> {
    const session = await store.intel.beginImport(source, redact(input), format ?? 'unknown');
    return new ImportRun(session, redact(input), source.name, format, defaults);
  }

  async read(reader: FormatReader, text: string, ctx: ReadContext): Promise<void> {
    await reader.read(text, ctx, this.collector);
    await this.collector.flush();
  }

  async commit(): Promise<ImportReport> {
    await this.collector.flush();
    const report = this.report(true, null);
    await this.#session.commit({
      taken: report.taken,
      merged: report.merged,
      skipped: report.skipped,
      kept: report.kept,
      superseded: report.superseded,
      report: JSON.stringify({ byType: report.byType, skipReasons: report.skipReasons, skips: report.skips.slice(0, 100), warnings: report.warnings.slice(0, 20) }),
    });
    return report;
  }

  async rollback(error: string): Promise<ImportReport> {
    await this.#session.rollback();
    return this.report(false, error);
  }

  report(ok: boolean, error: string | null): ImportReport {
    const c = this.collector;
    return {
      input: this.input,
      format: this.format,
      source: this.source,
      ok,
      error,
      notModified: false,
      taken: ok ? c.taken : 0,
      merged: ok ? c.merged : 0,
      skipped: c.skipped,
      kept: ok ? c.kept : 0,
      superseded: c.supersededCount,
      byType: ok ? { ...c.byType } : {},
      skipReasons: { ...c.skipReasons },
      skips: [...c.skips],
      warnings: [...c.warnings],
      durationMs: Date.now() - this.#started,
    };
  }
}

/** A report for an input that failed before any item was read. */
export function failedReport(input: string, source: string, format: string | null, error: string): ImportReport {
  return {
    input: redact(input),
    format,
    source,
    ok: false,
    error,
    notModified: false,
    taken: 0,
    merged: 0,
    skipped: 0,
    kept: 0,
    superseded: 0,
    byType: {},
    skipReasons: {},
    skips: [],
    warnings: [],
    durationMs: 0,
  };
}

export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/** Default source name of an input: the file's base name, or `host/path` of a URL. */
export function defaultSourceName(input: string): string {
  if (isUrl(input)) {
    try {
      const u = new URL(input);
      return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    } catch {
      return input;
    }
  }
  return basename(input.replace(/[\\/]+$/, ''));
}

interface Loaded {
  readonly text: string;
  readonly name: string;
  readonly sibling?: (name: string) => Promise<string | null>;
}

async function load(input: string, options: ImportOptions): Promise<Loaded> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (isUrl(input)) {
    const res = await httpRequest(input, { ...(options.http ?? {}), maxBytes });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const sibling = async (name: string): Promise<string | null> => {
      const r = await httpRequest(new URL(name, input).toString(), { ...(options.http ?? {}), maxBytes });
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      return decodeBody(r.body);
    };
    return { text: decodeBody(res.body), name: input, sibling };
  }
  let path = input;
  let st = statSync(path);
  if (st.isDirectory()) {
    const manifest = join(path, 'manifest.json');
    if (!readdirSync(path).includes('manifest.json')) {
      throw new Error('is a folder: give the files in it, or a MISP feed folder (with manifest.json)');
    }
    path = manifest;
    st = statSync(path);
  }
  if (st.size > maxBytes) throw new Error(`file is ${st.size} bytes, above the import limit of ${maxBytes} bytes (raise it with --max-bytes)`);
  const dir = dirname(path);
  const sibling = async (name: string): Promise<string | null> => {
    if (/[\\/]/.test(name) || name.startsWith('.')) return null;
    try {
      const s = statSync(join(dir, name));
      if (s.size > maxBytes) throw new Error(`file is ${s.size} bytes, above the import limit of ${maxBytes} bytes`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return decodeBody(await readFile(join(dir, name)));
  };
  return { text: decodeBody(await readFile(path)), name: path, sibling };
}

/** Imports one file, folder (MISP feed) or URL, in one transaction. Never throws for bad input. */
export async function importInput(store: Store, input: string, options: ImportOptions = {}): Promise<ImportReport> {
  const sourceName = options.source ?? defaultSourceName(input);
  let loaded: Loaded;
  try {
    loaded = await load(input, options);
  } catch (e) {
    return failedReport(input, sourceName, options.format ?? null, `cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return importText(store, loaded.text, input, { ...options, source: sourceName }, loaded.sibling);
}

/** Imports text already in memory (a feed body, a test fixture) as if it were the file `input`. */
export async function importText(
  store: Store,
  text: string,
  input: string,
  options: ImportOptions = {},
  sibling?: (name: string) => Promise<string | null>,
): Promise<ImportReport> {
  const sourceName = options.source ?? defaultSourceName(input);
  // A column mapping says the input is CSV whatever its header looks like.
  const format = options.format ?? (options.formatOptions?.csvMap ? 'csv' : detectFormat(input, text));
  if (format === null) {
    return failedReport(input, sourceName, null, 'cannot tell the format from the content (give --format stix|misp|csv|text|loki|chirp|pack)');
  }
  const kind: SourceKind = options.sourceKind ?? (isUrl(input) ? 'url' : 'file');
  let run: ImportRun;
  try {
    run = await ImportRun.begin(store, { name: sourceName, kind, url: isUrl(input) ? redact(input) : null }, input, format, options.defaults);
  } catch (e) {
    return failedReport(input, sourceName, format, `cannot write to the store: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    await run.read(READERS[format], text, { file: redact(input), options: options.formatOptions ?? {}, ...(sibling ? { sibling } : {}) });
    return await run.commit();
  } catch (e) {
    const msg = e instanceof FormatError ? `${e.at ? `${formatLocation(e.at)}: ` : ''}${e.message}` : e instanceof Error ? e.message : String(e);
    return run.rollback(msg);
  }
}

/** Imports several inputs, each in its own transaction, in order. */
export async function importInputs(store: Store, inputs: readonly string[], options: ImportOptions = {}): Promise<ImportReport[]> {
  const out: ImportReport[] = [];
  for (const input of inputs) out.push(await importInput(store, input, options));
  return out;
}
