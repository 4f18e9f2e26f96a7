/**
 * @module Subscriptions (`exhunt intel feed add|list|remove`) and `exhunt intel update`.
 *
 * Kinds:
 * - `http`: any file format on a URL, fetched with `If-None-Match`/`If-Modified-Since`; a 304
 *   is "not modified" and writes nothing;
 * - `taxii`: a TAXII 2.1 collection (API root URL + collection id, or a discovery URL whose
 *   default API root is used); objects added after the last update, all pages;
 * - `misp`: a MISP server's REST search (`/events/restSearch`) with an API key, events changed
 *   since the last update, paged;
 * - `misp-feed`: a MISP feed (`manifest.json` and its event files).
 *
 * One update of one feed is one transaction: if any page fails (time-out, garbage, HTTP error),
 * nothing of that update is written and the cursor stays where it was, so the next update
 * fetches the same objects again. Secrets are never stored: a feed names the environment
 * variables that hold them.
 */
import { readFileSync } from 'node:fs';
import type { Feed, FeedKind, FeedSpec, Store } from '../store/index.js';
import { detectFormat, READERS } from './formats/detect.js';
import type { FormatName, ImportDefaults } from './formats/types.js';
import { isFormatName } from './formats/types.js';
import { mispReader } from './formats/misp/misp.js';
import { stixReader } from './formats/stix/bundle.js';
import { TaxiiClient } from './formats/taxii/client.js';
import type { HttpAuth, HttpOptions } from './http/http.js';
import { decodeBody, httpRequest, redact } from './http/http.js';
import type { ImportReport } from './import/collector.js';
import { failedReport, ImportRun, importInput } from './import/import.js';
import { asArray, asObject, asString } from './formats/json.js';
import { parseTlp } from './tlp.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface FeedUpdateOptions {
  readonly env?: Env;
  /** Per-request deadline (default 30 s). */
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** TAXII/MISP page size. */
  readonly pageSize?: number;
}

export const FEED_KINDS: readonly FeedKind[] = ['http', 'taxii', 'misp', 'misp-feed'];

/** Checks a feed definition before it is stored. */
export function validateFeed(feed: FeedSpec): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(feed.name)) return 'feed names are letters, digits, . _ - (up to 64)';
  if (!FEED_KINDS.includes(feed.kind)) return `unknown feed kind "${feed.kind}"`;
  let u: URL;
  try {
    u = new URL(feed.url);
  } catch {
    return `"${feed.url}" is not a URL`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'feeds are fetched over https (or http)';
  if (u.username || u.password) return 'do not put credentials in the URL; name environment variables with --user-env/--password-env/--token-env/--key-env';
  if (feed.kind === 'taxii' && !feed.options.collection) return 'a TAXII feed needs --collection ID';
  if (feed.options.format !== undefined && !isFormatName(String(feed.options.format))) return `unknown format "${String(feed.options.format)}"`;
  return null;
}

function secret(env: Env, name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '') throw new Error(`the feed names no environment variable for its ${what}`);
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`environment variable ${name} (the feed's ${what}) is not set`);
  return v;
}

/** HTTP settings of a feed: authentication from the environment, CA file, insecure flag. */
export function feedHttp(feed: Feed | FeedSpec, options: FeedUpdateOptions = {}): HttpOptions {
  const env = options.env ?? process.env;
  const o = feed.options;
  let auth: HttpAuth | null = null;
  if (o.auth === 'basic') auth = { kind: 'basic', user: secret(env, o.userEnv, 'user name'), password: secret(env, o.passwordEnv, 'password') };
  else if (o.auth === 'bearer') auth = { kind: 'bearer', token: secret(env, o.tokenEnv, 'token') };
  else if (o.auth === 'misp-key') auth = { kind: 'header', name: 'Authorization', value: secret(env, o.keyEnv, 'MISP API key') };
  return {
    auth,
    ...(typeof o.caFile === 'string' ? { ca: readFileSync(o.caFile) } : {}),
    ...(o.insecure === true ? { insecure: true } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  };
}

function defaultsOf(feed: Feed): ImportDefaults {
  const tlp = parseTlp(typeof feed.options.tlp === 'string' ? feed.options.tlp : null);
  const conf = typeof feed.options.confidence === 'number' ? feed.options.confidence : null;
  return { ...(tlp ? { tlp } : {}), ...(conf !== null ? { confidence: conf } : {}) };
}

/** Updates one feed; never throws for network or content problems (they are in the report). */
export async function updateFeed(store: Store, feed: Feed, options: FeedUpdateOptions = {}): Promise<ImportReport> {
  const started = new Date().toISOString();
  let report: ImportReport;
  try {
    switch (feed.kind) {
      case 'http':
        report = await updateHttp(store, feed, options);
        break;
      case 'taxii':
        report = await updateTaxii(store, feed, options);
        break;
      case 'misp':
        report = await updateMisp(store, feed, options);
        break;
      case 'misp-feed':
        report = await importInput(store, feed.url, { source: feed.source, sourceKind: 'feed', format: 'misp', defaults: defaultsOf(feed), http: feedHttp(feed, options), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) });
        break;
    }
  } catch (e) {
    report = failedReport(feed.url, feed.source, null, e instanceof Error ? e.message : String(e));
  }
  await store.intel.saveFeedState(feed.name, {
    lastUpdate: started,
    lastStatus: report.ok ? (report.notModified ? 'not modified' : `ok: ${report.taken} new, ${report.merged} merged, ${report.skipped} skipped`) : `error: ${report.error ?? ''}`.slice(0, 500),
  });
  return report;
}

async function updateHttp(store: Store, feed: Feed, options: FeedUpdateOptions): Promise<ImportReport> {
  const http = feedHttp(feed, options);
  const res = await httpRequest(feed.url, { ...http, etag: feed.etag, lastModified: feed.lastModified });
  if (res.status === 304) return { ...failedReport(feed.url, feed.source, feed.options.format ? String(feed.options.format) : null, ''), ok: true, error: null, notModified: true };
  if (res.status !== 200) return failedReport(feed.url, feed.source, null, `HTTP ${res.status}`);
  const text = decodeBody(res.body);
  const format: FormatName | null = typeof feed.options.format === 'string' && isFormatName(feed.options.format) ? feed.options.format : detectFormat(feed.url, text);
  if (!format) return failedReport(feed.url, feed.source, null, 'cannot tell the format of the feed (set it with --format)');
  const run = await ImportRun.begin(store, { name: feed.source, kind: 'feed', url: redact(feed.url) }, feed.url, format, defaultsOf(feed));
  try {
    await run.read(READERS[format], text, { file: redact(feed.url), options: {} });
    const report = await run.commit();
    const etag = res.headers.etag;
    const lastModified = res.headers['last-modified'];
    await store.intel.saveFeedState(feed.name, { etag: typeof etag === 'string' ? etag : null, lastModified: typeof lastModified === 'string' ? lastModified : null });
    return report;
  } catch (e) {
    return run.rollback(e instanceof Error ? e.message : String(e));
  }
}

async function updateTaxii(store: Store, feed: Feed, options: FeedUpdateOptions): Promise<ImportReport> {
  const client = new TaxiiClient({ ...feedHttp(feed, options), ...(options.pageSize ? { pageSize: options.pageSize } : {}) });
  let apiRoot = feed.url;
  // A discovery URL: use its default API root (or the only one).
  if (!/\/collections\/?$/.test(apiRoot)) {
    try {
      await client.apiRoot(apiRoot);
    } catch {
      const d = await client.discovery(apiRoot);
      const root = d.default ?? (d.apiRoots.length === 1 ? d.apiRoots[0]! : null);
      if (!root) throw new Error(`${redact(feed.url)}: discovery lists ${d.apiRoots.length} API roots and no default; give the API root URL`);
      apiRoot = root;
    }
  }
  const collection = String(feed.options.collection);
  const run = await ImportRun.begin(store, { name: feed.source, kind: 'taxii', url: redact(apiRoot) }, `${apiRoot}collections/${collection}/`, 'stix', defaultsOf(feed));
  let cursor = feed.cursor;
  try {
    // All pages first, then one read: versions of one object may sit on different pages, and
    // the newest must win whatever the page order.
    const objects: unknown[] = [];
    for await (const p of client.objects(apiRoot, collection, feed.cursor)) {
      objects.push(...p.objects);
      if (p.dateAddedLast && (!cursor || p.dateAddedLast > cursor)) cursor = p.dateAddedLast;
    }
    await run.read(stixReader, JSON.stringify({ objects }), { file: `${redact(apiRoot)}collections/${collection}/objects/`, options: {} });
    const report = await run.commit();
    if (cursor !== feed.cursor) await store.intel.saveFeedState(feed.name, { cursor });
    return report;
  } catch (e) {
    return run.rollback(e instanceof Error ? e.message : String(e));
  }
}

async function updateMisp(store: Store, feed: Feed, options: FeedUpdateOptions): Promise<ImportReport> {
  const http = feedHttp(feed, options);
  const base = feed.url.replace(/\/+$/, '');
  const limit = options.pageSize ?? 100;
  const run = await ImportRun.begin(store, { name: feed.source, kind: 'misp', url: redact(base) }, `${base}/events/restSearch`, 'misp', defaultsOf(feed));
  let cursor = feed.cursor;
  try {
    for (let page = 1; page <= 10_000; page++) {
      const body: Record<string, unknown> = { returnFormat: 'json', limit, page, published: true };
      if (feed.cursor) body.timestamp = feed.cursor;
      const res = await httpRequest(`${base}/events/restSearch`, {
        ...http,
        method: 'POST',
        body: JSON.stringify(body),
        headers: { accept: 'application/json', 'content-type': 'application/json' },
      });
      if (res.status === 401 || res.status === 403) throw new Error(`${redact(base)}: HTTP ${res.status} (check the MISP API key)`);
      if (res.status !== 200) throw new Error(`${redact(base)}/events/restSearch: HTTP ${res.status}`);
      let data: unknown;
      try {
        data = JSON.parse(decodeBody(res.body));
      } catch {
        throw new Error(`${redact(base)}/events/restSearch page ${page}: the answer is not JSON`);
      }
      const events = Array.isArray(data) ? data : asArray(asObject(data)?.response);
      if (!Array.isArray(data) && !Array.isArray(asObject(data)?.response)) throw new Error(`${redact(base)}/events/restSearch page ${page}: no "response" array`);
      if (events.length > 0) {
        await run.read(mispReader, JSON.stringify({ response: events }), { file: `${redact(base)}/events/restSearch (page ${page})`, options: {} });
      }
      for (const e of events) {
        const ts = asString(asObject(asObject(e)?.Event)?.timestamp);
        if (ts && /^\d+$/.test(ts) && (!cursor || Number(ts) > Number(cursor))) cursor = ts;
      }
      if (events.length < limit) break;
    }
    const report = await run.commit();
    if (cursor !== feed.cursor && cursor) await store.intel.saveFeedState(feed.name, { cursor: String(Number(cursor) + 1) });
    return report;
  } catch (e) {
    return run.rollback(e instanceof Error ? e.message : String(e));
  }
}

/** Updates every feed (or the named ones), one after another. */
export async function updateFeeds(store: Store, names: readonly string[] = [], options: FeedUpdateOptions = {}): Promise<{ feed: string; report: ImportReport }[]> {
  const all = await store.intel.feeds();
  const unknown = names.filter((n) => !all.some((f) => f.name === n));
  if (unknown.length > 0) throw new Error(`no feed named ${unknown.join(', ')}`);
  const chosen = names.length ? all.filter((f) => names.includes(f.name)) : all;
  const out: { feed: string; report: ImportReport }[] = [];
  for (const f of chosen) out.push({ feed: f.name, report: await updateFeed(store, f, options) });
  return out;
}
