/**
 * @module The library entry points the CLI calls: `runInventory` (arguments → observations →
 * reports, stored in the history) and `runProbe` (targets → probe → reports, stored), and the
 * exit code both commands share.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { ContentError, InputError } from '../core/errors.js';
import { exhuntVersion } from '../content/package-root.js';
import { loadExchangeContent, type ExchangeContent } from './content/load.js';
import { evaluate } from './evaluate.js';
import { HistoryStore, type RunKind } from './history/store.js';
import { observeArgument } from './observe/index.js';
import { probeAll, type ProbeOptions, type ProbeOutcome } from './probe/probe.js';
import type { Target } from './probe/targets.js';
import type { Observation, ServerReport } from './types.js';

export interface CommonRunOptions {
  /** Folder with builds.yaml, products.yaml, fixes.yaml (default: the built-in content/exchange). */
  readonly contentDir?: string;
  /** YYYY-MM-DD for support status (default: today). */
  readonly asOf?: string;
  /**
   * The store to record the run in: `--store PATH` (file or folder), null for the default
   * location (see src/store/location.ts), false to record nothing (`--no-store`).
   */
  readonly store: string | null | false;
}

export interface RunResult {
  readonly reports: ServerReport[];
  readonly diagnostics: Diagnostic[];
  readonly runId: number | null;
  /** The store file the run was recorded in; null when it was not recorded. */
  readonly storeLocation: string | null;
  readonly startedAt: string;
}

/** Loads the content or throws a ContentError listing every problem (file:line: message). */
export function loadContentOrThrow(dir?: string): ExchangeContent {
  const { content, errors } = loadExchangeContent(dir);
  if (!content) throw new ContentError(`invalid Exchange content:\n  ${errors.map((e) => e.message).join('\n  ')}`);
  return content;
}

interface Recorded {
  readonly runId: number | null;
  readonly storeLocation: string | null;
}

/** Records a run with at least one server in the store (unless `store` is false). */
async function record(store: string | null | false, kind: RunKind, startedAt: string, inputs: readonly string[], reports: readonly ServerReport[]): Promise<Recorded> {
  if (store === false || reports.length === 0) return { runId: null, storeLocation: null };
  const history = HistoryStore.open({ path: store });
  try {
    const runId = history.addRun({ kind, startedAt, finishedAt: new Date().toISOString(), exhuntVersion: exhuntVersion(), inputs, reports });
    return { runId, storeLocation: history.location };
  } finally {
    await history.close();
  }
}

export interface InventoryRunOptions extends CommonRunOptions {
  readonly inputs: readonly string[];
  /** Name for a bare build argument. */
  readonly host?: string;
}

export async function runInventory(options: InventoryRunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const content = loadContentOrThrow(options.contentDir);
  const observations: Observation[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const input of options.inputs) {
    try {
      const r = await observeArgument(input, options.host !== undefined ? { host: options.host } : {});
      observations.push(...r.observations);
      diagnostics.push(...r.diagnostics);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      diagnostics.push({ level: 'error', code: 'bad-input', message: e.message, path: input, input });
    }
  }
  const reports = observations.map((o) => evaluate(o, content, options.asOf !== undefined ? { asOf: options.asOf } : {}));
  const recorded = await record(options.store, 'inventory', startedAt, options.inputs, reports);
  return { reports, diagnostics, ...recorded, startedAt };
}

export interface ProbeRunOptions extends CommonRunOptions {
  readonly targets: readonly Target[];
  readonly probe: ProbeOptions;
  readonly concurrency: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ProbeRunResult extends RunResult {
  readonly outcomes: ProbeOutcome[];
}

export async function runProbe(options: ProbeRunOptions): Promise<ProbeRunResult> {
  const startedAt = new Date().toISOString();
  const content = loadContentOrThrow(options.contentDir);
  const outcomes = await probeAll(options.targets, content.catalog, options.probe, options.concurrency, options.onProgress);
  const reports = outcomes.map((o) => evaluate(o.observation, content, options.asOf !== undefined ? { asOf: options.asOf } : {}));
  const diagnostics: Diagnostic[] = outcomes
    .filter((o) => o.error !== null)
    .map((o) => ({ level: 'warning', code: 'unreachable', message: `not reachable: ${o.error ?? ''}`, path: o.target.label, input: o.target.label }));
  const recorded = await record(options.store, 'probe', startedAt, options.targets.map((t) => t.label), reports);
  return { reports, diagnostics, ...recorded, startedAt, outcomes };
}

/**
 * 1 when any server is open to an exploited family (with `strict`, also when any family cannot be
 * told); otherwise 2 when an input could not be read; otherwise 0.
 */
export function inventoryExitCode(reports: readonly ServerReport[], diagnostics: readonly Diagnostic[], strict: boolean): 0 | 1 | 2 {
  const exploited = (r: ServerReport, status: 'open' | 'unknown'): boolean => r.families.some((f) => f.exploited && f.status === status);
  if (reports.some((r) => exploited(r, 'open') || (strict && exploited(r, 'unknown')))) return 1;
  if (diagnostics.some((d) => d.level === 'error')) return 2;
  return 0;
}
