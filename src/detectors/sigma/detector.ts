/**
 * @module A Sigma detection rule compiled into an exhunt Detector.
 *
 * `match` routes the record first (once per record, shared by every Sigma detector of a load):
 * a rule is only evaluated on records of the log sources its `logsource` fits, through that log
 * source's field mapping. Then the rule's predicate runs, then the predicates of the filters
 * that apply to it (a filter match suppresses the hit).
 */
import type { Detector, HostContext } from '../../core/detector.js';
import type { Hit } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import type { LogRecord } from '../../core/record.js';
import type { CompiledDetection, Predicate } from './compile/evaluator.js';
import { matchingKeywords } from './compile/evaluator.js';
import type { RecordView } from './pipeline/view.js';
import type { Router } from './pipeline/router.js';
import type { SigmaRule } from './rule/types.js';
import {
  CLIENT_IP_FIELD,
  capEvidence,
  cvesOf,
  outcomeOf,
  referencesOf,
  ruleEvidence,
  ruleIdOf,
  severityOf,
  stageOf,
  techniquesOf,
} from './hit.js';

export interface SigmaDetectorInit {
  readonly rule: SigmaRule;
  readonly compiled: CompiledDetection;
  readonly router: Router;
  /** Route indices the rule's logsource fits, in pipeline order. */
  readonly routes: readonly number[];
  readonly filters: readonly { readonly id: string; readonly predicate: Predicate }[];
  readonly literals: readonly string[] | null;
  /** License to report (the rule's, or its collection's). */
  readonly license: string;
  /** Rule file as reported in evidence (relative to the folder it was loaded from). */
  readonly file: string;
  /** False when the rule only feeds correlations (`generate: false`): its hits are not findings. */
  readonly standalone: boolean;
}

export class SigmaDetector implements Detector {
  readonly id: string;
  readonly kinds: readonly RecordKind[];
  readonly literals: readonly string[] | null;
  readonly rule: SigmaRule;
  readonly file: string;
  /**
   * False when the rule only feeds correlations (`generate: false`, the default): its hits go to
   * the correlators, not to the findings.
   */
  standalone: boolean;
  /** Names the rule can be referred to by in correlations and filters (id, name). */
  readonly names: readonly string[];
  readonly #router: Router;
  readonly #routes: readonly number[];
  readonly #predicate: Predicate;
  readonly #compiled: CompiledDetection;
  readonly #filters: readonly Predicate[];
  readonly #static: Omit<Hit, 'time' | 'clientIp' | 'source' | 'evidence'>;
  readonly #ruleEvidence: Readonly<Record<string, string>>;

  constructor(init: SigmaDetectorInit) {
    const r = init.rule;
    this.rule = r;
    this.id = ruleIdOf(r);
    this.file = init.file;
    this.standalone = init.standalone;
    this.names = [r.id, r.name].filter((x): x is string => x !== undefined);
    this.#router = init.router;
    this.#routes = init.routes;
    this.#compiled = init.compiled;
    this.#predicate = init.compiled.predicate;
    this.#filters = init.filters.map((f) => f.predicate);
    this.kinds = [...new Set(init.routes.map((i) => init.router.routes[i]!.kind))];
    this.literals = init.literals;
    const severity = severityOf(r.level);
    this.#static = {
      ruleId: this.id,
      title: r.title,
      description: r.description,
      severity,
      outcome: outcomeOf(severity),
      stage: stageOf(r.tags),
      cves: cvesOf(r.tags),
      attack: techniquesOf(r.tags),
      references: referencesOf(r.references),
    };
    this.#ruleEvidence = ruleEvidence(r, init.license, init.file);
  }

  /** The view of `record` this rule evaluates, or null when the record is not for this rule. */
  view(record: LogRecord): RecordView | null {
    const rr = this.#router.route(record);
    for (const i of this.#routes) if (rr.belongs(i)) return rr.view(i);
    return null;
  }

  /** Whether the rule (with its filters) matches, without building a hit. */
  test(record: LogRecord): boolean {
    const v = this.view(record);
    return v !== null && this.#matches(v);
  }

  match(record: LogRecord, _host: HostContext): Hit | null {
    const v = this.view(record);
    if (v === null || !this.#matches(v)) return null;
    const ipField = CLIENT_IP_FIELD[record.kind];
    const ip = ipField ? record.get(ipField) : undefined;
    return {
      ...this.#static,
      time: record.time,
      clientIp: ip ? ip : null,
      source: { path: record.origin.path, line: record.origin.line, kind: record.kind },
      evidence: this.#evidence(v),
    };
  }

  #matches(v: RecordView): boolean {
    try {
      if (!this.#predicate(v)) return false;
      for (const f of this.#filters) if (f(v)) return false;
      return true;
    } catch {
      // Records are attacker-controlled and must never crash a scan; a rule that throws on one
      // (which would be a bug) simply does not match it.
      return false;
    }
  }

  #evidence(v: RecordView): Record<string, string> {
    const out: Record<string, string> = {};
    const keywords: string[] = [];
    for (const c of this.#compiled.items) {
      if (!c.positive || !c.fn(v)) continue;
      if (c.item.field === null) {
        keywords.push(...matchingKeywords(c.item, v));
        continue;
      }
      const val = v.values(c.item.field)?.[0];
      if (val !== undefined && !(c.item.field in out)) out[c.item.field] = capEvidence(val);
    }
    if (keywords.length) out['sigma.keywords'] = capEvidence([...new Set(keywords)].join(', '));
    out['sigma.logsource'] = v.routeId;
    return { ...out, ...this.#ruleEvidence };
  }
}
