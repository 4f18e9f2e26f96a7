/**
 * @module The watch config file (`exhunt watch --config FILE`): what to watch, where the state
 * lives, which content runs, and the alert channels (the same `channels:` list as the alerts
 * config, docs/alerts.md). Checked strictly by the alerts config loader: an unknown key is an
 * error, and every problem names the file and line. Command-line options override the file.
 *
 *     paths: [/srv/exchange/EXCH01]     # omit on the Windows server itself: the live server
 *     state: /var/lib/exhunt
 *     host: EXCH01
 *     start: now                        # first run: now | start
 *     jsonl: /var/log/exhunt/findings.jsonl
 *     maxCpu: 50
 *     channels:
 *       - { name: siem, type: syslog, transport: tls, host: siem.example.org, ca: /etc/exhunt/ca.pem }
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { channelSchema } from '../alerts/config/schema.js';
import { checkChannelNames, parseYamlConfig } from '../alerts/config/load.js';
import { parseDuration } from '../alerts/duration.js';
import { AlertConfigError } from '../alerts/errors.js';

const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: "${String(v)}" (use seconds or e.g. 500ms, 30s, 10m)` });
    return z.NEVER;
  }
  return ms;
});

const paths = z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v]));

export const watchConfigSchema = z.strictObject({
  paths: paths.optional().describe('folders or files to watch; omitted on a Windows Exchange server: the live server'),
  state: z.string().min(1).optional().describe('folder of the state store (checkpoints and alert outboxes)'),
  host: z.string().min(1).max(255).optional().describe('host name for findings (default: the host folder or input name)'),
  start: z.enum(['now', 'start']).optional().describe('first run only: follow from the end of existing files (now) or read them (start)'),
  rules: paths.optional().describe('extra content packs'),
  builtin: z.boolean().optional().describe("load exhunt's built-in rules (default true)"),
  sigma: paths.optional().describe('Sigma rule files or folders'),
  sigmaPipelines: paths.optional().describe('extra Sigma pipeline files'),
  sigmaExpand: z.record(z.string(), z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]))).optional(),
  intel: z.boolean().optional().describe('match the indicators (bundled and imported; default true)'),
  store: z.string().min(1).optional().describe('store with imported indicators (default: the state store)'),
  jsonl: z.string().min(1).optional().describe('append every finding to this JSON Lines file, exactly once'),
  maxCpu: z.number().min(0).max(100).optional().describe('CPU cap, percent of one core (0: none)'),
  poll: duration.optional().describe('how often recently written logs are looked at without a change event'),
  rescan: duration.optional().describe('how often the inputs are listed again'),
  settle: duration.optional().describe('a dropped file is read once unchanged this long'),
  reload: duration.optional().describe('how often rules and indicators are checked for updates (0: never)'),
  eventLogs: z.array(z.string().min(1)).optional().describe('Windows event log channels read on the live server'),
  alertsConfig: z.string().min(1).optional().describe('an alerts config file (docs/alerts.md) whose channels are used too'),
  channels: z.array(channelSchema).default([]),
});

export type WatchConfig = z.output<typeof watchConfigSchema>;

/** Parses config text. Relative paths in it are taken from the config file's folder. */
export function parseWatchConfig(text: string, file: string): WatchConfig {
  const config = parseYamlConfig(text, file, watchConfigSchema, (data, at) => checkChannelNames(data.channels, file, at));
  const base = dirname(resolve(file));
  const abs = (p: string): string => (p === '-' || isAbsolute(p) ? p : resolve(base, p));
  const list = (l: readonly string[] | undefined): string[] | undefined => l?.map(abs);
  return {
    ...config,
    ...(config.paths ? { paths: list(config.paths) } : {}),
    ...(config.state ? { state: abs(config.state) } : {}),
    ...(config.rules ? { rules: list(config.rules) } : {}),
    ...(config.sigma ? { sigma: list(config.sigma) } : {}),
    ...(config.sigmaPipelines ? { sigmaPipelines: list(config.sigmaPipelines) } : {}),
    ...(config.store ? { store: abs(config.store) } : {}),
    ...(config.jsonl ? { jsonl: abs(config.jsonl) } : {}),
    ...(config.alertsConfig ? { alertsConfig: abs(config.alertsConfig) } : {}),
  };
}

export function loadWatchConfig(file: string): WatchConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AlertConfigError(`cannot read the watch config: ${e instanceof Error ? e.message : String(e)}`, { path: file });
  }
  return parseWatchConfig(text, file);
}
