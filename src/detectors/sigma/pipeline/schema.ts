/**
 * @module The schema of exhunt's Sigma pipelines (`content/pipelines/*.yaml`): which records a
 * Sigma log source means, and how Sigma's field names map onto those records' fields. This is
 * exhunt's own format (documented in docs/sigma.md), not pySigma's: exhunt evaluates rules
 * itself, so a pipeline describes records rather than query rewrites. Parsing is strict.
 */
import { z } from 'zod';
import { RECORD_KINDS } from '../../../core/origin.js';

const scalar = z.union([z.string(), z.number()]);

export const fieldSpecSchema = z.union([
  z.string().min(1).describe('Record field holding the value (a rename).'),
  z.array(z.string().min(1)).min(1).describe('Record fields to try in order; the first one present is used.'),
  z
    .strictObject({
      join: z.array(z.string().min(1)).min(2).describe('Record fields whose values are joined into one value.'),
      separator: z.string().default('').describe('Text put between two joined values.'),
      skipEmpty: z.boolean().default(true).describe('Leave out empty values (and their separator).'),
      nullWhenEmpty: z.string().min(1).optional().describe('The value counts as null (for `field: null`) when this record field is empty.'),
    })
    .describe('A value built from several record fields, e.g. IIS stem + `?` + query.'),
  z
    .strictObject({
      field: z.string().min(1).describe('Record field holding the value.'),
      alternatives: z
        .array(z.strictObject({ replace: z.string().min(1), with: z.string() }))
        .min(1)
        .describe('Extra spellings of the value that also match, e.g. W3C `+` read as a space.'),
    })
    .describe('A value that matches in several spellings.'),
  z.strictObject({ extension: z.string().min(1).describe('Record field holding a path or URL; the value is its file extension without the dot.') }),
  z.strictObject({ eventData: z.literal(true).describe('Every event data value, one by one and all joined with a space (the `Data` pseudo-field).') }),
]);
export type FieldSpec = z.infer<typeof fieldSpecSchema>;

export const logsourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).describe('Stable id; a later pipeline entry with the same id replaces an earlier one.'),
  description: z.string().optional(),
  sigma: z
    .strictObject({
      category: z.string().min(1).optional(),
      product: z.string().min(1).optional(),
      service: z.string().min(1).optional(),
    })
    .refine((s) => s.category !== undefined || s.product !== undefined || s.service !== undefined, 'give at least one of category, product, service')
    .describe('The Sigma log source attributes these records have. A rule fits when every attribute it names is here with the same value.'),
  kind: z.enum(RECORD_KINDS).describe('exhunt record kind.'),
  where: z
    .record(z.string(), z.union([scalar, z.array(scalar).min(1)]))
    .default({})
    .describe('Record fields and the values (any of a list) they must have, compared case-insensitively, numbers as numbers.'),
  fields: z.record(z.string(), fieldSpecSchema).default({}).describe('Sigma field name → where its value is in these records. Fields not listed are looked up by their own name.'),
});
export type LogsourceEntry = z.infer<typeof logsourceSchema>;

export const pipelineSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  fields: z.record(z.string(), fieldSpecSchema).default({}).describe('Field mappings shared by every log source of this file (an entry’s own fields win).'),
  logsources: z.array(logsourceSchema).min(1),
});
export type PipelineFile = z.infer<typeof pipelineSchema>;
