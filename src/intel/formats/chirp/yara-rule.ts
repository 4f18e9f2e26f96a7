/**
 * @module Just enough YARA to read CHIRP's rules: the name, meta, strings (text with escapes and
 * modifiers, regexes, hex) and the condition, so that a rule meaning "any of these strings in a
 * log line" can become log indicators. Anything fancier stays a YARA rule (kept, handed to the
 * YARA engine).
 */

export interface YaraString {
  readonly id: string;
  readonly kind: 'text' | 'regex' | 'hex';
  /** Text (escapes resolved), regex source, or hex bytes as written. */
  readonly value: string;
  readonly modifiers: readonly string[];
}

export interface YaraRule {
  readonly name: string;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly strings: readonly YaraString[];
  readonly condition: string;
}

export function parseYaraRule(text: string): YaraRule | null {
  const head = /\brule\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z0-9_ \t]+?))?\s*\{/.exec(text);
  if (!head) return null;
  const body = text.slice(head.index + head[0].length, text.lastIndexOf('}'));
  const sections: Record<string, string> = {};
  const re = /(^|\n)\s*(meta|strings|condition)\s*:/g;
  const marks: { name: string; start: number; end: number }[] = [];
  for (let m = re.exec(body); m; m = re.exec(body)) marks.push({ name: m[2]!, start: m.index, end: m.index + m[0].length });
  marks.forEach((mk, i) => {
    sections[mk.name] = body.slice(mk.end, i + 1 < marks.length ? marks[i + 1]!.start : body.length);
  });
  const meta: Record<string, string> = {};
  for (const line of (sections.meta ?? '').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
    if (m) meta[m[1]!] = m[2] !== undefined ? unescapeText(m[2]) : m[3]!;
  }
  const strings: YaraString[] = [];
  for (const line of (sections.strings ?? '').split('\n')) {
    const m = /^\s*(\$[A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/.exec(line);
    if (!m) continue;
    const s = parseStringValue(m[1]!, m[2]!);
    if (s) strings.push(s);
  }
  return {
    name: head[1]!,
    tags: (head[2] ?? '').split(/\s+/).filter(Boolean),
    meta,
    strings,
    condition: (sections.condition ?? '').trim().replace(/\s+/g, ' '),
  };
}

function parseStringValue(id: string, rest: string): YaraString | null {
  if (rest.startsWith('"')) {
    let i = 1;
    let raw = '';
    for (; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === '\\') {
        raw += c + (rest[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') break;
      raw += c;
    }
    return { id, kind: 'text', value: unescapeText(raw), modifiers: rest.slice(i + 1).trim().split(/\s+/).filter(Boolean) };
  }
  if (rest.startsWith('/')) {
    const m = /^\/((?:[^/\\]|\\.)*)\/([is]*)\s*(.*)$/.exec(rest);
    if (!m) return null;
    const mods = m[3]!.split(/\s+/).filter(Boolean);
    if (m[2]!.includes('i')) mods.push('nocase');
    if (m[2]!.includes('s')) mods.push('dotall');
    return { id, kind: 'regex', value: m[1]!, modifiers: mods };
  }
  if (rest.startsWith('{')) {
    const close = rest.indexOf('}');
    return { id, kind: 'hex', value: rest.slice(1, close < 0 ? undefined : close).trim(), modifiers: [] };
  }
  return null;
}

function unescapeText(s: string): string {
  return s.replace(/\\(x[0-9A-Fa-f]{2}|.)/g, (_m, e: string) => {
    if (e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
  });
}

/**
 * The strings that each alone satisfy the condition (`any of them`, `any of ($a*)`,
 * `1 of ($a, $b)`, `$a or $b`), or null when the condition needs more than one string or
 * anything else (offsets, counts, file size).
 */
export function anyOfStrings(rule: YaraRule): YaraString[] | null {
  const c = rule.condition.trim();
  const select = (ids: string[]): YaraString[] | null => {
    const out: YaraString[] = [];
    for (const id of ids) {
      const wildcard = id.endsWith('*');
      const matched = rule.strings.filter((s) => (wildcard ? s.id.startsWith(id.slice(0, -1)) : s.id === id));
      if (matched.length === 0) return null;
      out.push(...matched);
    }
    return [...new Map(out.map((s) => [s.id, s])).values()];
  };
  if (/^(any|1) of them$/.test(c)) return rule.strings.length > 0 ? [...rule.strings] : null;
  const set = /^(?:any|1) of \(([^)]*)\)$/.exec(c);
  if (set) return select(set[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  if (/^\$[A-Za-z0-9_]*\*?( or \$[A-Za-z0-9_]*\*?)*$/.test(c)) return select(c.split(' or ').map((s) => s.trim()));
  return null;
}
