/**
 * @module From validated channel specs to live channels: the policy each spec resolves to, the
 * printable target, and the factory per channel type (the registry).
 */
import { hostname } from 'node:os';
import { exhuntVersion } from '../content/package-root.js';
import type { AlertChannel, ChannelContext } from './channel.js';
import type { ChannelBase } from './channels/base.js';
import { hecChannel, hecEndpoint } from './channels/hec/index.js';
import { defaultSmtpPort, smtpChannel } from './channels/smtp/index.js';
import { defaultSyslogPort, syslogChannel } from './channels/syslog/index.js';
import { webhookChannel } from './channels/webhook/index.js';
import type { ChannelSpec } from './config/schema.js';
import { parseChannelUri, redactUri } from './config/uri.js';
import type { ChannelPolicy } from './policy.js';

/** Context of this process (real host name, version, pid, environment). */
export function defaultChannelContext(): ChannelContext {
  return { exhuntVersion: exhuntVersion(), hostname: hostname(), pid: process.pid, env: process.env };
}

/** Batch size and digest wait per channel type, unless `batch` is set. */
function batchOf(spec: ChannelSpec): ChannelPolicy['batch'] {
  switch (spec.type) {
    case 'syslog':
      return { max: spec.batch ?? 50, waitMs: 0 };
    case 'hec':
      return { max: spec.batch ?? 100, waitMs: 0 };
    case 'webhook':
      // One request per alert anyway; a batch of one keeps a crash's re-send to one alert.
      return { max: spec.batch ?? 1, waitMs: 0 };
    case 'smtp':
      return spec.digest > 0 ? { max: spec.batch ?? 500, waitMs: spec.digest } : { max: 1, waitMs: 0 };
  }
}

export function policyOf(spec: ChannelSpec): ChannelPolicy {
  return {
    minSeverity: spec.minSeverity,
    dedup: spec.dedup ? { windowMs: spec.dedup.window, key: spec.dedup.key } : null,
    rateLimit: spec.rateLimit ? { count: spec.rateLimit.count, perMs: spec.rateLimit.per } : null,
    retry: { initialMs: spec.retry.initial, maxMs: spec.retry.max, maxAttempts: spec.retry.maxAttempts },
    batch: batchOf(spec),
    timeoutMs: spec.timeout,
  };
}

/** Where a spec delivers, without secrets. */
export function targetOf(spec: ChannelSpec): string {
  switch (spec.type) {
    case 'syslog':
      return `syslog+${spec.transport}://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port ?? defaultSyslogPort(spec.transport)}`;
    case 'webhook':
      return redactUri(spec.url);
    case 'hec':
      return redactUri(hecEndpoint(spec.url).toString());
    case 'smtp':
      return `${spec.tls === 'implicit' ? 'smtps' : 'smtp'}://${spec.host}:${spec.port ?? defaultSmtpPort(spec.tls)} → ${spec.to.join(', ')}`;
  }
}

/** Builds a channel; `id` defaults to the spec's name, else its target. Throws AlertConfigError. */
export function buildChannel(spec: ChannelSpec, ctx: ChannelContext = defaultChannelContext(), id?: string): AlertChannel {
  const base: ChannelBase = { id: id ?? spec.name ?? targetOf(spec), target: targetOf(spec), policy: policyOf(spec) };
  switch (spec.type) {
    case 'syslog':
      return syslogChannel(spec, ctx, base);
    case 'webhook':
      return webhookChannel(spec, ctx, base);
    case 'hec':
      return hecChannel(spec, ctx, base);
    case 'smtp':
      return smtpChannel(spec, ctx, base);
  }
}

/** Parses a channel URI and builds its channel. */
export function channelFromUri(uri: string, ctx: ChannelContext = defaultChannelContext()): AlertChannel {
  const parsed = parseChannelUri(uri);
  return buildChannel(parsed.spec, ctx, parsed.id);
}
