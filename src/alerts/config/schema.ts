/**
 * @module The schema of alert channels, shared by the YAML config file and channel URIs (a URI
 * is turned into the same object and checked by the same schema). Parsing is strict: an unknown
 * key is an error, so a typo cannot silently turn a setting off.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { parseDuration } from '../duration.js';

/** Milliseconds, from a number of seconds or a string such as `30s`, `10m`, `500ms`. */
const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: "${String(v)}" (use seconds or e.g. 500ms, 30s, 10m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

/** Integers may come from URI parameters as text. */
const int = (min: number, max: number): z.ZodType<number, number | string> =>
  z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]).pipe(z.number().int().min(min).max(max));

const bool = z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => ['1', 'true', 'yes'].includes(v))]);

const nonEmpty = z.string().min(1);

export const DEDUP_FIELDS = ['auto', 'clientIp', 'path', 'host'] as const;
/** `auto` (client address, else source path), `clientIp`, `path`, `host`, or `evidence.<Field>`. */
const dedupField = z.union([z.enum(DEDUP_FIELDS), z.string().regex(/^evidence\.[A-Za-z0-9_.-]+$/, 'use auto, clientIp, path, host or evidence.<Field>')]);

/** `60/m`, `10/30s`, or `{ count, per }`. */
const rateLimit = z.union([
  z.strictObject({ count: int(1, 1_000_000).describe('alerts allowed per window'), per: duration.describe('window length') }),
  z.string().transform((v, ctx) => {
    const m = /^\s*(\d+)\s*\/\s*(.+)$/.exec(v);
    const per = m ? parseDuration(/^\d/.test(m[2] ?? '') ? (m[2] ?? '') : `1${m[2] ?? ''}`) : null;
    if (!m || per === null || per === 0 || Number(m[1]) < 1) {
      ctx.addIssue({ code: 'custom', message: `not a rate limit: "${v}" (use e.g. 60/m, 10/30s)` });
      return z.NEVER;
    }
    return { count: Number(m[1]), per };
  }),
], { error: 'not a rate limit (use e.g. 60/m, 10/30s, or { count, per })' });

const dedup = z.union([
  duration.transform((window) => ({ window, key: ['auto'] as string[] })),
  z.strictObject({
    window: duration.describe('suppress repeats of the same rule and key within this time'),
    key: z.union([dedupField, z.array(dedupField).min(1)]).default(['auto']).transform((k) => (Array.isArray(k) ? k : [k])),
  }),
], { error: 'a window (e.g. 10m) or { window, key }' });

/** Settings every channel has: what it sends, how often, and how it retries. */
const policyFields = {
  name: nonEmpty.regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').max(200).optional().describe('channel name: the key of its outbox queue'),
  minSeverity: z.enum(SEVERITIES).default('medium').describe('send only findings at or above this severity'),
  dedup: dedup.optional().describe('suppress repeats of the same rule and key (client address, path...) within a window'),
  rateLimit: rateLimit.optional().describe('deliver at most this many alerts per window; the rest wait in the outbox'),
  retry: z
    .strictObject({
      initial: duration.default(1000).describe('first retry delay'),
      max: duration.default(300_000).describe('longest retry delay (the delay doubles up to this)'),
      maxAttempts: int(0, 1_000_000).default(0).describe('give an alert up after this many failed tries (0: never)'),
    })
    .default({ initial: 1000, max: 300_000, maxAttempts: 0 }),
  timeout: duration.default(10_000).describe('time allowed for one delivery'),
  batch: int(1, 10_000).optional().describe('alerts per delivery (HEC events per request, syslog messages per connection write)'),
};

const tlsFiles = {
  ca: nonEmpty.optional().describe('PEM file of the CA certificates to trust (default: the system store)'),
  cert: nonEmpty.optional().describe('PEM client certificate (mutual TLS)'),
  key: nonEmpty.optional().describe('PEM private key of the client certificate'),
  servername: nonEmpty.optional().describe('TLS server name to verify (default: the host)'),
};

export const SYSLOG_FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

export const syslogChannelSchema = z.strictObject({
  type: z.literal('syslog'),
  transport: z.enum(['udp', 'tcp', 'tls']).describe('UDP (RFC 5426), TCP with octet counting (RFC 6587) or TLS (RFC 5425)'),
  host: nonEmpty,
  port: int(1, 65535).optional().describe('default 514, or 6514 for TLS'),
  format: z.enum(['cef', 'json']).default('cef'),
  facility: z.enum(SYSLOG_FACILITIES).default('user'),
  hostname: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'printable ASCII without spaces').optional().describe('HOSTNAME field (default: this machine)'),
  appName: z.string().regex(/^[\x21-\x7e]{1,48}$/, 'printable ASCII without spaces, at most 48').default('exhunt'),
  maxMessageBytes: int(480, 1_048_576).default(8192).describe('longer messages are cut (rsyslog keeps 8 KiB by default)'),
  ...tlsFiles,
  ...policyFields,
});

export const webhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  layout: z.enum(['json', 'slack', 'teams']).default('json'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'not a header name'), z.string()).default({}),
  insecure: bool.default(false).describe('do not verify the TLS certificate (testing only)'),
  ...tlsFiles,
  ...policyFields,
});

export const hecChannelSchema = z.strictObject({
  type: z.literal('hec'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).describe('HEC base URL, e.g. https://splunk:8088'),
  token: nonEmpty.optional(),
  tokenEnv: nonEmpty.optional().describe('name of the environment variable holding the token'),
  index: nonEmpty.optional(),
  source: nonEmpty.default('exhunt'),
  sourcetype: nonEmpty.default('exhunt:alert'),
  insecure: bool.default(false).describe('do not verify the TLS certificate (testing only)'),
  ...tlsFiles,
  ...policyFields,
});

export const smtpChannelSchema = z.strictObject({
  type: z.literal('smtp'),
  host: nonEmpty,
  port: int(1, 65535).optional().describe('default 25, or 465 with tls: implicit'),
  tls: z.enum(['starttls', 'implicit', 'none']).default('starttls').describe('STARTTLS (required), TLS from the start (smtps), or none'),
  user: nonEmpty.optional(),
  password: z.string().optional(),
  passwordEnv: nonEmpty.optional().describe('name of the environment variable holding the password'),
  insecureAuth: bool.default(false).describe('allow AUTH over a connection without TLS'),
  from: z.email(),
  to: z.union([z.email(), z.array(z.email()).min(1)]).transform((t) => (Array.isArray(t) ? t : [t])),
  digest: duration.default(0).describe('0: one mail per alert; else one mail per interval with every alert queued in it'),
  subjectPrefix: z.string().max(60).default('[exhunt]'),
  helo: z.string().regex(/^[A-Za-z0-9.-]{1,255}$/, 'a host name').optional(),
  ...tlsFiles,
  ...policyFields,
});

export const channelSchema = z.discriminatedUnion('type', [syslogChannelSchema, webhookChannelSchema, hecChannelSchema, smtpChannelSchema]);

export type SyslogChannelSpec = z.output<typeof syslogChannelSchema>;
export type WebhookChannelSpec = z.output<typeof webhookChannelSchema>;
export type HecChannelSpec = z.output<typeof hecChannelSchema>;
export type SmtpChannelSpec = z.output<typeof smtpChannelSchema>;
export type ChannelSpec = z.output<typeof channelSchema>;

/** The alerts config file: `channels:`, a list (each with a unique `name`). */
export const alertsConfigSchema = z.strictObject({
  channels: z.array(channelSchema).min(1, 'at least one channel'),
});
export type AlertsConfig = z.output<typeof alertsConfigSchema>;
