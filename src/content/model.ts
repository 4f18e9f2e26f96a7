/**
 * @module The plain vocabulary of detection content: the condition shapes and the constant lists
 * the schema is built from. It has no dependency on zod, so the matching side (compiled rules)
 * and a scan served from the build-time content cache do not load the schema library at all;
 * `schema.ts` builds the validating schema on top of these and re-exports them.
 */

/** Test-ProxyLogon report files a finding can be written to by the CSV sink. */
export const PROXYLOGON_REPORTS = [
  'Cve-2021-26855',
  'Cve-2021-26857',
  'Cve-2021-26858',
  'Cve-2021-27065',
  'Cve-2021-27065-ResetVDir',
  'other',
] as const;

/** Operators a leaf condition may use; exactly one per leaf. */
export const LEAF_OPERATORS = ['equals', 'like', 'contains', 'startsWith', 'endsWith', 'regex', 'inSet', 'exists'] as const;
export type LeafOperator = (typeof LEAF_OPERATORS)[number];

export interface LeafCondition {
  field: string;
  equals?: string | string[];
  like?: string | string[];
  contains?: string | string[];
  startsWith?: string | string[];
  endsWith?: string | string[];
  regex?: string | string[];
  inSet?: string;
  exists?: boolean;
  cased?: boolean;
  path?: boolean;
}
export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };
