/**
 * Test helper: a strict reader of CEF records as a SIEM parses them, to check that what exhunt
 * writes reads back to the intended values. Not part of the public API.
 */

export interface ParsedCef {
  readonly header: string[];
  readonly ext: Map<string, string>;
}

function unescapeHeader(s: string): string {
  return s.replace(/\\([\\|])/g, '$1');
}

function unescapeValue(s: string): string {
  return s.replace(/\\([\\=nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

export function parseCef(text: string): ParsedCef {
  const header: string[] = [];
  let i = 0;
  let cur = '';
  while (header.length < 7) {
    const c = text[i];
    if (c === undefined) throw new Error('CEF header ends early');
    if (c === '\\') {
      cur += c + (text[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (c === '|') {
      header.push(unescapeHeader(cur));
      cur = '';
    } else cur += c;
    i++;
  }
  const rest = text.slice(i);
  const ext = new Map<string, string>();
  const keys = [...rest.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)];
  keys.forEach((m, n) => {
    const start = (m.index ?? 0) + m[0].length;
    const next = keys[n + 1];
    const end = next ? (next.index ?? rest.length) : rest.length;
    const key = m[1] ?? '';
    if (ext.has(key)) throw new Error(`duplicate CEF key ${key}`);
    ext.set(key, unescapeValue(rest.slice(start, end)));
  });
  return { header, ext };
}
