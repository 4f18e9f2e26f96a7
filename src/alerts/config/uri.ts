/**
 * @module Channel URIs, for `--alert` and `exhunt alerts test`:
 *
 *     syslog+udp://HOST[:PORT]?format=cef|json           RFC 5424 over UDP (default port 514)
 *     syslog+tcp://HOST[:PORT]?...                        TCP, octet counting (514)
 *     syslog+tls://HOST[:PORT]?ca=FILE&cert=FILE&key=FILE TLS, RFC 5425 (6514)
 *     webhook://HOST/PATH?layout=json|slack|teams         HTTPS POST (webhook+http:// for plain HTTP)
 *     https://HOST/PATH?layout=slack                      the same, any http(s) URL
 *     hec+https://HOST:PORT?token=TOKEN&index=INDEX        Splunk HEC (hec+http:// for plain HTTP)
 *     smtp://USER:PASS@HOST:PORT?from=A&to=B,C&starttls=1&digest=300   e-mail (smtps:// for TLS)
 *
 * Every URI also takes the policy parameters `name`, `minSeverity`, `dedup` (a window),
 * `dedupKey` (comma list), `rate` (`60/m`), `retryInitial`, `retryMax`, `maxAttempts`,
 * `timeout`, `batch`. A webhook URL keeps every parameter that is not one of these (they belong
 * to the receiver); for the other schemes an unknown parameter is an error.
 *
 * The URI is turned into the object the YAML config would hold and checked by the same schema.
 */
import { createHash } from 'node:crypto';
import type { ChannelSpec } from './schema.js';
import { channelSchema } from './schema.js';
import { AlertConfigError } from '../errors.js';

const POLICY_PARAMS = ['name', 'minSeverity', 'dedup', 'dedupKey', 'rate', 'retryInitial', 'retryMax', 'maxAttempts', 'timeout', 'batch'] as const;
const TLS_PARAMS = ['ca', 'cert', 'key', 'servername'] as const;
const SCHEME_PARAMS: Readonly<Record<string, readonly string[]>> = {
  syslog: ['format', 'facility', 'hostname', 'appName', 'maxMessageBytes', ...TLS_PARAMS],
  webhook: ['layout', 'insecure', ...TLS_PARAMS],
  hec: ['token', 'tokenEnv', 'index', 'source', 'sourcetype', 'insecure', ...TLS_PARAMS],
  smtp: ['from', 'to', 'starttls', 'digest', 'subjectPrefix', 'helo', 'insecureAuth', 'passwordEnv', ...TLS_PARAMS],
};
/** Parameters whose values are secrets (never shown, never part of a channel id). */
const SECRET_PARAMS = new Set(['token', 'password', 'pass', 'secret', 'sig', 'signature', 'apikey', 'api_key', 'access_token', 'code']);

/** Where each schema path came from in a URI, for error messages. */
const PARAM_OF_PATH: Readonly<Record<string, string>> = {
  'retry.initial': 'retryInitial',
  'retry.max': 'retryMax',
  'retry.maxAttempts': 'maxAttempts',
  'dedup.window': 'dedup',
  'dedup.key': 'dedupKey',
  rateLimit: 'rate',
  tls: 'starttls',
  user: 'user',
};

export interface ParsedChannelUri {
  readonly spec: ChannelSpec;
  /** The URI without secrets (passwords, tokens, webhook path and query values). */
  readonly redacted: string;
  /** Outbox queue id: `name` when given, else the redacted URI (plus a hash when it hid something). */
  readonly id: string;
}

function fail(uri: string, message: string): never {
  throw new AlertConfigError(`alert channel ${redactUri(uri)}: ${message}`);
}

/** The URI with secrets replaced by `***`. */
export function redactUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//***@').replace(/([?&][^=&]*=)[^&]*/g, '$1***');
  }
  const scheme = url.protocol.replace(/:$/, '');
  const webhook = scheme === 'https' || scheme === 'http' || scheme.startsWith('webhook');
  if (url.password) url.password = '***';
  for (const [k] of [...url.searchParams]) {
    const own = (POLICY_PARAMS as readonly string[]).includes(k) || (SCHEME_PARAMS[schemeKind(scheme) ?? '']?.includes(k) ?? false);
    if (SECRET_PARAMS.has(k.toLowerCase()) || (webhook && !own)) url.searchParams.set(k, '***');
  }
  if (webhook) {
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments.length > 1) url.pathname = `/${segments[0] ?? ''}/***`;
  }
  return decodeURIComponent(url.toString().replace(/%2A%2A%2A/g, '***'));
}

function schemeKind(scheme: string): keyof typeof SCHEME_PARAMS | null {
  if (scheme.startsWith('syslog+')) return 'syslog';
  if (scheme === 'webhook' || scheme === 'webhook+http' || scheme === 'webhook+https' || scheme === 'http' || scheme === 'https') return 'webhook';
  if (scheme === 'hec+https' || scheme === 'hec+http') return 'hec';
  if (scheme === 'smtp' || scheme === 'smtps') return 'smtp';
  return null;
}

function policyFrom(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const get = (k: string): string | undefined => params.get(k) ?? undefined;
  if (get('name')) out.name = get('name');
  if (get('minSeverity')) out.minSeverity = get('minSeverity');
  if (get('dedup')) out.dedup = { window: get('dedup'), ...(get('dedupKey') ? { key: get('dedupKey')?.split(',') } : {}) };
  if (get('rate')) out.rateLimit = get('rate');
  const retry: Record<string, string> = {};
  if (get('retryInitial')) retry.initial = get('retryInitial') ?? '';
  if (get('retryMax')) retry.max = get('retryMax') ?? '';
  if (get('maxAttempts')) retry.maxAttempts = get('maxAttempts') ?? '';
  if (Object.keys(retry).length > 0) out.retry = retry;
  if (get('timeout')) out.timeout = get('timeout');
  if (get('batch')) out.batch = get('batch');
  return out;
}

function pick(params: URLSearchParams, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = params.get(k);
    if (v !== null && !['starttls', 'to'].includes(k)) out[k] = v;
  }
  return out;
}

/** Parses and validates a channel URI. Throws {@link AlertConfigError}. */
export function parseChannelUri(uri: string): ParsedChannelUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    fail(uri, 'not a URI (e.g. syslog+udp://127.0.0.1:514, https://hooks.example/x?layout=slack, hec+https://splunk:8088?token=T)');
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const kind = schemeKind(scheme);
  if (!kind) fail(uri, `unknown scheme "${scheme}" (syslog+udp, syslog+tcp, syslog+tls, webhook, http, https, hec+https, hec+http, smtp, smtps)`);
  const params = url.searchParams;
  const own = new Set<string>([...POLICY_PARAMS, ...(SCHEME_PARAMS[kind] ?? [])]);
  if (kind !== 'webhook') {
    for (const k of params.keys()) if (!own.has(k)) fail(uri, `unknown parameter "${k}" (known: ${[...own].join(', ')})`);
  }
  for (const k of own) if (params.getAll(k).length > 1) fail(uri, `parameter "${k}" given twice`);
  if (params.has('dedupKey') && !params.has('dedup')) fail(uri, 'dedupKey needs dedup=WINDOW');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || undefined;
  let raw: Record<string, unknown>;
  switch (kind) {
    case 'syslog':
      if (url.pathname && url.pathname !== '/') fail(uri, 'a syslog URI has no path');
      raw = { type: 'syslog', transport: scheme.slice('syslog+'.length), host, ...(port ? { port } : {}), ...pick(params, SCHEME_PARAMS.syslog ?? []) };
      break;
    case 'webhook': {
      // The URL setter cannot turn webhook: into https:, so the URL is written anew.
      const userinfo = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
      const target = new URL(`${scheme === 'http' || scheme === 'webhook+http' ? 'http' : 'https'}://${userinfo}${url.host}${url.pathname}${url.search}`);
      for (const k of own) target.searchParams.delete(k);
      raw = { type: 'webhook', url: target.toString(), ...pick(params, SCHEME_PARAMS.webhook ?? []) };
      break;
    }
    case 'hec': {
      const target = new URL(`${scheme === 'hec+http' ? 'http' : 'https'}://${url.host}${url.pathname}`);
      raw = { type: 'hec', url: target.toString(), ...pick(params, SCHEME_PARAMS.hec ?? []) };
      break;
    }
    default: {
      const starttls = params.get('starttls');
      if (scheme === 'smtps' && starttls !== null) fail(uri, 'smtps:// is TLS from the start; starttls does not apply');
      const tls = scheme === 'smtps' ? 'implicit' : starttls !== null && ['1', 'true', 'yes'].includes(starttls) ? 'starttls' : 'none';
      const to = params.get('to');
      raw = {
        type: 'smtp',
        host,
        ...(port ? { port } : {}),
        tls,
        ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(to ? { to: to.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
        ...pick(params, SCHEME_PARAMS.smtp ?? []),
      };
    }
  }
  raw = { ...raw, ...policyFrom(params) };
  const parsed = channelSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol').join('.');
      const param = PARAM_OF_PATH[path] ?? PARAM_OF_PATH[path.split('.')[0] ?? ''] ?? path.split('.')[0] ?? '';
      return param ? `${param}: ${issue.message}` : issue.message;
    });
    fail(uri, problems.join('; '));
  }
  const redacted = redactUri(uri);
  const hidden = redacted !== uri;
  const id = parsed.data.name ?? (hidden ? `${redacted}#${createHash('sha256').update(uri).digest('hex').slice(0, 8)}` : redacted);
  return { spec: parsed.data, redacted, id };
}
