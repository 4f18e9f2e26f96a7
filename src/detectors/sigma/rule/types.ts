/**
 * @module The typed Sigma documents exhunt works with after parsing: detection rules, filters
 * and correlation rules. Parsing (./parse.ts) produces them; the pipeline routes them; the
 * compiler (../compile) turns detections into predicates.
 */
import type { CompiledRegex } from '../regex/compile.js';
import type { Cidr } from '../values/cidr.js';
import type { SigmaString } from '../values/sigma-string.js';
import type { TimePart } from '../values/time.js';
import type { ConditionNode } from '../condition/ast.js';
import type { Pos } from '../yaml/located.js';

export type NumberOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

/** One value a field is compared with, after the modifiers were applied. */
export type ValueTest =
  /** Wildcard string; case-insensitive unless `cased`. */
  | { readonly kind: 'string'; readonly value: SigmaString; readonly cased: boolean }
  /** A number: `eq` matches the same text or the same numeric value; the others compare numerically. */
  | { readonly kind: 'number'; readonly op: NumberOp; readonly value: number; readonly raw: string }
  | { readonly kind: 'regex'; readonly regex: CompiledRegex }
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  /** YAML null: the field is absent or empty. */
  | { readonly kind: 'null' }
  /** `|fieldref`: compared with the value of another field of the same record. */
  | {
      readonly kind: 'fieldref';
      readonly field: string;
      readonly mode: 'eq' | 'contains' | 'startswith' | 'endswith';
      readonly cased: boolean;
    };

/**
 * A field (or keyword) with its values. `values` are linked by `link` (OR, or AND with `|all`);
 * the alternatives of one value (what `|base64offset`, `|windash` and `|expand` produce) are
 * always linked by OR.
 */
export interface DetectionItem {
  readonly type: 'item';
  /** Field name as written in the rule; null for keywords (searched over every field value). */
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly values: readonly (readonly ValueTest[])[];
  readonly link: 'or' | 'and';
  /** `|neq`: the field exists and matches none of the values. */
  readonly negate: boolean;
  /** `|exists`: only checks presence (true) or absence (false); `values` is empty. */
  readonly exists: boolean | null;
  /** Time modifiers: the field value is read as a date and this component is compared. */
  readonly timePart: TimePart | null;
  readonly pos: Pos | undefined;
}

export type DetectionNode =
  | { readonly type: 'and'; readonly items: readonly DetectionNode[] }
  | { readonly type: 'or'; readonly items: readonly DetectionNode[] }
  | DetectionItem;

export interface Detection {
  /** Search identifiers in file order. */
  readonly identifiers: ReadonlyMap<string, DetectionNode>;
  /** The condition; a list of conditions is one OR. */
  readonly condition: ConditionNode;
  /** The condition text(s), for messages. */
  readonly conditionText: readonly string[];
}

export interface LogSource {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
}

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export type Status = (typeof STATUSES)[number];

/** Metadata every Sigma document kind shares. */
export interface SigmaMeta {
  readonly file: string;
  /** 0-based document index inside the file. */
  readonly document: number;
  readonly pos: Pos;
  readonly title: string;
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly description: string;
  readonly author: string | undefined;
  readonly license: string | undefined;
  readonly status: Status | undefined;
  readonly level: Level | undefined;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly date: string | undefined;
  readonly modified: string | undefined;
}

export interface SigmaRule extends SigmaMeta {
  readonly kind: 'rule';
  readonly logsource: LogSource;
  readonly detection: Detection;
}

export interface SigmaFilter extends SigmaMeta {
  readonly kind: 'filter';
  readonly logsource: LogSource;
  /** Ids or names of the rules the filter applies to. */
  readonly rules: readonly string[];
  readonly detection: Detection;
}

export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile'] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export const CONDITION_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface CorrelationCondition {
  readonly ops: readonly { readonly op: ConditionOp; readonly value: number }[];
  /** Field for value_count and the value_* metrics. */
  readonly field: string | undefined;
}

export interface SigmaCorrelation extends SigmaMeta {
  readonly kind: 'correlation';
  readonly type: CorrelationType;
  /** Ids or names of the rules (or correlations) correlated. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly timespanText: string;
  /** Absent for temporal types, where it defaults to "all rules". */
  readonly condition: CorrelationCondition | undefined;
  /** alias → (rule id or name → field). */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly generate: boolean;
}

export type SigmaDocument = SigmaRule | SigmaFilter | SigmaCorrelation;
