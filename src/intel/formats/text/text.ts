/**
 * @module Plain indicator lists: one indicator per line, its type inferred from the value (see
 * `inferIndicator`), defanged spellings (`hxxp`, `[.]`, `(.)`) undone.
 *
 * What a line may look like:
 * - `value`, `value;comment`, `value,comment`, `value<TAB>comment`, `value # comment`,
 *   `value free text` (the first token is tried when the whole line is not an indicator);
 * - Markdown/AsciiDoc table rows `|`value`|detection|details` (ESET's README lists): the first
 *   cell is the value, the other cells its description;
 * - a user agent on a line of its own (`python-requests/2.19.1`).
 * Blank lines, `#`/`//` comments and table rules (`|===`, `|---|`) are not items. A preceding
 * `# comment` line becomes the description of the values under it (LOKI's C2 lists work so).
 */
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { lines, MAX_LINE_LENGTH } from '../lines.js';
import { inferIndicator, refang } from '../../normalize/index.js';

const UA_LINE = /^[A-Za-z][A-Za-z0-9._!-]*\/\d[^\s]*(?:[\s+(].*)?$/;

export const textReader: FormatReader = {
  name: 'text',
  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
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
      if (/^(#|\/\/)/.test(t)) {
        const c = t.replace(/^(#+|\/\/)\s*/, '').trim();
        heading = c === '' ? null : c;
        continue;
      }
      if (/^[|=+\-:\s]*$/.test(t) && !/[A-Za-z0-9]/.test(t)) continue; // table rules
      const split = splitLine(t);
      if (!split) continue;
      const description = split.comment || heading || null;
      const provenance = { ref: '', description };
      if (ctx.options.type) {
        await emit.indicator(ctx.options.type, split.value, at, provenance);
        continue;
      }
      if (inferIndicator(split.value)) {
        await emit.infer(split.value, at, provenance);
        continue;
      }
      // `1.2.3.4 evil host` : the first token, the rest as description.
      const firstToken = split.value.split(/\s+/)[0] ?? '';
      if (firstToken !== split.value && inferIndicator(firstToken)?.ok) {
        const rest = split.value.slice(firstToken.length).trim();
        await emit.infer(firstToken, at, { ref: '', description: [rest, description].filter(Boolean).join(' — ') || null });
        continue;
      }
      if (UA_LINE.test(split.value)) {
        await emit.indicator('useragent', split.value, at, provenance);
        continue;
      }
      const inferred = inferIndicator(firstToken);
      if (inferred && !inferred.ok) emit.skip('invalid-value', inferred.reason, at);
      else emit.skip('not-an-indicator', `no indicator recognised in "${short(t)}"`, at);
    }
  },
};

interface Split {
  readonly value: string;
  readonly comment: string;
}

/** The value part of a list line and its comment. Null for lines with no content. */
export function splitLine(line: string): Split | null {
  if (line.startsWith('|') || line.includes('`|')) {
    const cells = line
      .split('|')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    if (cells.length === 0) return null;
    return { value: unquote(cells[0]!), comment: cells.slice(1).map(unquote).join(' | ') };
  }
  const bullet = line.replace(/^([*•>]|-\s)\s*/, '');
  for (const sep of [';', '\t']) {
    const i = bullet.indexOf(sep);
    if (i > 0) return { value: unquote(bullet.slice(0, i)), comment: bullet.slice(i + 1).trim() };
  }
  const hash = /\s+#\s*/.exec(bullet);
  if (hash && hash.index > 0) return { value: unquote(bullet.slice(0, hash.index)), comment: bullet.slice(hash.index + hash[0].length) };
  const comma = bullet.indexOf(',');
  if (comma > 0) {
    const head = unquote(bullet.slice(0, comma));
    if (inferIndicator(head)?.ok) return { value: head, comment: bullet.slice(comma + 1).trim() };
  }
  return { value: unquote(bullet), comment: '' };
}

function unquote(s: string): string {
  return refang(s.trim()).replace(/^[`"']+|[`"']+$/g, '').trim();
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}
