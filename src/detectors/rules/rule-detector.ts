/**
 * @module A content rule compiled into a Detector: extract steps, the `where` predicate, grades,
 * evidence selection. Compilation is pure (no I/O) and happens once per run.
 */
import type { Detector, HostContext } from '../../core/detector.js';
import { ContentError } from '../../core/errors.js';
import type { Hit } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import type { LogRecord } from '../../core/record.js';
import type { Outcome, Severity } from '../../core/severity.js';
import type { IndicatorSet, Rule } from '../../content/schema.js';
import type { CompileContext } from './condition.js';
import { compileCondition, compileRegex } from './condition.js';
import type { MatchEnv, Predicate } from './env.js';
import { NO_EXTRACTED, fieldValue } from './env.js';
import { conditionLiterals } from './literals.js';

/** Longest evidence value kept; longer values are cut and marked, so one huge line cannot bloat reports. */
export const MAX_EVIDENCE_CHARS = 4096;

/** Field holding the remote client address, per record kind. */
const CLIENT_IP_FIELD: Partial<Record<RecordKind, string>> = {
  httpproxy: 'ClientIpAddress',
  iis: 'c-ip',
};

interface CompiledGrade {
  readonly when: Predicate;
  readonly severity: Severity | undefined;
  readonly outcome: Outcome | undefined;
  readonly title: string | undefined;
  readonly cves: readonly string[] | undefined;
}

export class RuleDetector implements Detector {
  readonly id: string;
  readonly kinds: readonly RecordKind[];
  readonly literals: readonly string[] | null;
  readonly rule: Rule;
  readonly file: string;
  readonly #where: Predicate;
  readonly #extract: readonly { field: string; regex: RegExp }[];
  readonly #grades: readonly CompiledGrade[];

  constructor(rule: Rule, file: string, indicatorSets: ReadonlyMap<string, IndicatorSet>) {
    const ctx: CompileContext = { file, indicatorSets };
    this.rule = rule;
    this.file = file;
    this.id = rule.id;
    this.kinds = rule.kinds;
    this.#where = compileCondition(rule.where, ctx);
    this.#extract = rule.extract.map((x) => ({ field: x.field.toLowerCase(), regex: compileRegex(x.regex, false, ctx) }));
    this.#grades = rule.grades.map((g) => ({
      when: compileCondition(g.when, ctx),
      severity: g.severity,
      outcome: g.outcome,
      title: g.title,
      cves: g.cves,
    }));
    const derived = rule.literals?.map((l) => l.toLowerCase()) ?? conditionLiterals(rule.where);
    this.literals = rule.kinds.includes('file') ? null : derived;
  }

  match(record: LogRecord, host: HostContext): Hit | null {
    const env: MatchEnv = { record, host, extracted: this.#extract.length > 0 ? new Map<string, string>() : NO_EXTRACTED, notes: null };
    for (const x of this.#extract) {
      const v = fieldValue(env, x.field);
      const m = v === undefined ? null : x.regex.exec(v);
      if (!m) return null;
      for (const [k, val] of Object.entries(m.groups ?? {})) {
        if (val !== undefined) env.extracted.set(k.toLowerCase(), val);
      }
    }
    if (!this.#where(env)) return null;

    const rule = this.rule;
    let severity = rule.severity;
    let outcome = rule.outcome;
    let title = rule.title;
    let cves: readonly string[] = rule.cves;
    const grade = this.#grades.find((g) => g.when(env));
    if (grade) {
      severity = grade.severity ?? severity;
      outcome = grade.outcome ?? outcome;
      title = grade.title ?? title;
      cves = grade.cves ?? cves;
    }

    const ipField = CLIENT_IP_FIELD[record.kind];
    const ip = ipField ? record.get(ipField) : undefined;
    return {
      ruleId: rule.id,
      title,
      description: rule.description,
      severity,
      outcome,
      stage: rule.stage,
      cves,
      attack: rule.attack,
      references: rule.references,
      time: record.time,
      clientIp: ip ? ip : null,
      source: { path: record.origin.path, line: record.origin.line, kind: record.kind },
      evidence: this.#evidence(env),
      ...(rule.report ? { report: rule.report } : {}),
    };
  }

  #evidence(env: MatchEnv): Record<string, string> {
    const out: Record<string, string> = {};
    const names = this.rule.evidence;
    if (names) {
      for (const n of names) {
        const v = fieldValue(env, n);
        if (v !== undefined && v !== '') out[n] = cap(v);
      }
    } else {
      for (const [k, v] of Object.entries(env.record.fields())) if (v !== '' && k !== 'Content') out[k] = cap(v);
    }
    // Extracted fields are evidence by definition: they are what the rule looked for.
    for (const x of this.rule.extract) {
      for (const name of x.regex.match(/\(\?<([A-Za-z][A-Za-z0-9_]*)>/g) ?? []) {
        const key = name.slice(3, -1);
        const v = env.extracted.get(key.toLowerCase());
        if (v !== undefined) out[key] = cap(v);
      }
    }
    Object.assign(out, this.rule.annotate, env.notes);
    return out;
  }
}

function cap(v: string): string {
  return v.length > MAX_EVIDENCE_CHARS ? `${v.slice(0, MAX_EVIDENCE_CHARS)}…[${v.length - MAX_EVIDENCE_CHARS} more chars]` : v;
}

export interface CompiledRules {
  readonly detectors: readonly RuleDetector[];
  readonly errors: readonly ContentError[];
}

/** Compiles every rule; a rule that fails is reported and left out, the others still run. */
export function compileRules(
  rules: readonly { rule: Rule; file: string }[],
  indicatorSets: ReadonlyMap<string, IndicatorSet>,
): CompiledRules {
  const detectors: RuleDetector[] = [];
  const errors: ContentError[] = [];
  for (const { rule, file } of rules) {
    try {
      detectors.push(new RuleDetector(rule, file, indicatorSets));
    } catch (e) {
      errors.push(e instanceof ContentError ? e : new ContentError((e as Error).message, { path: file }));
    }
  }
  return { detectors, errors };
}
