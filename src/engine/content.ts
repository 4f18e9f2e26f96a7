/**
 * @module The detectors of a run, from every kind of content: exhunt's rules and indicator sets
 * (content packs), Sigma rules and correlations, and the merged intel indicators. Each family is
 * loaded by its own stage; this module only puts them side by side, routed by record kind with
 * each kind's prefilter literals, so that scan and watch hand records to one {@link DetectorSet}.
 */
import type { ColumnProbe, Detector } from '../core/detector.js';
import type { ContentError } from '../core/errors.js';
import type { Hit } from '../core/finding.js';
import type { RecordKind } from '../core/origin.js';
import type { LogRecord } from '../core/record.js';
import type { Severity } from '../core/severity.js';
import { loadContent } from '../content/load.js';
import { builtinContentDir } from '../content/package-root.js';
import type { RuleDetector } from '../detectors/rules/index.js';
import { compileRules, unionLiterals } from '../detectors/rules/index.js';
import type { ExtraHash } from '../sources/files/index.js';

/** Correlates hits of other detectors over time (Sigma correlation rules). */
export interface Correlator {
  /** Whether hits of this detector id feed the correlator. */
  accepts(ruleId: string): boolean;
  /** Feeds one hit (with its record), in time order; returns the correlations it completes. */
  feed(hit: Hit, record: LogRecord): Hit[];
  /** Closes the windows still open at the end of the input. */
  finish(): Hit[];
}

/** exhunt's own rules from content packs. */
export interface RuleSet {
  readonly detectors: readonly RuleDetector[];
  /** Rules that are raised beside other evidence. */
  readonly escalations: ReadonlyMap<string, Severity>;
  readonly errors: readonly ContentError[];
}

export interface DetectorSet {
  readonly detectors: readonly Detector[];
  /** Detectors per record kind, in id order. */
  readonly byKind: ReadonlyMap<RecordKind, readonly Detector[]>;
  /** Prefilter per log kind: union of its detectors' literals, or null (every line). */
  readonly literalsByKind: ReadonlyMap<RecordKind, readonly string[] | null>;
  /** Column probes per log kind (see `Detector.probe`), run beside its literals; absent: none. */
  readonly probesByKind: ReadonlyMap<RecordKind, readonly ColumnProbe[]>;
  /** Rules that are raised beside other evidence. */
  readonly escalations: ReadonlyMap<string, Severity>;
  /** Detectors whose hits only feed correlations and are never findings themselves. */
  readonly feedOnly: ReadonlySet<string>;
  readonly correlators: readonly Correlator[];
  /** File hashes besides SHA-256 that some indicator needs. */
  readonly fileHashes: ReadonlySet<ExtraHash>;
  /** Problems with content; the rest loaded. */
  readonly errors: readonly ContentError[];
  /** Content that was skipped for a reason the user may accept (a Sigma rule that needs `--sigma-expand` values). */
  readonly warnings: readonly ContentError[];
  /** How many of each family are active (for the summary and `exhunt version`). */
  readonly counts: { readonly rules: number; readonly sigma: number; readonly correlations: number; readonly indicators: number };
}

/** The kind's column probes as `ParseOptions` (nothing when it has none). */
export function probesFor(set: DetectorSet, kind: RecordKind): { readonly probes?: readonly ColumnProbe[] } {
  const probes = set.probesByKind.get(kind);
  return probes ? { probes } : {};
}

/** Loads the built-in content pack plus the user's packs and compiles their rules. */
export function loadRules(userPacks: readonly string[] = [], includeBuiltin = true): RuleSet {
  const packs = [
    ...(includeBuiltin ? [{ dir: builtinContentDir(), builtin: true }] : []),
    ...userPacks.map((dir) => ({ dir, builtin: false })),
  ];
  const pack = loadContent(packs);
  const compiled = compileRules(pack.rules, pack.indicatorSets);
  const detectors = [...compiled.detectors].sort((a, b) => (a.id < b.id ? -1 : 1));
  const escalations = new Map<string, Severity>();
  for (const d of detectors) if (d.rule.escalate) escalations.set(d.id, d.rule.escalate.severity);
  return { detectors, escalations, errors: [...pack.errors, ...compiled.errors] };
}

export interface DetectorParts {
  readonly rules: RuleSet;
  /** Sigma detectors (a `standalone: false` one only feeds correlations) and correlations. */
  readonly sigma?: {
    readonly detectors: readonly (Detector & { readonly standalone: boolean })[];
    readonly correlations: readonly Correlator[];
    readonly errors: readonly ContentError[];
    readonly warnings: readonly ContentError[];
  } | null;
  /** Indicator detectors (one per kind) with the file hashes they need and their count. */
  readonly intel?: {
    readonly detectors: readonly Detector[];
    readonly hashes: ReadonlySet<string>;
    readonly indicators: number;
    readonly errors: readonly ContentError[];
  } | null;
}

/** Puts every family's detectors side by side, routed by kind. */
export function assembleDetectors(parts: DetectorParts): DetectorSet {
  const sigma = parts.sigma?.detectors ?? [];
  const intel = parts.intel?.detectors ?? [];
  const detectors: Detector[] = [...parts.rules.detectors, ...sigma, ...intel].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byKind = new Map<RecordKind, Detector[]>();
  for (const d of detectors) {
    for (const k of d.kinds) {
      const list = byKind.get(k);
      if (list) list.push(d);
      else byKind.set(k, [d]);
    }
  }
  const literalsByKind = new Map<RecordKind, readonly string[] | null>();
  const probesByKind = new Map<RecordKind, readonly ColumnProbe[]>();
  for (const [k, ds] of byKind) {
    literalsByKind.set(k, unionLiterals(ds.map((d) => d.literals)));
    const probes = ds.flatMap((d) => (d.probe ? [d.probe] : []));
    if (probes.length > 0) probesByKind.set(k, probes);
  }
  const fileHashes = new Set<ExtraHash>();
  for (const h of parts.intel?.hashes ?? []) if (h === 'md5' || h === 'sha1' || h === 'sha512') fileHashes.add(h);
  return {
    detectors,
    byKind,
    literalsByKind,
    probesByKind,
    escalations: parts.rules.escalations,
    feedOnly: new Set(sigma.filter((d) => !d.standalone).map((d) => d.id)),
    correlators: parts.sigma?.correlations ?? [],
    fileHashes,
    errors: [...parts.rules.errors, ...(parts.sigma?.errors ?? []), ...(parts.intel?.errors ?? [])],
    warnings: parts.sigma?.warnings ?? [],
    counts: {
      rules: parts.rules.detectors.length,
      sigma: sigma.length,
      correlations: parts.sigma?.correlations.length ?? 0,
      indicators: parts.intel?.indicators ?? 0,
    },
  };
}

/** exhunt's rules alone (built-in plus packs), as a detector set: `exhunt rules`, tests, benches. */
export function loadDetectors(userPacks: readonly string[] = [], includeBuiltin = true): DetectorSet {
  return assembleDetectors({ rules: loadRules(userPacks, includeBuiltin) });
}
