/**
 * @module LOKI/THOR IOC lists (signature-base `iocs/`). LOKI picks the list kind from the file
 * name (`hash`, `filename`, `c2` in it); exhunt does the same, then falls back to the content.
 *
 * - hash lists: `HASH;COMMENT` (MD5, SHA-1 or SHA-256, typed by length);
 * - filename lists: `REGEX;SCORE[;FALSE-POSITIVE-REGEX]`, Python regexes matched against the full
 *   path (`(?i)` prefix for case-insensitive), kept as `filepath-regex` with the score and the
 *   false-positive regex;
 * - C2 lists: one domain, IP or URL per line, described by the `# comment` above it.
 * Comment lines (`#`) above entries become their description, as in the files themselves.
 */
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { lines, MAX_LINE_LENGTH } from '../lines.js';
import { hashTypeOf } from '../../normalize/index.js';
import { textReader } from '../text/text.js';

export type LokiKind = 'hash' | 'filename' | 'c2';

/** The list kind from a file name as LOKI reads it, or null. */
export function lokiKindFromName(name: string): LokiKind | null {
  const base = (name.split(/[\\/]/).pop() ?? name).toLowerCase();
  if (base.includes('hash')) return 'hash';
  if (base.includes('filename')) return 'filename';
  if (base.includes('c2')) return 'c2';
  return null;
}

/** The list kind from content: most entry lines look like `hash;` or `regex;score`. */
export function lokiKindFromContent(text: string): LokiKind | null {
  let hash = 0;
  let filename = 0;
  let entries = 0;
  for (const { text: t } of lines(text.slice(0, 64 * 1024))) {
    const s = t.trim();
    if (s === '' || s.startsWith('#')) continue;
    entries++;
    const semi = s.indexOf(';');
    if (semi > 0 && hashTypeOf(s.slice(0, semi))) hash++;
    else if (/;\d{1,3}(;.*)?$/.test(s)) filename++;
    if (entries >= 200) break;
  }
  if (entries === 0) return null;
  if (hash / entries > 0.6) return 'hash';
  if (filename / entries > 0.6) return 'filename';
  return null;
}

export const lokiReader: FormatReader = {
  name: 'loki',
  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
    const kind = ctx.options.lokiKind ?? lokiKindFromName(ctx.file) ?? lokiKindFromContent(text) ?? 'c2';
    if (kind === 'c2') {
      await textReader.read(text, ctx, emit);
      return;
    }
    let heading: string | null = null;
    for (const { line, text: raw } of lines(text)) {
      const at = { file: ctx.file, line };
      if (raw.length > MAX_LINE_LENGTH) {
        emit.skip('line-too-long', `line longer than ${MAX_LINE_LENGTH} characters`, at);
        continue;
      }
      const t = raw.trim();
      if (t === '') {
        heading = null;
        continue;
      }
      if (t.startsWith('#')) {
        const c = t.replace(/^#+\s*/, '').trim();
        heading = c === '' ? null : c;
        continue;
      }
      if (kind === 'hash') {
        const semi = t.indexOf(';');
        const value = (semi < 0 ? t : t.slice(0, semi)).trim();
        const comment = semi < 0 ? '' : t.slice(semi + 1).trim();
        const type = hashTypeOf(value);
        if (!type) {
          emit.skip('invalid-value', `"${value.slice(0, 80)}" is not an MD5, SHA-1 or SHA-256 hash`, at);
          continue;
        }
        await emit.indicator(type, value, at, { ref: '', description: comment || heading });
        continue;
      }
      // filename: REGEX;SCORE[;FP-REGEX]. The regex itself may contain `;` only in rare
      // cases; LOKI splits on `;` as well, so exhunt reads it the same way.
      const parts = t.split(';');
      if (parts.length < 2 || !/^\s*\d{1,3}\s*$/.test(parts[1] ?? '')) {
        emit.skip('bad-row', 'expected REGEX;SCORE[;FALSE-POSITIVE-REGEX]', at);
        continue;
      }
      const score = Number(parts[1]);
      const fp = parts.slice(2).join(';').trim();
      const regex = parts[0]!;
      const flags = /^\(\?[a-zA-Z]*i[a-zA-Z]*\)/.test(regex) ? 'i' : '';
      await emit.indicator(
        'filepath-regex',
        regex,
        at,
        { ref: '', description: heading, confidence: Math.min(100, score) },
        { score, ...(fp ? { fpRegex: fp } : {}), ...(flags ? { flags } : {}) },
      );
    }
  },
};
