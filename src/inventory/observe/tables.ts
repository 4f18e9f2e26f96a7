/**
 * @module Reading what PowerShell prints or exports into rows of named fields, whatever the form:
 * - JSON (`ConvertTo-Json`): an object or an array of objects; nested objects such as a serialised
 *   `AdminDisplayVersion` (`{Major, Minor, Build, Revision}`) become `15.1.2176.2`;
 * - CSV (`Export-Csv`, with or without the `#TYPE` line, any quoting; also a plain `name,build` list);
 * - `Format-List` text: `Name : Value` blocks separated by blank lines, long values wrapped onto
 *   indented continuation lines;
 * - `Format-Table` text: a header line, a dashed line, then rows aligned under the dashes.
 * Each row keeps the 1-based line it starts on, for evidence.
 */

export interface Row {
  /** Field names as written, values as strings; look up with `field()`. */
  readonly fields: ReadonlyMap<string, string>;
  readonly line: number;
}

export type TableFormat = 'json' | 'csv' | 'list' | 'table' | 'lines';

export interface Table {
  readonly format: TableFormat;
  readonly rows: readonly Row[];
}

/** Case-insensitive field lookup. */
export function field(row: Row, ...names: string[]): string | undefined {
  for (const name of names) {
    const lower = name.toLowerCase();
    for (const [k, v] of row.fields) if (k.toLowerCase() === lower) return v;
  }
  return undefined;
}

export function parseTable(text: string): Table {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const rows = parseJsonRows(trimmed, text);
    if (rows !== null) return { format: 'json', rows };
  }
  const lines = text.split(/\r?\n/);
  const list = parseList(lines);
  if (list.length > 0) return { format: 'list', rows: list };
  const table = parseFormatTable(lines);
  if (table !== null) return { format: 'table', rows: table };
  const csv = parseCsvRows(text);
  if (csv !== null) return { format: 'csv', rows: csv };
  return { format: 'lines', rows: lines.map((l, i) => ({ fields: new Map([['Line', l]]), line: i + 1 })).filter((r) => (r.fields.get('Line') ?? '').trim() !== '') };
}

function scalar(v: unknown): string | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    // A serialised System.Version / Microsoft.Exchange.Data.ServerVersion.
    const parts = ['Major', 'Minor', 'Build', 'Revision'].map((k) => o[k] ?? o[k.toLowerCase()]);
    if (parts.every((p) => typeof p === 'number')) return parts.join('.');
    for (const k of ['value', 'Value', 'DisplayName', 'Name']) if (typeof o[k] === 'string') return o[k];
  }
  if (Array.isArray(v)) return v.map((x) => scalar(x) ?? '').join(', ');
  return null;
}

function parseJsonRows(json: string, original: string): Row[] | null {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const list = Array.isArray(data) ? data : [data];
  const rows: Row[] = [];
  // Approximate lines: the n-th top-level object starts where its first key does.
  const starts = [...original.matchAll(/^\s*\{/gm)].map((m) => original.slice(0, m.index).split('\n').length);
  list.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
    const fields = new Map<string, string>();
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      const s = scalar(v);
      if (s !== null) fields.set(k, s);
    }
    rows.push({ fields, line: starts[i] ?? 1 });
  });
  return rows;
}

const LIST_LINE = /^([A-Za-z][A-Za-z0-9_.-]*)\s*:\s?(.*)$/;

function parseList(lines: readonly string[]): Row[] {
  const rows: Row[] = [];
  let cur: Map<string, string> | null = null;
  let start = 0;
  let last: string | null = null;
  let pairs = 0;
  const flush = (): void => {
    if (cur && cur.size > 0) rows.push({ fields: cur, line: start });
    cur = null;
    last = null;
  };
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') return flush();
    const m = LIST_LINE.exec(line);
    if (m && !/^\s/.test(line)) {
      if (cur === null) {
        cur = new Map();
        start = i + 1;
      }
      const key = m[1] ?? '';
      if (cur.has(key)) {
        // A repeated key without a blank line between is the next object.
        flush();
        cur = new Map();
        start = i + 1;
      }
      cur ??= new Map();
      cur.set(key, (m[2] ?? '').trim());
      last = key;
      pairs++;
    } else if (cur !== null && last !== null && /^\s+\S/.test(line)) {
      // Format-List wraps long values onto lines indented to the value column.
      const map: Map<string, string> = cur;
      map.set(last, `${map.get(last) ?? ''}${line.trim()}`);
    } else {
      flush();
    }
  });
  flush();
  // A CSV line like `a: b,c` could look like one pair; demand real key/value structure.
  return pairs >= 1 && rows.some((r) => r.fields.size >= 1) && !looksLikeCsvHeader(lines) ? rows : [];
}

function looksLikeCsvHeader(lines: readonly string[]): boolean {
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#TYPE'));
  return first !== undefined && first.includes(',') && !LIST_LINE.test(first);
}

function parseFormatTable(lines: readonly string[]): Row[] | null {
  for (let i = 1; i < lines.length; i++) {
    const dashes = lines[i] ?? '';
    if (!/^\s*-{2,}(\s+-{2,})*\s*$/.test(dashes)) continue;
    const header = lines[i - 1] ?? '';
    const cols: { name: string; start: number; end: number }[] = [];
    for (const m of dashes.matchAll(/-+/g)) cols.push({ name: '', start: m.index, end: m.index + m[0].length });
    cols.forEach((c, k) => {
      const next = cols[k + 1];
      c.name = header.slice(c.start, next ? next.start : undefined).trim();
    });
    const rows: Row[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim() === '') continue;
      const fields = new Map<string, string>();
      cols.forEach((c, k) => {
        const next = cols[k + 1];
        fields.set(c.name, line.slice(c.start, next ? next.start : undefined).trim());
      });
      rows.push({ fields, line: j + 1 });
    }
    return rows;
  }
  return null;
}

/** RFC 4180 records (quoted values may hold commas, quotes and line breaks). */
export function parseCsvRecords(text: string): { values: string[]; line: number }[] {
  const out: { values: string[]; line: number }[] = [];
  let values: string[] = [];
  let cur = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cur += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      any = true;
    } else if (ch === ',') {
      values.push(cur);
      cur = '';
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (any || cur !== '') {
        values.push(cur);
        out.push({ values, line: start });
      }
      values = [];
      cur = '';
      any = false;
      line++;
      start = line;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any || cur !== '') {
    values.push(cur);
    out.push({ values, line: start });
  }
  return out;
}

function parseCsvRows(text: string): Row[] | null {
  const records = parseCsvRecords(text).filter((r) => !(r.values.length === 1 && (r.values[0] ?? '').startsWith('#')));
  const header = records[0];
  if (!header || header.values.length < 2) return null;
  const names = header.values.map((v) => v.trim());
  // A header names columns; a data-only list (`EXCH01,15.1.2176.9`) has a build in its first row.
  if (names.some((n) => /^\d+\.\d+\.\d+/.test(n))) {
    return records.map((r) => ({ fields: new Map(r.values.map((v, i) => [`Column${i + 1}`, v.trim()])), line: r.line }));
  }
  return records.slice(1).map((r) => ({ fields: new Map(names.map((n, i) => [n, (r.values[i] ?? '').trim()])), line: r.line }));
}
