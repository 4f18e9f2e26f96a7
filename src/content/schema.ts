/**
 * @module The schema of exhunt's detection content: rule files (`content/rules/**.yaml`, one
 * rule per file) and indicator sets (`content/indicators/*.yaml`). Parsing is strict: an unknown
 * key is an error, so a typo cannot silently disable a check.
 */
import { z } from 'zod';
import { OUTCOMES, SEVERITIES, STAGES } from '../core/severity.js';
import { RECORD_KINDS } from '../core/origin.js';
import { LEAF_OPERATORS, PROXYLOGON_REPORTS, type Condition } from './model.js';

export { LEAF_OPERATORS, PROXYLOGON_REPORTS } from './model.js';
export type { Condition, LeafCondition, LeafOperator } from './model.js';

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const leafSchema = z
  .strictObject({
    field: z.string().min(1).describe('Record field to test, case-insensitive (see README "Record fields").'),
    equals: stringOrList.optional().describe('Whole value equals one of these.'),
    like: stringOrList
      .optional()
      .describe('PowerShell -like pattern(s): `*` any run, `?` one character, backtick escapes; may use {{install}}.'),
    contains: stringOrList.optional().describe('Value contains one of these.'),
    startsWith: stringOrList.optional().describe('Value starts with one of these.'),
    endsWith: stringOrList.optional().describe('Value ends with one of these.'),
    regex: stringOrList.optional().describe('JavaScript regular expression(s), unanchored.'),
    inSet: z.string().min(1).optional().describe('Value is in the named indicator set.'),
    exists: z.boolean().optional().describe('true: the field is present and not empty; false: absent or empty.'),
    cased: z.boolean().optional().describe('Compare case-sensitively (default: case-insensitive, as PowerShell).'),
    path: z.boolean().optional().describe('Compare as Windows paths: `/` and `\\` alike, repeated separators folded.'),
  })
  .refine((leaf) => LEAF_OPERATORS.filter((op) => leaf[op] !== undefined).length === 1, {
    message: `a condition needs exactly one of: ${LEAF_OPERATORS.join(', ')}`,
  });

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    leafSchema,
  ]),
);

const referenceSchema = z.strictObject({
  name: z.string().min(1).describe('Who published the fact (blog, advisory, script, with date).'),
  url: z.url().optional(),
});

export const ruleSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9][A-Za-z0-9-]*)+$/, 'dotted id such as Exchange.ProxyLogon.Ssrf')
    .describe('Stable id; must match the file path under rules/ (Exchange/ProxyLogon/Ssrf.yaml).'),
  title: z.string().min(1),
  description: z.string().min(1).describe('What it means and what the responder should do next.'),
  severity: z.enum(SEVERITIES),
  outcome: z.enum(OUTCOMES).describe('What a hit says about the host: compromised, attempted or context.'),
  stage: z.enum(STAGES),
  cves: z.array(z.string().regex(/^CVE-\d{4}-\d{4,}$/)).default([]),
  attack: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).default([]).describe('MITRE ATT&CK technique ids.'),
  references: z.array(referenceSchema).min(1).describe('Where the facts behind the rule come from.'),
  report: z.enum(PROXYLOGON_REPORTS).optional().describe('Test-ProxyLogon output file the finding belongs in.'),
  kinds: z.array(z.enum(RECORD_KINDS)).min(1).describe('Record kinds the rule reads.'),
  extract: z
    .array(
      z.strictObject({
        field: z.string().min(1),
        regex: z.string().min(1).describe('Named groups become fields; no match means the rule does not match.'),
      }),
    )
    .default([]),
  where: conditionSchema,
  grades: z
    .array(
      z.strictObject({
        when: conditionSchema,
        severity: z.enum(SEVERITIES).optional(),
        outcome: z.enum(OUTCOMES).optional(),
        title: z.string().min(1).optional(),
        cves: z.array(z.string().regex(/^CVE-\d{4}-\d{4,}$/)).optional(),
      }),
    )
    .default([])
    .describe('First grade whose condition holds overrides severity, outcome and title.'),
  evidence: z.array(z.string().min(1)).optional().describe('Fields copied into the finding; default: all non-empty.'),
  annotate: z.record(z.string(), z.string()).default({}).describe('Constant evidence fields (e.g. Type: LsassDump).'),
  escalate: z
    .strictObject({ severity: z.enum(SEVERITIES) })
    .optional()
    .describe('Severity to use when the same host has other attempted or compromised findings.'),
  literals: z
    .array(z.string().min(3))
    .optional()
    .describe('Prefilter hint for rules whose literals cannot be derived (regex-only): every match contains one.'),
});
export type Rule = z.infer<typeof ruleSchema>;

export const indicatorSetSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  description: z.string().min(1),
  type: z.enum(['sha256', 'filename', 'filepath', 'useragent', 'ip', 'url-path']),
  references: z.array(referenceSchema).min(1),
  entries: z
    .array(
      z.strictObject({
        value: z.string().min(1),
        source: z.string().min(1).describe('Which of the references lists this value.'),
        note: z.string().optional(),
      }),
    )
    .min(1),
});
export type IndicatorSet = z.infer<typeof indicatorSetSchema>;
