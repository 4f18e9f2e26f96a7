/**
 * @module A TAXII 2.1 client: discovery, API root information, collections, and a collection's
 * objects with `added_after` and paging (`limit`, `more`/`next`, falling back to the
 * `X-TAXII-Date-Added-Last` header), over HTTPS with basic or bearer authentication.
 *
 * Every answer is checked before it is used: an HTTP error, a time-out, a body that is not JSON or
 * not the resource asked for, or a server that pages forever, is a {@link TaxiiError} naming the
 * URL, never a half-read collection.
 */
import type { HttpOptions } from '../../http/http.js';
import { decodeBody, httpRequest } from '../../http/http.js';
import { asArray, asObject, asString } from '../json.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

export class TaxiiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaxiiError';
  }
}

export interface TaxiiDiscovery {
  readonly title: string;
  readonly default: string | null;
  readonly apiRoots: readonly string[];
}

export interface TaxiiApiRoot {
  readonly title: string;
  readonly versions: readonly string[];
  readonly maxContentLength: number | null;
}

export interface TaxiiCollection {
  readonly id: string;
  readonly title: string;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  readonly mediaTypes: readonly string[];
}

export interface TaxiiPage {
  readonly objects: readonly unknown[];
  readonly more: boolean;
  readonly next: string | null;
  /** `X-TAXII-Date-Added-Last`: the cursor for the next `added_after`. */
  readonly dateAddedLast: string | null;
  readonly url: string;
}

export interface TaxiiOptions extends HttpOptions {
  /** Objects asked per page (`limit`); the server may send fewer. Default 500. */
  readonly pageSize?: number;
  /** Safety stop for servers that never say `more: false`. Default 10,000 pages. */
  readonly maxPages?: number;
}

export class TaxiiClient {
  readonly #options: TaxiiOptions;

  constructor(options: TaxiiOptions = {}) {
    this.#options = options;
  }

  async #get(url: string): Promise<{ body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> }> {
    const res = await httpRequest(url, { ...this.#options, headers: { accept: TAXII_MEDIA_TYPE, ...(this.#options.headers ?? {}) } });
    if (res.status === 401 || res.status === 403) throw new TaxiiError(`${url}: HTTP ${res.status} (check the credentials and the collection's can_read)`);
    if (res.status !== 200 && res.status !== 206) throw new TaxiiError(`${url}: HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(decodeBody(res.body));
    } catch {
      throw new TaxiiError(`${url}: the answer is not JSON (${res.body.length} bytes${res.headers['content-type'] ? `, ${String(res.headers['content-type'])}` : ''})`);
    }
    const obj = asObject(body);
    if (!obj) throw new TaxiiError(`${url}: the answer is not a JSON object`);
    return { body: obj, headers: res.headers };
  }

  async discovery(url: string): Promise<TaxiiDiscovery> {
    const { body } = await this.#get(url);
    const roots = asArray(body.api_roots).filter((r): r is string => typeof r === 'string');
    if (!asString(body.title) && roots.length === 0) throw new TaxiiError(`${url}: not a TAXII discovery resource (no title or api_roots)`);
    return { title: asString(body.title) ?? '', default: asString(body.default) ?? null, apiRoots: roots.map((r) => new URL(r, url).toString()) };
  }

  async apiRoot(url: string): Promise<TaxiiApiRoot> {
    const { body } = await this.#get(slash(url));
    const versions = asArray(body.versions).filter((v): v is string => typeof v === 'string');
    if (versions.length === 0) throw new TaxiiError(`${url}: not a TAXII API root (no versions)`);
    if (!versions.some((v) => /version=2\.1/.test(v))) throw new TaxiiError(`${url}: the API root does not speak TAXII 2.1 (${versions.join(', ')})`);
    return { title: asString(body.title) ?? '', versions, maxContentLength: typeof body.max_content_length === 'number' ? body.max_content_length : null };
  }

  async collections(apiRoot: string): Promise<TaxiiCollection[]> {
    const url = `${slash(apiRoot)}collections/`;
    const { body } = await this.#get(url);
    if (body.collections !== undefined && !Array.isArray(body.collections)) throw new TaxiiError(`${url}: "collections" is not an array`);
    return asArray(body.collections)
      .map(asObject)
      .filter((c): c is Record<string, unknown> => !!c && typeof c.id === 'string')
      .map((c) => ({
        id: c.id as string,
        title: asString(c.title) ?? '',
        canRead: c.can_read === true,
        canWrite: c.can_write === true,
        mediaTypes: asArray(c.media_types).filter((m): m is string => typeof m === 'string'),
      }));
  }

  /** The objects of a collection added after `addedAfter`, page by page. */
  async *objects(apiRoot: string, collection: string, addedAfter: string | null = null): AsyncGenerator<TaxiiPage> {
    const base = `${slash(apiRoot)}collections/${encodeURIComponent(collection)}/objects/`;
    const limit = this.#options.pageSize ?? 500;
    const maxPages = this.#options.maxPages ?? 10_000;
    let next: string | null = null;
    let after = addedAfter;
    for (let page = 0; ; page++) {
      if (page >= maxPages) throw new TaxiiError(`${base}: more than ${maxPages} pages; stopped`);
      const q = new URLSearchParams({ limit: String(limit) });
      if (after) q.set('added_after', after);
      if (next) q.set('next', next);
      const url = `${base}?${q.toString()}`;
      const { body, headers } = await this.#get(url);
      if (body.objects !== undefined && !Array.isArray(body.objects)) throw new TaxiiError(`${url}: "objects" is not an array`);
      const objects = asArray(body.objects);
      const more = body.more === true;
      const nextToken = asString(body.next) ?? null;
      const lastHeader = headers['x-taxii-date-added-last'];
      const dateAddedLast = typeof lastHeader === 'string' ? lastHeader : null;
      yield { objects, more, next: nextToken, dateAddedLast, url };
      if (!more) return;
      if (nextToken) {
        next = nextToken;
      } else if (dateAddedLast && dateAddedLast !== after) {
        next = null;
        after = dateAddedLast;
      } else {
        throw new TaxiiError(`${url}: "more" is true but there is neither "next" nor a new X-TAXII-Date-Added-Last to continue from`);
      }
    }
  }
}

function slash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}
