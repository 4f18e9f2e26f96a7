/**
 * @module A small HTTPS client for fingerprinting: GET with a hard per-request deadline, a capped
 * body, retries with exponential backoff and jitter, certificate checking (off with `insecure`),
 * and HTTPS proxies by CONNECT (HTTPS_PROXY / https_proxy, honouring NO_PROXY), written on
 * node:http, node:https and node:tls alone.
 *
 * Each target gets one keep-alive agent with a single socket, so the requests to one server share
 * one TLS connection; through a proxy the agent's connections are CONNECT tunnels.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import https from 'node:https';
import { PassThrough, type Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Target } from './targets.js';

export interface HttpOptions {
  /** Deadline of one request, connection included (ms). */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for network errors, timeouts and HTTP 502/503/504. */
  readonly retries: number;
  /** First backoff (ms); doubled each retry, with up to 50% jitter. */
  readonly backoffMs: number;
  readonly insecure: boolean;
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string | readonly string[];
  /** `http://host:port` or `https://host:port` of an HTTPS proxy, or null. */
  readonly proxy: URL | null;
  readonly maxBodyBytes: number;
  readonly userAgent: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly attempts: number;
}

export class ProbeError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The proxy for a target from the environment: HTTPS_PROXY/https_proxy unless NO_PROXY matches. */
export function proxyFromEnv(host: string, env: NodeJS.ProcessEnv = process.env): URL | null {
  const raw = env.HTTPS_PROXY ?? env.https_proxy ?? '';
  if (raw === '') return null;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const h = host.toLowerCase();
  if (noProxy.some((n) => n === '*' || h === n.replace(/^\./, '') || h.endsWith(n.startsWith('.') ? n : `.${n}`))) return null;
  try {
    return new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return null;
  }
}

function connectTunnel(proxy: URL, host: string, port: number, timeoutMs: number, tlsOpts: tls.ConnectionOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const mod = proxy.protocol === 'https:' ? https : http;
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { Host: authority };
    if (proxy.username) headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    const req = mod.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      ...(proxy.protocol === 'https:' ? { rejectUnauthorized: tlsOpts.rejectUnauthorized, ca: tlsOpts.ca } : {}),
    });
    const timer = setTimeout(() => req.destroy(new ProbeError(`proxy CONNECT timed out after ${timeoutMs} ms`, 'ETIMEDOUT', true)), timeoutMs);
    req.once('connect', (res, socket) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new ProbeError(`proxy refused CONNECT ${authority}: HTTP ${res.statusCode ?? '?'}`, 'EPROXY', (res.statusCode ?? 0) >= 500));
        return;
      }
      resolve(socket);
    });
    req.once('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof ProbeError ? e : new ProbeError(`proxy: ${e.message}`, (e as NodeJS.ErrnoException).code ?? 'EPROXY', true));
    });
    req.end();
  });
}

/**
 * One TLS context per set of trusted CAs, shared by every connection: building a context loads
 * the root certificate store, which costs more than the handshake itself.
 */
const contexts = new Map<string, tls.SecureContext>();
function secureContext(ca: HttpOptions['ca']): tls.SecureContext {
  const key = ca === undefined ? '' : typeof ca === 'string' ? ca : ca.join('\n');
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext(ca === undefined ? {} : { ca: [...tls.rootCertificates, ...(typeof ca === 'string' ? [ca] : ca)] });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** A keep-alive agent for one target, tunnelling through `proxy` when set. */
export function agentFor(target: Target, options: HttpOptions): https.Agent {
  const tlsOpts: tls.ConnectionOptions = {
    rejectUnauthorized: !options.insecure,
    secureContext: secureContext(options.ca),
    ...(target.servername ? { servername: target.servername } : {}),
  };
  const proxy = options.proxy;
  class TargetAgent extends https.Agent {
    override createConnection(_opts: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
      // No Nagle: the handshake's small records would otherwise wait for delayed ACKs (~40 ms each).
      if (proxy === null) return tls.connect({ ...tlsOpts, host: target.host, port: target.port }).setNoDelay(true);
      connectTunnel(proxy, target.host, target.port, options.timeoutMs, tlsOpts).then(
        (raw) => {
          if ('setNoDelay' in raw && typeof raw.setNoDelay === 'function') (raw as Socket).setNoDelay(true);
          callback?.(null, tls.connect({ ...tlsOpts, socket: raw }));
        },
        // The callback's type has no "no stream" case; Node ignores the stream when err is set.
        (e: Error) => callback?.(e, new PassThrough()),
      );
      return undefined;
    }
  }
  return new TargetAgent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, ...tlsOpts });
}

const RETRY_STATUS = new Set([502, 503, 504]);
const PERMANENT_CODES = new Set([
  'ENOTFOUND',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function once(target: Target, path: string, headers: Record<string, string>, agent: https.Agent, options: HttpOptions): Promise<Omit<HttpResponse, 'attempts'>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const req = https.request({
      host: target.host,
      port: target.port,
      path,
      method: 'GET',
      agent,
      headers: { 'User-Agent': options.userAgent, Accept: '*/*', Host: target.servername ?? target.host, ...headers },
    });
    const timer = setTimeout(() => {
      const e = new ProbeError(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT', true);
      req.destroy(e);
      done(() => reject(e));
    }, options.timeoutMs);
    req.once('error', (e: NodeJS.ErrnoException) => {
      const code = e instanceof ProbeError ? e.code : (e.code ?? 'EIO');
      done(() => reject(e instanceof ProbeError ? e : new ProbeError(e.message, code, !PERMANENT_CODES.has(code))));
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        if (n < options.maxBodyBytes) chunks.push(c.subarray(0, options.maxBodyBytes - n));
        n += c.length;
      });
      res.once('error', (e) => done(() => reject(new ProbeError(e.message, 'EIO', true))));
      res.once('end', () => {
        const hdrs: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        done(() => resolve({ status: res.statusCode ?? 0, headers: hdrs, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET with retries. Rejects with ProbeError after the last attempt. */
export async function get(target: Target, path: string, agent: https.Agent, options: HttpOptions, headers: Record<string, string> = {}): Promise<HttpResponse> {
  let last: ProbeError | null = null;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.5));
    try {
      const r = await once(target, path, headers, agent, options);
      if (RETRY_STATUS.has(r.status) && attempt < options.retries) {
        last = new ProbeError(`HTTP ${r.status}`, `HTTP${r.status}`, true);
        continue;
      }
      return { ...r, attempts: attempt + 1 };
    } catch (e) {
      last = e instanceof ProbeError ? e : new ProbeError(String(e), 'EIO', true);
      if (!last.retryable) break;
    }
  }
  throw last ?? new ProbeError('request failed', 'EIO', false);
}
