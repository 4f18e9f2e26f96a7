/**
 * @module Loads the built-in content pack plus the user's packs and compiles them into
 * detectors, routed by record kind with each kind's prefilter literals.
 */
import type { ContentError } from '../core/errors.js';
import type { RecordKind } from '../core/origin.js';
import type { Severity } from '../core/severity.js';
import { loadContent } from '../content/load.js';
import { builtinContentDir } from '../content/package-root.js';
import type { RuleDetector } from '../detectors/rules/index.js';
import { compileRules, unionLiterals } from '../detectors/rules/index.js';

export interface DetectorSet {
  readonly detectors: readonly RuleDetector[];
  /** Detectors per record kind, in rule id order. */
  readonly byKind: ReadonlyMap<RecordKind, readonly RuleDetector[]>;
  /** Prefilter per log kind: union of its detectors' literals, or null (every line). */
  readonly literalsByKind: ReadonlyMap<RecordKind, readonly string[] | null>;
  /** Rules that are raised beside other evidence. */
  readonly escalations: ReadonlyMap<string, Severity>;
  readonly errors: readonly ContentError[];
}

export function loadDetectors(userPacks: readonly string[] = [], includeBuiltin = true): DetectorSet {
  const packs = [
    ...(includeBuiltin ? [{ dir: builtinContentDir(), builtin: true }] : []),
    ...userPacks.map((dir) => ({ dir, builtin: false })),
  ];
  const pack = loadContent(packs);
  const compiled = compileRules(pack.rules, pack.indicatorSets);
  const detectors = [...compiled.detectors].sort((a, b) => (a.id < b.id ? -1 : 1));
  const byKind = new Map<RecordKind, RuleDetector[]>();
  for (const d of detectors) {
    for (const k of d.kinds) byKind.set(k, [...(byKind.get(k) ?? []), d]);
  }
  const literalsByKind = new Map<RecordKind, readonly string[] | null>();
  for (const [k, ds] of byKind) literalsByKind.set(k, unionLiterals(ds.map((d) => d.literals)));
  const escalations = new Map<string, Severity>();
  for (const d of detectors) if (d.rule.escalate) escalations.set(d.id, d.rule.escalate.severity);
  return { detectors, byKind, literalsByKind, escalations, errors: [...pack.errors, ...compiled.errors] };
}
