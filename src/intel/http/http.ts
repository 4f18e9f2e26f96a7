/**
 * @module A small HTTP(S) client for feeds, TAXII and MISP (node:http/https, no dependency): an
 * overall deadline per request, a cap on the body size, conditional GET (ETag /
 * If-Modified-Since), basic/bearer/API-key authentication, a custom CA or an explicit opt-out of
 * certificate checks, and at most a few redirects (credentials are never sent to another origin).
 */
import { request as httpRequestRaw } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';

export type HttpAuth =
  | { readonly kind: 'basic'; readonly user: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** MISP: `Authorization: <key>`; any other API-key header likewise. */
  | { readonly kind: 'header'; readonly name: string; readonly value: string };

export interface HttpOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth?: HttpAuth | null;
  /** Whole-request deadline in milliseconds (connect + headers + body). Default 30 s. */
  readonly timeoutMs?: number;
  /** Largest body accepted. Default 256 MiB. */
  readonly maxBytes?: number;
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string | Buffer;
  /** Accept any certificate (only with an explicit --insecure). */
  readonly insecure?: boolean;
  readonly etag?: string | null;
  readonly lastModified?: string | null;
  readonly maxRedirects?: number;
}

export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(`${redact(url)}: ${message}`);
    this.name = 'HttpError';
  }
}

/** The URL without user info or query secrets, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (/key|token|secret|pass/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return url;
  }
}

export async function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  let current = url;
  let auth = options.auth ?? null;
  const origin = originOf(url);
  for (let hop = 0; ; hop++) {
    const res = await once(current, options, auth);
    if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.location) {
      if (hop >= (options.maxRedirects ?? 3)) throw new HttpError('too many redirects', url, res.status);
      const next = new URL(res.headers.location, current).toString();
      if (originOf(next) !== origin) auth = null; // never hand credentials to another origin
      current = next;
      continue;
    }
    return res;
  }
}

function originOf(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    return u;
  }
}

function once(url: string, options: HttpOptions, auth: HttpAuth | null): Promise<HttpResponse> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new HttpError('not a URL', url));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new HttpError(`unsupported scheme ${u.protocol}`, url));
  const headers: Record<string, string> = { 'user-agent': 'exhunt-intel', 'accept-encoding': 'identity', ...(options.headers ?? {}) };
  if (u.username || u.password) {
    auth ??= { kind: 'basic', user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
  }
  if (auth?.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  else if (auth?.kind === 'bearer') headers.authorization = `Bearer ${auth.token}`;
  else if (auth?.kind === 'header') headers[auth.name.toLowerCase()] = auth.value;
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;
  if (options.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(options.body));
    headers['content-type'] ??= 'application/json';
  }
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const make = u.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e instanceof HttpError ? e : new HttpError(e.message, url));
    };
    const req = make(
      u,
      {
        method: options.method ?? 'GET',
        headers,
        ...(u.protocol === 'https:' ? { ...(options.ca ? { ca: options.ca } : {}), rejectUnauthorized: options.insecure !== true } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          fail(new HttpError(`response of ${declared} bytes is above the limit of ${maxBytes}`, url, res.statusCode));
          return;
        }
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            res.destroy();
            fail(new HttpError(`response is above the limit of ${maxBytes} bytes`, url, res.statusCode));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ url, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', fail);
        res.on('aborted', () => fail(new HttpError('connection closed before the response ended', url, res.statusCode)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      fail(new HttpError(`no complete response within ${Math.round(timeoutMs / 100) / 10} s`, url));
    }, timeoutMs);
    req.on('error', (e) => fail(new HttpError(e.message, url)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Decodes a body as text: UTF-8 (BOM removed), or UTF-16 when it carries a UTF-16 BOM. */
export function decodeBody(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  return buf.toString('utf8');
}
