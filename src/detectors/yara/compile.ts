/**
 * @module Compiles all YARA rules of a run once: rule files and folders (`--yara`), log rule
 * sets (`--yara-logs`) and the YARA entries of CISA CHIRP files, with the externals of
 * signature-base and Loki declared. Three sets come out (see docs/yara.md):
 * - `text`: rules for text files (all rules except those requiring a binary header),
 * - `binary`: rules for binary files (all rules except those written for text only),
 * - `logs`: rules for log lines (signature-base's LOG rules, `--yara-logs`, CHIRP log entries),
 *   with its gate (line-gate.ts): the same rules cut down to the strings they need, run once over
 *   a batch of lines to find the few lines worth an exact scan.
 *
 * A unit (a file or a CHIRP entry) that does not compile is reported with its file, line and
 * reason and left out; the others still compile. Units are checked one by one only when a set
 * does not compile as a whole (or when `checkEach` asks for it, as `exhunt yara check` does).
 */
import { ContentError } from '../../core/errors.js';
import type { EngineIssue, ScanLimits, ScanSet, UnitSource, YaraEngine } from './engine.js';
import { openEngine } from './engines.js';
import type { EngineInfo } from './loader.js';
import { gateLimits } from './line-batch.js';
import { gateUnits } from './line-gate.js';
import { ruleLiterals, unionRuleLiterals } from './literals.js';
import { RuleCache } from './cache.js';
import { EXTERNALS, binaryOnly, externalsOf, isLogRule, isWebshellRule, ruleReferences, writtenForText } from './rule-class.js';
import type { RuleText } from './rule-text.js';
import type { RuleUnit, SourceIssue } from './sources.js';
import { NamespaceAllocator, collectUnits } from './sources.js';

export const DEFAULT_LIMITS: ScanLimits = { timeoutMs: 30_000, maxMatchesPerPattern: 10_000 };

export interface YaraCompileOptions {
  /** Rule files and folders, and CHIRP YAML files (`--yara`). */
  readonly rules?: readonly string[];
  /** Rule files and folders whose rules run on log lines only (`--yara-logs`). */
  readonly logRules?: readonly string[];
  /** Engine to use; default: the YARA-X binding, else the `yara` command. */
  readonly engine?: YaraEngine;
  /** Check every unit on its own even when all compile together (slower; exact counts). */
  readonly checkEach?: boolean;
  readonly limits?: Partial<ScanLimits>;
  /**
   * Folder of the compiled-rules cache (YARA-X only), or false for none. Default: EXHUNT_YARA_CACHE,
   * else the user's cache folder (see cache.ts).
   */
  readonly cache?: string | false;
}

/** A rule source that does not compile: file, line in that file, reason. */
export interface CompileFailure {
  readonly file: string;
  /** Namespace the unit would have had (CHIRP entries: `<file>_<n>`). */
  readonly namespace: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly code: string;
  readonly reason: string;
}

export interface YaraCompileReport {
  readonly engine: EngineInfo;
  /** Files read: rule files and CHIRP files. */
  readonly files: number;
  /** Units: rule files plus CHIRP entries. */
  readonly sources: number;
  /** Units that compiled, and rules in them. */
  readonly compiled: number;
  readonly rules: number;
  /** Units that did not compile, and their errors (one or more per unit). */
  readonly failed: number;
  readonly failures: readonly CompileFailure[];
  /** Rules per compiled set. */
  readonly sets: { readonly text: number; readonly binary: number; readonly logs: number };
  /** Sets loaded from the compiled-rules cache instead of compiled (0-5: three, and the gates). */
  readonly cacheHits: number;
  /**
   * True when log lines are gated (line-gate.ts): every log rule needs one of its strings to
   * match. False when some rule does not (then every candidate line is scanned exactly).
   */
  readonly lineGate: boolean;
  readonly millis: number;
}

/** What the scanner needs to know about a rule beyond what the engine reports with a match. */
export interface RuleFacts {
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
  /** Line of the rule in `file`. */
  readonly line: number;
  readonly webshell: boolean;
  /** CHIRP entry name, when the rule came from one. */
  readonly title?: string;
}

export interface CompiledYara {
  readonly report: YaraCompileReport;
  readonly text: ScanSet | null;
  readonly binary: ScanSet | null;
  readonly logs: ScanSet | null;
  /**
   * The gates of the log set (line-gate.ts), applied in order (fast, then precise when it
   * differs), or null: scan every candidate line exactly.
   */
  readonly logGate: readonly ScanSet[] | null;
  /** Facts per `namespace.rule`. */
  readonly facts: ReadonlyMap<string, RuleFacts>;
  /**
   * Lower-case literals of which every log line a log rule can match contains one (compare with
   * the line lower-cased); null when some log rule gives no such hint (every line is a candidate).
   */
  readonly lineLiterals: readonly string[] | null;
  /** External variables some compiled rule reads (others need not be computed per file). */
  readonly externalsUsed: ReadonlySet<string>;
  readonly limits: ScanLimits;
  close(): void;
}

type SetName = 'text' | 'binary' | 'logs';

/** Picks a unit's rules for a set. `null` = the whole text (the reader could not split it). */
function pick(unit: RuleUnit, set: SetName): ((r: RuleText) => boolean) | 'all' | 'none' {
  if (unit.target === 'logs') return set === 'logs' ? 'all' : 'none';
  if (unit.target === 'files' && set === 'logs') return 'none';
  if (!unit.parsed.complete || unit.parsed.includes.length > 0) return set === 'logs' ? 'none' : 'all';
  if (set === 'text') return (r) => !binaryOnly(r) && !isLogRule(r);
  if (set === 'binary') return (r) => !writtenForText(r) && !isLogRule(r);
  return (r) => isLogRule(r) && !binaryOnly(r);
}

/**
 * The unit's text for a set: the whole text, a subset (imports, the picked rules, the rules they
 * refer to and the file's global rules, in source order), or null when no rule is picked.
 */
export function subsetText(unit: RuleUnit, set: SetName): { text: string; rules: number; picked: readonly RuleText[] | null } | null {
  const p = pick(unit, set);
  const { rules } = unit.parsed;
  if (p === 'none') return null;
  if (p === 'all') return { text: unit.text, rules: rules.length, picked: unit.parsed.complete ? rules.filter((r) => !r.isPrivate) : null };
  const names = new Set(rules.map((r) => r.name));
  const keep = new Set<string>();
  // Global rules only restrict others: a subset needs at least one ordinary public rule.
  const stack = rules.filter((r) => p(r) && !r.isPrivate && !r.isGlobal);
  if (stack.length === 0) return null;
  const byName = new Map(rules.map((r) => [r.name, r]));
  for (const r of rules) if (r.isGlobal) stack.push(r);
  for (let r = stack.pop(); r; r = stack.pop()) {
    if (keep.has(r.name)) continue;
    keep.add(r.name);
    for (const ref of ruleReferences(r, names)) {
      const d = byName.get(ref);
      if (d && !keep.has(ref)) stack.push(d);
    }
  }
  const picked = rules.filter((r) => p(r) && !r.isPrivate);
  if (keep.size === rules.length) return { text: unit.text, rules: rules.length, picked };
  const kept = rules.filter((r) => keep.has(r.name));
  // Only the modules the kept rules use: an unused `import "pe"` still parses every scanned line.
  const used = (m: string): boolean => kept.some((r) => r.condition.some((tok, i) => tok === m && r.condition[i + 1] === '.'));
  const imports = unit.parsed.imports
    .filter(used)
    .map((m) => `import "${m}"\n`)
    .join('');
  const body = kept.map((r) => unit.text.slice(r.start, r.end));
  return { text: `${imports}\n${body.join('\n\n')}\n`, rules: keep.size, picked };
}

export function compileYara(options: YaraCompileOptions): CompiledYara {
  const started = Date.now();
  const engine = options.engine ?? openEngine();
  const cache = options.cache === undefined ? RuleCache.fromEnv() : new RuleCache(options.cache || null);
  const limits: ScanLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const namespaces = new NamespaceAllocator();
  const main = collectUnits(options.rules ?? [], 'auto', namespaces);
  const logs = collectUnits(options.logRules ?? [], 'logs', namespaces);
  const units = [...main.units, ...logs.units];
  const files = [...main.files, ...logs.files];
  const failures: CompileFailure[] = [...main.issues, ...logs.issues].map(sourceFailure);

  const checked = new Map<RuleUnit, EngineIssue[]>();
  const check = (u: RuleUnit): EngineIssue[] => {
    let issues = checked.get(u);
    if (!issues) {
      issues = engine.check({ namespace: u.namespace, text: u.text });
      checked.set(u, issues);
    }
    return issues;
  };
  if (options.checkEach) units.forEach(check);
  const bad = (u: RuleUnit): boolean => (checked.get(u)?.length ?? 0) > 0;

  const counts = { text: 0, binary: 0, logs: 0 };
  let cacheHits = 0;
  let lineLiterals: string[] | null = [];
  let logUnits: UnitSource[] = [];
  const built: ScanSet[] = [];
  const build = (set: SetName): ScanSet | null => {
    const initial = units
      .filter((u) => !bad(u))
      .map((u) => ({ unit: u, sub: subsetText(u, set) }))
      .filter((p): p is { unit: RuleUnit; sub: NonNullable<ReturnType<typeof subsetText>> } => p.sub !== null);
    if (initial.length === 0) return null;
    let pieces = initial;
    const dropped: { namespace: string; issue: EngineIssue }[] = [];
    const finish = (s: ScanSet): ScanSet => {
      counts[set] = pieces.reduce((n, p) => n + p.sub.rules, 0);
      if (set === 'logs') {
        lineLiterals = unionRuleLiterals(pieces.flatMap((p) => (p.sub.picked ? p.sub.picked.map(ruleLiterals) : [null])));
        logUnits = pieces.map((p) => ({ namespace: p.unit.namespace, text: p.sub.text }));
      }
      return s;
    };
    const attempt = (): ScanSet => engine.build(pieces.map((p) => ({ namespace: p.unit.namespace, text: p.sub.text })), limits);
    const drop = (d: { namespace: string; issue: EngineIssue }, u: RuleUnit): void => {
      dropped.push(d);
      failures.push({ ...locate(u, { ...d.issue, line: null }), reason: `could not take the ${set} rules out of this file: ${d.issue.reason}` });
    };

    const key = cache.dir && engine.load && engine.cacheId ? RuleCache.key([engine.cacheId, set, EXTERNALS.join(','), ...initial.flatMap((p) => [p.unit.namespace, p.sub.text])]) : null;
    const hit = key ? cache.get(key) : null;
    if (hit && engine.load) {
      const load = engine.load.bind(engine);
      try {
        // Loaded on first use: a pool's main thread only hands the bytes to its workers.
        const s = lazySet(hit.blob, () => {
          try {
            return load(hit.blob, limits);
          } catch {
            return attempt();
          }
        });
        const byNs = new Map(initial.map((p) => [p.unit.namespace, p.unit]));
        for (const f of hit.meta.failed) {
          const u = byNs.get(f.namespace);
          if (u) checked.set(u, [...f.issues]);
        }
        for (const d of hit.meta.dropped) {
          const u = byNs.get(d.namespace);
          if (u) drop(d, u);
        }
        const gone = new Set(hit.meta.dropped.map((d) => d.namespace));
        pieces = initial.filter((p) => !bad(p.unit) && !gone.has(p.unit.namespace));
        cacheHits += 1;
        return finish(s);
      } catch {
        // A cache entry the engine cannot load: compile as if there were none.
      }
    }

    let result: ScanSet;
    try {
      result = attempt();
    } catch {
      pieces.forEach((p) => check(p.unit));
      pieces = pieces.filter((p) => !bad(p.unit));
      // Rare: a unit compiles whole but not its subset (the reader cut it wrong). Drop the subset.
      for (const p of [...pieces]) {
        if (p.sub.text === p.unit.text) continue;
        const first = engine.check({ namespace: p.unit.namespace, text: p.sub.text })[0];
        if (first) {
          drop({ namespace: p.unit.namespace, issue: first }, p.unit);
          pieces = pieces.filter((x) => x !== p);
        }
      }
      if (pieces.length === 0) return null;
      try {
        result = attempt();
      } catch (e) {
        throw new ContentError(`YARA rules do not compile together: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
    finish(result);
    if (key && result.serialize) {
      const failed = initial.filter((p) => bad(p.unit)).map((p) => ({ namespace: p.unit.namespace, issues: checked.get(p.unit) ?? [] }));
      cache.put(key, result.serialize(), { rules: counts[set], failed, dropped });
    }
    return result;
  };
  const track = (s: ScanSet | null): ScanSet | null => {
    if (s) built.push(s);
    return s;
  };
  let text: ScanSet | null;
  let binary: ScanSet | null;
  let logSet: ScanSet | null;
  let logGate: ScanSet[] | null = null;
  try {
    text = track(build('text'));
    binary = track(build('binary'));
    logSet = track(build('logs'));
    const fast = logSet ? gateUnits(logUnits, 'fast') : null;
    const fastSet = fast ? buildGate(engine, cache, fast, gateLimits(limits)) : null;
    if (fast && fastSet?.set) {
      logGate = [fastSet.set];
      track(fastSet.set);
      if (fastSet.cached) cacheHits += 1;
      const precise = gateUnits(logUnits, 'precise');
      // Only worth a second scan when some regular expression was cut down to its literals.
      const differs = precise !== null && precise.some((u, i) => u.text !== fast[i]?.text);
      const preciseSet = precise && differs ? buildGate(engine, cache, precise, gateLimits(limits)) : null;
      if (preciseSet?.set) {
        logGate.push(preciseSet.set);
        track(preciseSet.set);
        if (preciseSet.cached) cacheHits += 1;
      }
    }
  } catch (e) {
    built.forEach((s) => s.close());
    throw e;
  }

  const facts = new Map<string, RuleFacts>();
  const externalsUsed = new Set<string>();
  let rules = 0;
  let compiled = 0;
  for (const u of units) {
    const issues = checked.get(u) ?? [];
    if (issues.length > 0) {
      for (const i of issues) failures.push(locate(u, i));
      continue;
    }
    compiled += 1;
    rules += u.parsed.rules.length;
    for (const r of u.parsed.rules) {
      facts.set(`${u.namespace}.${r.name}`, {
        namespace: u.namespace,
        name: r.name,
        file: u.file,
        line: u.firstLine + r.line - 1,
        webshell: isWebshellRule(r),
        ...(u.title ? { title: u.title } : {}),
      });
      for (const x of externalsOf(r)) externalsUsed.add(x);
    }
  }
  return {
    report: {
      engine: engine.info,
      files: files.length,
      sources: units.length,
      compiled,
      rules,
      failed: units.length - compiled + main.issues.length + logs.issues.length,
      failures,
      sets: counts,
      cacheHits,
      lineGate: logGate !== null,
      millis: Date.now() - started,
    },
    text,
    binary,
    logs: logSet,
    logGate,
    lineLiterals: logSet ? lineLiterals : [],
    facts,
    externalsUsed,
    limits,
    close: () => built.forEach((s) => s.close()),
  };
}

/**
 * A gate of the log units (line-gate.ts), from the cache or compiled, or null when it does not
 * compile (attacker-controlled text the engine may refuse once cut down): lines are then all
 * scanned exactly, which only costs time.
 */
function buildGate(engine: YaraEngine, cache: RuleCache, gate: readonly UnitSource[], limits: ScanLimits): { set: ScanSet | null; cached: boolean } {
  if (gate.length === 0) return { set: null, cached: false };
  const key = cache.dir && engine.load && engine.cacheId ? RuleCache.key([engine.cacheId, 'log-gate', EXTERNALS.join(','), ...gate.flatMap((u) => [u.namespace, u.text])]) : null;
  const hit = key ? cache.get(key) : null;
  if (hit && engine.load) {
    const load = engine.load.bind(engine);
    const compile = (): ScanSet => {
      try {
        return engine.build(gate, limits);
      } catch (e) {
        // Compiled before, so this does not happen; if it does, batches fall back to exact scans.
        return failingSet(e);
      }
    };
    return {
      set: lazySet(hit.blob, () => {
        try {
          return load(hit.blob, limits);
        } catch {
          return compile();
        }
      }),
      cached: true,
    };
  }
  let set: ScanSet;
  try {
    set = engine.build(gate, limits);
  } catch {
    return { set: null, cached: false };
  }
  if (key && set.serialize) cache.put(key, set.serialize(), { rules: gate.length, failed: [], dropped: [] });
  return { set, cached: false };
}

/** A set whose every scan throws `error` (callers treat that as "could not tell"). */
function failingSet(error: unknown): ScanSet {
  const fail = (): never => {
    throw error instanceof Error ? error : new Error(String(error));
  };
  return { scan: fail, scanPath: fail, scanEach: fail, close: () => undefined };
}

/** A set loaded from serialised bytes when first scanned (`serialize` returns the bytes as they are). */
function lazySet(blob: Buffer, load: () => ScanSet): ScanSet {
  let set: ScanSet | null = null;
  const get = (): ScanSet => (set ??= load());
  return {
    scan: (data, externals) => get().scan(data, externals),
    scanPath: (path, externals) => get().scanPath(path, externals),
    scanEach: (items, externals, onError) => get().scanEach(items, externals, onError),
    close: () => set?.close(),
    serialize: () => blob,
  };
}

function locate(u: RuleUnit, i: EngineIssue): CompileFailure {
  return {
    file: u.file,
    namespace: u.namespace,
    line: i.line === null ? null : u.firstLine + i.line - 1,
    column: i.column,
    code: i.code,
    reason: i.reason,
  };
}

function sourceFailure(i: SourceIssue): CompileFailure {
  return { file: i.file, namespace: '', line: i.line, column: null, code: 'source', reason: i.reason };
}
