/**
 * @module From command-line flags and the config file to a watch setup: the inputs, the state
 * store file, the content, the channels (built, so a bad URI or config fails before anything
 * runs) and the intervals. Shared by `exhunt watch` and `exhunt watch --check`.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AlertChannel } from '../alerts/channel.js';
import { buildChannel, defaultChannelContext } from '../alerts/build.js';
import { parseDuration } from '../alerts/duration.js';
import { AlertConfigError } from '../alerts/errors.js';
import { loadChannels } from '../alerts/setup.js';
import { UsageError } from '../core/errors.js';
import type { ScanContentOptions } from '../engine/load-detectors.js';
import { exhuntHome, STORE_FILE_NAME } from '../store/index.js';
import type { WatchConfig } from './config.js';
import { loadWatchConfig } from './config.js';
import type { StartMode } from './state.js';
import type { WatchOptions } from './watcher.js';

/** The flags of `exhunt watch` (commander's shape). */
export interface WatchFlags {
  readonly config?: string;
  readonly state?: string;
  readonly alert: readonly string[];
  readonly alertConfig?: string;
  readonly fromNow?: boolean;
  readonly fromStart?: boolean;
  readonly jsonl?: string;
  readonly host?: string;
  readonly rules: readonly string[];
  readonly builtin: boolean;
  readonly sigma: readonly string[];
  readonly sigmaPipeline: readonly string[];
  readonly sigmaExpand?: Readonly<Record<string, string[]>>;
  readonly intel: boolean;
  readonly store?: string;
  readonly maxCpu?: string;
  readonly poll?: string;
  readonly rescan?: string;
  readonly reload?: string;
  readonly eventLog: readonly string[];
}

export interface WatchSetup {
  readonly configFile: string | null;
  readonly inputs: readonly string[];
  readonly stateDir: string;
  readonly stateFile: string;
  readonly host: string | null;
  /** Set only when asked for; the first run defaults to `now`. */
  readonly startMode: StartMode | null;
  readonly content: ScanContentOptions;
  readonly channels: readonly AlertChannel[];
  /** A file, '-' (standard output), or null. */
  readonly jsonl: string | null;
  readonly maxCpu: number;
  readonly pollMs: number;
  readonly rescanMs: number;
  readonly settleMs: number;
  readonly reloadMs: number;
  readonly eventLogs: readonly string[];
}

/** Default CPU cap, percent of one core. */
export const DEFAULT_MAX_CPU = 50;

function durationFlag(name: string, value: string | undefined, fromConfig: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fromConfig ?? fallback;
  const ms = parseDuration(value);
  if (ms === null || (ms === 0 && !allowZero)) throw new UsageError(`${name}: not a duration: "${value}" (e.g. 500ms, 5s, 2m)`);
  return ms;
}

/** Resolves flags over the config file (flags win). Throws UsageError / AlertConfigError. */
export function resolveWatchSetup(paths: readonly string[], flags: WatchFlags): WatchSetup {
  const config: WatchConfig | null = flags.config ? loadWatchConfig(flags.config) : null;
  if (flags.fromNow && flags.fromStart) throw new UsageError('--from-now and --from-start exclude each other');
  const inputs = paths.length > 0 ? paths : (config?.paths ?? []);
  const stateDir = resolve(flags.state ?? config?.state ?? exhuntHome());
  const stateFile = /\.db$/i.test(stateDir) && !isDir(stateDir) ? stateDir : join(stateDir, STORE_FILE_NAME);
  const builtin = flags.builtin && config?.builtin !== false;
  const rules = flags.rules.length > 0 ? flags.rules : (config?.rules ?? []);
  if (!builtin && rules.length === 0) throw new UsageError('--no-builtin needs at least one --rules DIR');
  const content: ScanContentOptions = {
    rules,
    builtin,
    sigma: flags.sigma.length > 0 ? flags.sigma : (config?.sigma ?? []),
    sigmaPipelines: flags.sigmaPipeline.length > 0 ? flags.sigmaPipeline : (config?.sigmaPipelines ?? []),
    sigmaExpand: flags.sigmaExpand && Object.keys(flags.sigmaExpand).length > 0 ? flags.sigmaExpand : (config?.sigmaExpand ?? {}),
    intel: flags.intel && config?.intel !== false,
    // Indicators imported into the state store apply by default: one file holds everything.
    store: flags.store ?? config?.store ?? stateFile,
  };
  const ctx = defaultChannelContext();
  const channels: AlertChannel[] = [];
  for (const spec of config?.channels ?? []) channels.push(buildChannel(spec, ctx));
  channels.push(...loadChannels({ uris: flags.alert, configFile: flags.alertConfig ?? config?.alertsConfig ?? null, ctx }));
  const ids = new Set<string>();
  for (const c of channels) {
    if (ids.has(c.id)) throw new AlertConfigError(`two alert channels share the name "${c.id}" (give one a different name)`);
    ids.add(c.id);
  }
  let maxCpu = config?.maxCpu ?? DEFAULT_MAX_CPU;
  if (flags.maxCpu !== undefined) {
    maxCpu = Number(flags.maxCpu.replace(/%$/, ''));
    if (!Number.isFinite(maxCpu) || maxCpu < 0 || maxCpu > 100) throw new UsageError(`--max-cpu: a percentage of one core, 0 to 100 (0: no cap), not "${flags.maxCpu}"`);
  }
  return {
    configFile: flags.config ?? null,
    inputs,
    stateDir,
    stateFile,
    host: flags.host ?? config?.host ?? null,
    startMode: flags.fromNow ? 'now' : flags.fromStart ? 'start' : (config?.start ?? null),
    content,
    channels,
    jsonl: flags.jsonl ?? config?.jsonl ?? null,
    maxCpu,
    pollMs: durationFlag('--poll', flags.poll, config?.poll, 1000),
    rescanMs: durationFlag('--rescan', flags.rescan, config?.rescan, 300_000),
    settleMs: config?.settle ?? 1000,
    reloadMs: durationFlag('--reload', flags.reload, config?.reload, 10_000, true),
    eventLogs: flags.eventLog.length > 0 ? flags.eventLog : (config?.eventLogs ?? []),
  };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Creates the state folder when missing. */
export function ensureStateDir(setup: WatchSetup): void {
  try {
    mkdirSync(resolve(setup.stateFile, '..'), { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create the state folder ${setup.stateDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The watcher options of a setup, apart from the callbacks. */
export function watchOptions(setup: WatchSetup): Omit<WatchOptions, 'onFindings' | 'onDiagnostic' | 'onEvent'> {
  return {
    inputs: setup.inputs,
    stateFile: setup.stateFile,
    host: setup.host,
    ...(setup.startMode ? { startMode: setup.startMode } : {}),
    content: setup.content,
    channels: setup.channels,
    jsonl: setup.jsonl === '-' ? null : setup.jsonl,
    maxCpu: setup.maxCpu,
    pollMs: setup.pollMs,
    rescanMs: setup.rescanMs,
    settleMs: setup.settleMs,
    reloadMs: setup.reloadMs,
    eventLogs: setup.eventLogs,
  };
}
