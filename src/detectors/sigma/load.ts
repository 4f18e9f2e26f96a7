/**
 * @module `loadSigmaRules`: parse → process → compile for a whole rule collection.
 *
 * 1. parse: every file into typed rules, filters and correlations (collection.ts, rule/);
 * 2. process: the pipelines (content/pipelines plus the user's) give each rule the log sources
 *    its `logsource` fits; filters are attached to the rules they name; correlations are linked
 *    to the rules they correlate;
 * 3. compile: each rule once into a predicate (compile/evaluator.ts) and a prefilter
 *    (compile/literals.ts), wrapped in a SigmaDetector; each top-level correlation into a
 *    SigmaCorrelator.
 */
import type { CompiledDetection, Predicate } from './compile/evaluator.js';
import { compileDetection } from './compile/evaluator.js';
import { detectionLiterals } from './compile/literals.js';
import type { CollectionResult } from './collection.js';
import { loadCollection, loadText } from './collection.js';
import type { ModifierContext } from './rule/modifiers.js';
import type { CorrelationRef, CorrelatorLimits } from './correlation/correlator.js';
import { DEFAULT_LIMITS, SigmaCorrelator } from './correlation/correlator.js';
import { SigmaDetector } from './detector.js';
import type { SigmaLoadFailure } from './errors.js';
import { SigmaError, toFailure } from './errors.js';
import { builtinPipelineFiles, loadPipelines } from './pipeline/load.js';
import { Router } from './pipeline/router.js';
import type { LogSource, SigmaCorrelation, SigmaFilter, SigmaRule } from './rule/types.js';
import { ruleIdOf } from './hit.js';

export interface SigmaLoadOptions {
  /** Extra pipeline files, loaded after the built-in ones (an entry with a known id replaces it). */
  readonly pipelines?: readonly string[];
  /** Leave out the built-in pipelines (content/pipelines). Default false. */
  readonly noBuiltinPipelines?: boolean;
  /** Values of `%placeholder%` names for `|expand`. A rule using a placeholder not given here fails. */
  readonly expand?: Readonly<Record<string, readonly string[]>>;
  /** Memory bounds of correlations. */
  readonly correlationLimits?: Partial<CorrelatorLimits>;
}

/** A rule that loaded but that no exhunt log source fits (e.g. `product: aws`): it never runs. */
export interface UnroutedRule {
  readonly file: string;
  readonly rule: string;
  readonly logsource: LogSource;
}

export interface SigmaLoadResult {
  /** One detector per detection rule that fits an exhunt log source. */
  readonly detectors: SigmaDetector[];
  /** Top-level correlation rules (those no other correlation builds on). */
  readonly correlations: SigmaCorrelator[];
  /** Documents (rules, filters, correlations) that loaded. */
  readonly loaded: number;
  readonly failed: SigmaLoadFailure[];
  readonly unrouted: UnroutedRule[];
  /** Problems that do not stop a rule (a filter naming a rule that was not loaded). */
  readonly warnings: SigmaLoadFailure[];
  /** Rule files read. */
  readonly files: number;
}

/** Loads rule files and folders (see the module doc). Never throws for a bad rule or file. */
export function loadSigmaRules(paths: readonly string[], options: SigmaLoadOptions = {}): SigmaLoadResult {
  return build((ctx) => loadCollection(paths, ctx), options);
}

/** Loads the documents of one YAML text as if it were the file `file` (tests, tools). */
export function loadSigmaText(text: string, file: string, options: SigmaLoadOptions = {}): SigmaLoadResult {
  return build((ctx) => {
    const r = loadText(text, file, ctx);
    return { documents: r.documents.map((doc) => ({ doc, displayFile: file, license: doc.license ?? 'unknown' })), errors: r.errors, files: 1 };
  }, options);
}

function build(collect: (ctx: ModifierContext) => CollectionResult, options: SigmaLoadOptions): SigmaLoadResult {
  const failed: SigmaLoadFailure[] = [];
  const warnings: SigmaLoadFailure[] = [];
  const pipelineFiles = [...(options.noBuiltinPipelines ? [] : builtinPipelineFiles()), ...(options.pipelines ?? [])];
  const pipes = loadPipelines(pipelineFiles);
  failed.push(...pipes.errors.map((e) => toFailure(e)));
  const router = new Router(pipes.entries);

  const expand = options.expand ?? {};
  const lowerExpand = new Map(Object.entries(expand).map(([k, v]) => [k.toLowerCase(), v]));
  const ctx = { placeholder: (name: string) => expand[name] ?? lowerExpand.get(name.toLowerCase()) };
  const coll = collect(ctx);
  failed.push(...coll.errors.map((e) => toFailure(e)));

  interface RuleEntry {
    readonly rule: SigmaRule;
    readonly displayFile: string;
    readonly license: string;
    readonly compiled: CompiledDetection;
    readonly filters: { id: string; predicate: Predicate }[];
    standalone: boolean;
  }
  const rules: RuleEntry[] = [];
  const filters: { f: SigmaFilter; displayFile: string }[] = [];
  const correlations: { c: SigmaCorrelation; displayFile: string; license: string }[] = [];
  const byRef = new Map<string, { kind: 'rule'; entry: RuleEntry } | { kind: 'correlation'; index: number }>();
  let loaded = 0;

  const register = (names: (string | undefined)[], target: { kind: 'rule'; entry: RuleEntry } | { kind: 'correlation'; index: number }, file: string, line: number): boolean => {
    for (const n of names) {
      if (n === undefined) continue;
      if (byRef.has(n)) {
        failed.push({ file, line, code: 'reference', reason: `duplicate rule id or name ${JSON.stringify(n)}: the first one loaded is kept` });
        return false;
      }
    }
    for (const n of names) if (n !== undefined) byRef.set(n, target);
    return true;
  };

  for (const { doc, displayFile, license } of coll.documents) {
    if (doc.kind === 'rule') {
      const compiled = guard(() => compileDetection(doc.detection), doc.file, doc.pos.line, failed);
      if (!compiled) continue;
      const entry: RuleEntry = { rule: doc, displayFile, license, compiled, filters: [], standalone: true };
      if (register([doc.id, doc.name], { kind: 'rule', entry }, doc.file, doc.pos.line)) {
        rules.push(entry);
        loaded++;
      }
    } else if (doc.kind === 'filter') {
      filters.push({ f: doc, displayFile });
      loaded++;
    } else {
      const index = correlations.length;
      if (register([doc.id, doc.name], { kind: 'correlation', index }, doc.file, doc.pos.line)) {
        correlations.push({ c: doc, displayFile, license });
      }
    }
  }

  // Filters: `rule and not filter` for every rule a filter names whose log source it fits.
  for (const { f } of filters) {
    const predicate = guard(() => compileDetection(f.detection).predicate, f.file, f.pos.line, failed);
    if (!predicate) continue;
    for (const ref of f.rules) {
      const t = byRef.get(ref);
      if (!t || t.kind !== 'rule') {
        warnings.push({ file: f.file, line: f.pos.line, code: 'reference', reason: `filter ${JSON.stringify(f.title)}: rule ${JSON.stringify(ref)} is not loaded` });
        continue;
      }
      if (!logsourceFits(f.logsource, t.entry.rule.logsource)) {
        warnings.push({ file: f.file, line: f.pos.line, code: 'reference', reason: `filter ${JSON.stringify(f.title)}: its logsource does not fit rule ${JSON.stringify(ref)}; not applied` });
        continue;
      }
      t.entry.filters.push({ id: ruleIdOf(f), predicate });
    }
  }

  // Correlations, depth first (a correlation may build on another); cycles and unknown names fail.
  const built = new Map<number, SigmaCorrelator | null>();
  const referenced = new Set<number>();
  const limits = { ...DEFAULT_LIMITS, ...options.correlationLimits };
  const detectorsById = new Map<string, SigmaDetector>();
  const detectors: SigmaDetector[] = [];
  const unrouted: UnroutedRule[] = [];

  // Detectors first: correlations read fields through them.
  for (const e of rules) {
    const routes = router.routesFor(e.rule.logsource);
    if (routes.length === 0) {
      unrouted.push({ file: e.rule.file, rule: ruleIdOf(e.rule), logsource: e.rule.logsource });
      continue;
    }
    const d = guard(
      () =>
        new SigmaDetector({
          rule: e.rule,
          compiled: e.compiled,
          router,
          routes,
          filters: e.filters,
          literals: detectionLiterals(e.rule.detection, routes.map((i) => router.routes[i]!)),
          license: e.license,
          file: e.displayFile,
          standalone: true,
        }),
      e.rule.file,
      e.rule.pos.line,
      failed,
    );
    if (!d) continue;
    detectors.push(d);
    detectorsById.set(d.id, d);
  }

  const build = (index: number, stack: number[]): SigmaCorrelator | null => {
    if (built.has(index)) return built.get(index)!;
    const { c, displayFile, license } = correlations[index]!;
    if (stack.includes(index)) {
      failed.push({ file: c.file, line: c.pos.line, code: 'reference', reason: `correlation ${JSON.stringify(c.title)} refers to itself through ${stack.length} other correlation(s)` });
      built.set(index, null);
      return null;
    }
    const refs: CorrelationRef[] = [];
    for (const name of c.rules) {
      const t = byRef.get(name);
      if (!t) {
        failed.push({ file: c.file, line: c.pos.line, code: 'reference', reason: `correlation ${JSON.stringify(c.title)}: rule ${JSON.stringify(name)} is not loaded` });
        built.set(index, null);
        return null;
      }
      if (t.kind === 'rule') {
        const d = detectorsById.get(ruleIdOf(t.entry.rule));
        if (!d) {
          failed.push({ file: c.file, line: c.pos.line, code: 'reference', reason: `correlation ${JSON.stringify(c.title)}: rule ${JSON.stringify(name)} fits no exhunt log source` });
          built.set(index, null);
          return null;
        }
        refs.push({ kind: 'rule', ruleId: d.id, names: [name, ...d.names], read: (rec, field) => d.view(rec)?.values(field)?.[0], tags: d.rule.tags });
      } else {
        const nested = build(t.index, [...stack, index]);
        if (!nested) {
          failed.push({ file: c.file, line: c.pos.line, code: 'reference', reason: `correlation ${JSON.stringify(c.title)}: correlation ${JSON.stringify(name)} failed to load` });
          built.set(index, null);
          return null;
        }
        referenced.add(t.index);
        refs.push({ kind: 'correlation', correlator: nested, names: [name, ...[nested.rule.id, nested.rule.name].filter((x): x is string => x !== undefined)] });
      }
    }
    const corr = new SigmaCorrelator(c, refs, license, displayFile, limits);
    built.set(index, corr);
    return corr;
  };
  correlations.forEach((_, i) => build(i, []));
  const topLevel: SigmaCorrelator[] = [];
  built.forEach((corr, i) => {
    if (!corr) return;
    loaded++;
    if (!referenced.has(i)) topLevel.push(corr);
    // Rules a correlation uses are not findings on their own unless it says `generate: true`.
    if (!corr.rule.generate) {
      for (const r of corr.refs) if (r.kind === 'rule') markCorrelationOnly(detectorsById.get(r.ruleId));
    }
  });

  return { detectors, correlations: topLevel, loaded, failed: dedupe(failed), unrouted, warnings, files: coll.files };
}

/**
 * Runs one compile step for one document; an unexpected exception (a bug, never a rule problem,
 * which parsing reports) fails that document instead of the whole load.
 */
function guard<T>(step: () => T, file: string, line: number, failed: SigmaLoadFailure[]): T | null {
  try {
    return step();
  } catch (e) {
    failed.push({ file, line, code: 'schema', reason: `internal error while compiling the rule: ${e instanceof Error ? e.message : String(e)}` });
    return null;
  }
}

function markCorrelationOnly(d: SigmaDetector | undefined): void {
  if (d) d.standalone = false;
}

/** A filter fits a rule when every log source attribute the filter names is the rule's too. */
function logsourceFits(filter: LogSource, rule: LogSource): boolean {
  return (['category', 'product', 'service'] as const).every((k) => filter[k] === undefined || filter[k] === rule[k]);
}

function dedupe(list: SigmaLoadFailure[]): SigmaLoadFailure[] {
  const seen = new Set<string>();
  return list.filter((f) => {
    const k = `${f.file}:${f.line ?? ''}:${f.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export { SigmaError };
