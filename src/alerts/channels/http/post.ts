/**
 * @module One HTTP(S) POST for the webhook and HEC channels, with a time limit, and the reading
 * of its answer as delivered, retryable or rejected:
 * - 2xx: delivered;
 * - no answer, 408, 429, 5xx: retryable (`Retry-After` is honoured as the least wait);
 * - 401, 403, 404: retryable too: a wrong token or URL is fixed in the configuration, and the
 *   alerts must still be there when it is;
 * - any other 4xx: rejected; the receiver refuses these bytes and would refuse them again.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { DeliveryError, messageOf } from '../../errors.js';

export interface PostOptions {
  readonly url: URL;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls?: ConnectionOptions | undefined;
  readonly signal: AbortSignal;
  /** The channel's connection pool ({@link channelAgent}). */
  readonly agent: HttpAgent;
  /** Name for messages (`webhook`, `HEC`). */
  readonly what: string;
}

export interface PostResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const MAX_RESPONSE = 64 * 1024;

/** Milliseconds of a `Retry-After` header (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function rawPost(o: PostOptions): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(o.body, 'utf8');
    const https = o.url.protocol === 'https:';
    const options = {
      method: 'POST',
      headers: { 'Content-Length': String(body.length), ...o.headers },
      signal: o.signal,
      agent: o.agent,
      ...(https && o.tls ? o.tls : {}),
    };
    const req = (https ? httpsRequest : httpRequest)(o.url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_RESPONSE) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A keep-alive connection pool for one channel; `destroy()` it when the channel closes, so that
 * idle sockets do not keep the process alive.
 */
export function channelAgent(url: URL): HttpAgent {
  return url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
}

/** Short, single-line excerpt of a response body for error messages. */
function excerpt(body: string): string {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** POSTs and classifies; resolves with the 2xx answer, rejects with a DeliveryError. */
export async function post(o: PostOptions): Promise<PostResult> {
  let res: PostResult;
  try {
    res = await rawPost(o);
  } catch (e) {
    const why = o.signal.aborted ? `timed out (${messageOf(o.signal.reason)})` : messageOf(e);
    throw new DeliveryError(`${o.what} POST to ${o.url.host} failed: ${why}`, { retryable: true, cause: e });
  }
  if (res.status >= 200 && res.status < 300) return res;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500 || [401, 403, 404].includes(res.status) || res.status < 200;
  const err = new DeliveryError(`${o.what} answered HTTP ${res.status}${res.body ? `: ${excerpt(res.body)}` : ''}`, { retryable });
  const wait = retryAfterMs(res.headers['retry-after']);
  if (wait !== undefined) err.retryAfterMs = wait;
  throw err;
}
