/**
 * @module Loads every family of content a scan or watch runs: exhunt's rule packs, Sigma rules
 * (`--sigma`), the merged indicators (bundled pack plus the store, `--no-intel` to leave out).
 * Each family is loaded on demand by its own stage; problems become content errors or warnings
 * with their file and line, and the rest still runs.
 */
import { ContentError } from '../core/errors.js';
import type { DetectorParts, DetectorSet } from './content.js';
import { assembleDetectors, loadRules } from './content.js';

export interface ScanContentOptions {
  /** Extra exhunt content packs (`--rules`). */
  readonly rules?: readonly string[];
  /** Load exhunt's built-in rules (default true). */
  readonly builtin?: boolean;
  /** Sigma rule files and folders (`--sigma`). */
  readonly sigma?: readonly string[];
  /** Extra Sigma pipeline files (`--sigma-pipeline`). */
  readonly sigmaPipelines?: readonly string[];
  /** Values of Sigma `%placeholder%` names for `|expand` (`--sigma-expand NAME=VALUE`). */
  readonly sigmaExpand?: Readonly<Record<string, readonly string[]>>;
  /** Match the merged indicators (bundled pack and store); default true. */
  readonly intel?: boolean;
  /** Store holding imported indicators (`--store`); default its usual place, when it exists. */
  readonly store?: string | null;
}

export async function loadScanDetectors(options: ScanContentOptions = {}): Promise<DetectorSet> {
  const rules = loadRules(options.rules ?? [], options.builtin ?? true);
  let sigma: DetectorParts['sigma'] = null;
  if (options.sigma && options.sigma.length > 0) {
    const { loadSigmaRules } = await import('../detectors/sigma/index.js');
    const r = loadSigmaRules(options.sigma, {
      ...(options.sigmaPipelines ? { pipelines: options.sigmaPipelines } : {}),
      ...(options.sigmaExpand ? { expand: options.sigmaExpand } : {}),
    });
    const asError = (f: { file: string; line?: number; reason: string; code: string }): ContentError =>
      new ContentError(`Sigma (${f.code}): ${f.reason}`, { path: f.file, ...(f.line !== undefined ? { line: f.line } : {}) });
    sigma = {
      detectors: r.detectors,
      correlations: r.correlations,
      // A rule that needs placeholder values the user did not give is skipped, as Sigma tools do.
      errors: r.failed.filter((f) => f.code !== 'placeholder').map(asError),
      warnings: [...r.failed.filter((f) => f.code === 'placeholder'), ...r.warnings].map(asError),
    };
  }
  let intel: DetectorParts['intel'] = null;
  if (options.intel !== false) {
    // The loader alone: the intel index also exports the import formats and their parsers.
    const { loadIntel } = await import('../intel/load.js');
    const set = await loadIntel({ store: options.store ?? null });
    intel = {
      detectors: set.detectors,
      hashes: set.hashes,
      indicators: set.stats.active,
      errors: set.errors.map((e) => new ContentError(`intel: ${e}`)),
    };
  }
  return assembleDetectors({ rules, sigma, intel });
}
