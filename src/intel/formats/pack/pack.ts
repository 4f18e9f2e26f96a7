/**
 * @module exhunt's own indicator packs (`content/intel/*.yaml`): public facts, each entry naming
 * the publication it comes from. Strict schema (zod): an unknown key is an error with its line,
 * so a typo cannot silently drop an entry.
 *
 *     id: cisa-aa21-062a
 *     source: CISA AA21-062A            # the source name indicators are stored under
 *     description: ...
 *     references: [{ name: ..., url: ... }]
 *     defaults: { tlp: clear, confidence: 80, tags: [hafnium] }
 *     entries:
 *       - { type: ipv4, value: 103.77.192.219, ref: "CHIRP AA21062A.yaml, network entry" }
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { INDICATOR_TYPES, TLP_LEVELS } from '../../model.js';
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { FormatError } from '../types.js';

const referenceSchema = z.strictObject({
  name: z.string().min(1).describe('Publication: who, title, date.'),
  url: z.url().optional(),
});

const entrySchema = z.strictObject({
  type: z.enum(INDICATOR_TYPES).describe('exhunt indicator type.'),
  value: z.string().min(1).describe('The value as published (normalised on load).'),
  ref: z.string().min(1).describe('Which reference lists it, and where (section, table, line).'),
  first_seen: z.string().optional(),
  last_seen: z.string().optional(),
  confidence: z.number().int().min(0).max(100).optional(),
  tags: z.array(z.string().min(1)).optional(),
  note: z.string().optional(),
  scope: z.array(z.enum(['iis', 'httpproxy', 'ecp', 'oab'])).optional().describe('Log kinds of a log-substring/log-regex.'),
});

export const packSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  source: z.string().min(1).describe('Source name in the store and in findings.'),
  description: z.string().min(1),
  references: z.array(referenceSchema).min(1),
  defaults: z
    .strictObject({
      tlp: z.enum(TLP_LEVELS).optional(),
      confidence: z.number().int().min(0).max(100).optional(),
      tags: z.array(z.string().min(1)).optional(),
    })
    .default({}),
  entries: z.array(entrySchema).min(1),
});
export type IndicatorPack = z.infer<typeof packSchema>;

/** Parses a pack; throws FormatError with the line of the first problem. */
export function parsePack(text: string, file: string): { pack: IndicatorPack; lineOf: (index: number) => number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new FormatError(`YAML: ${e.message.split('\n')[0] ?? e.message}`, { file, line });
  }
  const lineOf = (index: number): number => {
    const node = doc.getIn(['entries', index], true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  };
  const result = packSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : path[0] === 'entries' && typeof path[1] === 'number' ? lineOf(path[1]) : 1;
    const keys = issue.code === 'unrecognized_keys' ? ` "${issue.keys.join('", "')}"` : '';
    throw new FormatError(`${path.join('.') || 'pack'}: ${issue.message}${keys}`, { file, line });
  }
  return { pack: result.data, lineOf };
}

export const packReader: FormatReader = {
  name: 'pack',
  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
    const { pack, lineOf } = parsePack(text, ctx.file);
    const refs = pack.references.map((r) => r.name).join('; ');
    for (const [i, e] of pack.entries.entries()) {
      const at = { file: ctx.file, line: lineOf(i) };
      await emit.indicator(
        e.type,
        e.value,
        at,
        {
          ref: `${pack.id}:${e.type}:${e.value}`,
          firstSeen: e.first_seen ?? null,
          lastSeen: e.last_seen ?? null,
          confidence: e.confidence ?? pack.defaults.confidence ?? null,
          tlp: pack.defaults.tlp ?? null,
          tags: [...(pack.defaults.tags ?? []), ...(e.tags ?? [])],
          description: `${e.ref}${e.note ? ` — ${e.note}` : ''} [${refs}]`,
        },
        e.scope ? { scope: e.scope } : null,
      );
    }
  },
};
