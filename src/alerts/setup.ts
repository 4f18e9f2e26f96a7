/**
 * @module Turning command-line choices into alerting: channels from `--alert URI` and
 * `--alert-config FILE`, and the ready-to-use sink for `exhunt scan` (which owns the store
 * connection it opens and closes it after the final flush).
 */
import type { Sink } from '../core/sink.js';
import { buildChannel, channelFromUri, defaultChannelContext } from './build.js';
import type { AlertChannel, ChannelContext } from './channel.js';
import { loadAlertsConfig } from './config/load.js';
import { AlertConfigError } from './errors.js';
import { openOutbox } from './outbox/index.js';
import { alertSink } from './sink.js';

export interface ChannelChoice {
  /** `--alert` URIs, one channel each. */
  readonly uris?: readonly string[];
  /** `--alert-config FILE` (YAML, see docs/alerts.md). */
  readonly configFile?: string | null;
  /** Only these channels of the config file (by name); default all. */
  readonly only?: readonly string[];
  readonly ctx?: ChannelContext;
}

/** Builds every chosen channel. Throws AlertConfigError (exit code 2) on any problem. */
export function loadChannels(choice: ChannelChoice): AlertChannel[] {
  const ctx = choice.ctx ?? defaultChannelContext();
  const channels: AlertChannel[] = [];
  if (choice.configFile) {
    const config = loadAlertsConfig(choice.configFile);
    const names = new Set(config.channels.map((c) => c.name));
    for (const n of choice.only ?? []) if (!names.has(n)) throw new AlertConfigError(`no channel named "${n}" in ${choice.configFile} (it has: ${[...names].join(', ')})`);
    for (const spec of config.channels) {
      if (choice.only && choice.only.length > 0 && !choice.only.includes(spec.name ?? '')) continue;
      channels.push(buildChannel(spec, ctx));
    }
  }
  for (const uri of choice.uris ?? []) channels.push(channelFromUri(uri, ctx));
  const seen = new Set<string>();
  for (const c of channels) {
    if (seen.has(c.id)) throw new AlertConfigError(`two alert channels share the name "${c.id}" (give one a different name)`);
    seen.add(c.id);
  }
  return channels;
}

export interface CreateAlertSinkOptions extends ChannelChoice {
  /** `--store PATH`; default the store's default location. */
  readonly storePath?: string | null;
  /** Longest wait at the end of the scan for alerts to be delivered (default 30 s). */
  readonly flushTimeoutMs?: number;
  readonly report?: (line: string) => void;
}

/**
 * The sink for `exhunt scan --alert URI...`: channels built (configuration errors throw here,
 * before the scan starts), outbox opened in the store, closed again after the final flush.
 */
export function createAlertSink(options: CreateAlertSinkOptions): Sink {
  const channels = loadChannels(options);
  if (channels.length === 0) throw new AlertConfigError('no alert channel given');
  const opened = openOutbox({ path: options.storePath ?? null });
  return alertSink({
    channels,
    store: opened.outbox,
    ...(options.flushTimeoutMs !== undefined ? { flushTimeoutMs: options.flushTimeoutMs } : {}),
    ...(options.report ? { report: options.report } : {}),
    release: () => opened.close(),
  });
}
