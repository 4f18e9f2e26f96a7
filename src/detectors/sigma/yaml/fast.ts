/**
 * @module A fast reader for the block-style YAML that Sigma rules are written in, used before
 * the full `yaml` library: loading SigmaHQ spends most of its time composing YAML documents,
 * and rules use a small part of YAML. It reads block mappings and sequences (compact `- key:`
 * entries included), plain, quoted and block scalars, one-line flow collections, comments and
 * `---` separators, and produces exactly what `parseYaml` (./located.ts) produces, positions
 * included.
 *
 * Anything else (anchors, aliases, tags, explicit keys, directives, tabs in indentation,
 * multi-line quoted or flow scalars, anything it is unsure of) throws `NotFastYaml`, and the
 * caller uses the full library instead; syntax errors do too, so error messages always come
 * from the library. A test compares both readers on every SigmaHQ file.
 */
import type { Pos, SourceMap, YamlDocument, YamlObject, YamlValue } from './located.js';

export class NotFastYaml extends Error {}

interface Line {
  /** 1-based line number. */
  readonly no: number;
  readonly indent: number;
  /** Text after the indentation, trailing spaces and comments kept. */
  readonly text: string;
}

const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

function bail(why: string): never {
  throw new NotFastYaml(why);
}

/** Documents of `text` with positions recorded in `map`, or NotFastYaml. */
export function parseFast(text: string, map: SourceMap): YamlDocument[] {
  if (text.includes('\r') || text.includes('\t') || text.includes('\ufeff')) bail('CR, tab or BOM');
  const raw = text.split('\n');
  const docs: Line[][] = [];
  let cur: Line[] | null = null;
  let started = false;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i]!;
    if (l.startsWith('---') && (l.length === 3 || l[3] === ' ')) {
      if (l.length > 3 && l.slice(3).trim() !== '' && !l.slice(3).trim().startsWith('#')) bail('content after ---');
      cur = [];
      docs.push(cur);
      started = true;
      continue;
    }
    if (l.startsWith('...')) bail('document end marker');
    if (l.startsWith('%')) bail('directive');
    const trimmed = l.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (!started) {
      cur = [];
      docs.push(cur);
      started = true;
    }
    cur!.push({ no: i + 1, indent: l.length - trimmed.length, text: trimmed });
  }
  const out: YamlDocument[] = [];
  docs.forEach((lines, index) => {
    if (lines.length === 0) return;
    const p = new Reader(lines, map, raw);
    const first = lines[0]!;
    if (first.indent !== 0) bail('indented document');
    const value = p.node(0, 0);
    if (p.i < lines.length) bail('trailing content');
    out.push({ value, index, pos: { line: first.no, column: 1 } });
  });
  return out;
}

class Reader {
  readonly lines: readonly Line[];
  readonly map: SourceMap;
  /** Every line of the file (block and multi-line scalars read blank and `#` lines as text). */
  readonly raw: readonly string[];
  i = 0;
  #nodes = 0;

  constructor(lines: readonly Line[], map: SourceMap, raw: readonly string[]) {
    this.lines = lines;
    this.map = map;
    this.raw = raw;
  }

  /**
   * Raw lines after line `no` (1-based) that belong to a scalar nested deeper than
   * `parentIndent`: up to the first non-blank line indented `parentIndent` or less. Moves the
   * cursor past the kept lines among them. Blank lines at the end are not included.
   */
  #take(no: number, parentIndent: number): string[] {
    const out: string[] = [];
    let k = no; // index of the line after `no`
    for (; k < this.raw.length; k++) {
      const r = this.raw[k]!;
      const t = r.trimStart();
      if (t === '') {
        out.push(r);
        continue;
      }
      if (r.length - t.length <= parentIndent || /^(---|\.\.\.)( |$)/.test(r)) break;
      out.push(r);
    }
    while (out.length && out[out.length - 1]!.trim() === '') out.pop();
    const lastNo = no + out.length;
    while (this.i < this.lines.length && this.lines[this.i]!.no <= lastNo) this.i++;
    return out;
  }

  /** The block node starting at the current line, whose lines are indented exactly `indent`. */
  node(indent: number, depth: number): YamlValue {
    if (depth > MAX_DEPTH || ++this.#nodes > MAX_NODES) bail('too deep or too large');
    const l = this.lines[this.i]!;
    if (l.indent !== indent) bail('unexpected indentation');
    if (isSeqItem(l.text)) return this.seq(indent, depth);
    if (entryKey(l.text) !== null) return this.mapping(indent, depth, l.text, indent);
    bail('top-level scalar');
  }

  mapping(indent: number, depth: number, firstText: string, firstColumn: number): YamlObject {
    const out = Object.create(null) as YamlObject;
    const first = this.lines[this.i]!;
    this.map.setSelf(out, { line: first.no, column: firstColumn + 1 });
    let text = firstText;
    let column = firstColumn;
    for (;;) {
      const l = this.lines[this.i]!;
      const e = entryKey(text);
      if (e === null) bail('not a mapping entry');
      const key = e.key;
      if (Object.hasOwn(out, key)) bail('duplicate key');
      if (key === '<<') bail('merge key');
      const keyPos = { line: l.no, column: column + 1 };
      const rest = text.slice(e.end);
      const valueText = stripComment(rest.trimStart());
      const valueColumn = column + e.end + (rest.length - rest.trimStart().length);
      this.i++;
      if (valueText === '') {
        // Block value on the following lines, or null.
        const next = this.lines[this.i];
        if (next && (next.indent > indent || (next.indent === indent && isSeqItem(next.text)))) {
          const v = next.indent > indent ? this.node(next.indent, depth + 1) : this.seq(indent, depth + 1);
          out[key] = v;
          this.map.setChild(out, key, keyPos, undefined, { line: next.no, column: next.indent + 1 });
        } else {
          // An empty value: the library places it differently from anything on the line; leave
          // such files to it.
          bail('empty value');
        }
      } else {
        const { value, raw } = this.inline(valueText, l, valueColumn, indent, depth);
        out[key] = value;
        this.map.setChild(out, key, keyPos, raw, { line: l.no, column: valueColumn + 1 });
      }
      const n = this.lines[this.i];
      if (!n || n.indent < indent) return out;
      if (n.indent > indent) bail('over-indented line in mapping');
      if (isSeqItem(n.text)) return out; // a sequence at the same indentation ends the mapping
      text = n.text;
      column = indent;
    }
  }

  seq(indent: number, depth: number): YamlValue[] {
    const out: YamlValue[] = [];
    const first = this.lines[this.i]!;
    this.map.setSelf(out, { line: first.no, column: indent + 1 });
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.indent !== indent || !isSeqItem(l.text)) break;
      const after = l.text.slice(1);
      const body = after.trimStart();
      const bodyColumn = indent + 1 + (after.length - body.length);
      const idx = out.length;
      if (stripComment(body) === '') {
        this.i++;
        const next = this.lines[this.i];
        if (next && next.indent > indent) {
          out.push(this.node(next.indent, depth + 1));
          this.map.setChild(out, idx, { line: next.no, column: next.indent + 1 });
        } else bail('empty sequence item');
      } else if (isSeqItem(body)) {
        bail('nested compact sequence');
      } else if (entryKey(body) !== null && !/^["'[{]/.test(body)) {
        // Compact mapping: `- key: value` with more keys aligned under `key`.
        const m = this.mapping(bodyColumn, depth + 1, body, bodyColumn);
        out.push(m);
        this.map.setChild(out, idx, { line: l.no, column: bodyColumn + 1 });
      } else {
        this.i++;
        const { value, raw } = this.inline(stripComment(body), l, bodyColumn, indent, depth);
        out.push(value);
        this.map.setChild(out, idx, { line: l.no, column: bodyColumn + 1 }, raw);
      }
    }
    return out;
  }

  /** A value written on the line of its key or dash (scalar, block scalar header, flow). */
  inline(text: string, l: Line, column: number, parentIndent: number, depth: number): { value: YamlValue; raw: string | undefined } {
    const c = text[0]!;
    if (c === '|' || c === '>') return { value: this.blockScalar(text, l.no, parentIndent), raw: undefined };
    if (c === '[' || c === '{') {
      const f = new Flow(text, this.map, l.no, column, depth);
      const v = f.value();
      f.end();
      return { value: v, raw: undefined };
    }
    if (c === '"' || c === "'") {
      const q = quoted(text, 0);
      if (q === null || q.end !== text.length) bail('quoted scalar with trailing text or on several lines');
      return { value: q.value, raw: undefined };
    }
    if ('&*!?@`%'.includes(c)) bail('anchor, alias, tag or reserved indicator');
    if (c === '-' && (text.length === 1 || text[1] === ' ')) bail('dash scalar');
    if (text.includes(': ') || text.endsWith(':') || text.includes(' #')) bail('ambiguous plain scalar');
    // Plain scalar, possibly continued on more indented lines (folded with spaces; blank lines
    // become line breaks).
    const more = this.#take(l.no, parentIndent);
    if (more.length === 0) return resolvePlain(text.trimEnd());
    let value = text.trimEnd();
    let blanks = 0;
    for (const r of more) {
      const t = r.trim();
      if (t === '') {
        blanks++;
        continue;
      }
      if (t.startsWith('#') || t.includes(': ') || t.endsWith(':') || t.includes(' #') || t.startsWith('- ') || /^[[\]{}&*!|>'"%@`]/.test(t)) bail('ambiguous continuation line');
      value += blanks ? '\n'.repeat(blanks) : ' ';
      value += t;
      blanks = 0;
    }
    return { value, raw: undefined };
  }

  blockScalar(header: string, no: number, parentIndent: number): string {
    const m = /^([|>])([+-]?)$/.exec(header.trimEnd());
    if (!m) bail('block scalar header');
    const literal = m[1] === '|';
    const chomp = m[2];
    if (chomp === '+') bail('keep chomping');
    const lines = this.#take(no, parentIndent);
    if (lines.length === 0) return '';
    const first = lines.find((r) => r.trim() !== '')!;
    const ind = first.length - first.trimStart().length;
    const body: string[] = [];
    for (const r of lines) {
      const t = r.trimStart();
      if (t === '') {
        if (r.length > ind) bail('spaces on a blank line of a block scalar');
        body.push('');
        continue;
      }
      if (r.length - t.length < ind) bail('less indented block scalar line');
      if (!literal && r.length - t.length > ind) bail('folded scalar with more indented lines');
      body.push(r.slice(ind));
    }
    let out: string;
    if (literal) out = body.join('\n');
    else {
      out = '';
      let blanks = 0;
      body.forEach((b, k) => {
        if (b === '') {
          blanks++;
          return;
        }
        if (k > 0) out += blanks ? '\n'.repeat(blanks) : ' ';
        out += b;
        blanks = 0;
      });
    }
    return chomp === '-' ? out : `${out}\n`;
  }
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Key of a `key: value` line and where the value part starts, or null. */
function entryKey(text: string): { key: string; end: number } | null {
  const c = text[0];
  if (c === '"' || c === "'") {
    const q = quoted(text, 0);
    if (q === null || typeof q.value !== 'string') return null;
    const after = text.slice(q.end);
    if (!/^\s*:(\s|$)/.test(after)) return null;
    const colon = q.end + after.indexOf(':');
    return { key: q.value, end: colon + 1 };
  }
  if (c === undefined || '[{&*!?|>%@`#'.includes(c) || (c === '-' && (text.length === 1 || text[1] === ' '))) return null;
  const m = /^(.*?):(?: |$)/.exec(text);
  if (!m) return null;
  const k = m[1]!;
  if (k.includes(' #') || k !== k.trimEnd() || k === '') return null;
  const r = resolvePlain(k).value;
  if (typeof r === 'object' && r !== null) return null;
  const key = typeof r === 'string' ? r : r === null ? '' : String(r);
  return { key, end: k.length + 1 };
}

function stripComment(s: string): string {
  // A comment starts at ' #' outside quotes; only plain text reaches here unquoted.
  if (s.startsWith('#')) return '';
  let inS = false;
  let inD = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inD) {
      if (c === '\\') i++;
      else if (c === '"') inD = false;
    } else if (inS) {
      if (c === "'") {
        if (s[i + 1] === "'") i++;
        else inS = false;
      }
    } else if (c === '"' && (i === 0 || /[\s[{,]/.test(s[i - 1]!))) inD = true;
    else if (c === "'" && (i === 0 || /[\s[{,]/.test(s[i - 1]!))) inS = true;
    else if (c === '#' && i > 0 && s[i - 1] === ' ') return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

/** A quoted scalar starting at `start`; null when it does not close on this text. */
function quoted(text: string, start: number): { value: string; end: number } | null {
  const q = text[start];
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (q === "'") {
      if (c === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i++;
          continue;
        }
        return { value: out, end: i + 1 };
      }
      out += c;
    } else {
      if (c === '"') return { value: out, end: i + 1 };
      if (c === '\\') {
        const e = text[++i];
        const simple: Readonly<Record<string, string>> = { '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };
        if (e === undefined) return null;
        if (simple[e] !== undefined) out += simple[e];
        else if (e === 'x' || e === 'u' || e === 'U') {
          const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = text.slice(i + 1, i + 1 + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) bail('bad escape');
          out += String.fromCodePoint(parseInt(hex, 16));
          i += n;
        } else bail('unknown escape');
      } else out += c;
    }
  }
  return null;
}

const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** YAML 1.2 core schema resolution of a plain scalar, with the source text of numbers. */
export function resolvePlain(s: string): { value: YamlValue; raw: string | undefined } {
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return { value: null, raw: undefined };
    case 'true':
    case 'True':
    case 'TRUE':
      return { value: true, raw: undefined };
    case 'false':
    case 'False':
    case 'FALSE':
      return { value: false, raw: undefined };
    default:
      break;
  }
  if (INT.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) bail('big integer');
    return { value: n, raw: s };
  }
  if (OCT.test(s)) return { value: parseInt(s.slice(2), 8), raw: s };
  if (HEX.test(s)) return { value: parseInt(s.slice(2), 16), raw: s };
  if (FLOAT.test(s) || /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(s)) bail('float');
  if (/^[[\]{},]|[{}[\],]$/.test(s)) bail('flow indicator in plain scalar');
  return { value: s, raw: undefined };
}

/** One-line flow collections: `[a, 'b', {c: d}]`. */
class Flow {
  readonly #s: string;
  readonly #map: SourceMap;
  readonly #line: number;
  readonly #col0: number;
  #depth: number;
  #i = 0;

  constructor(s: string, map: SourceMap, line: number, col0: number, depth: number) {
    this.#s = s;
    this.#map = map;
    this.#line = line;
    this.#col0 = col0;
    this.#depth = depth;
  }

  #pos(): Pos {
    return { line: this.#line, column: this.#col0 + this.#i + 1 };
  }

  #ws(): void {
    while (this.#s[this.#i] === ' ') this.#i++;
  }

  end(): void {
    this.#ws();
    if (this.#i !== this.#s.length) bail('text after a flow collection');
  }

  value(): YamlValue {
    if (this.#depth > MAX_DEPTH) bail('deep flow');
    this.#ws();
    const c = this.#s[this.#i];
    if (c === '[') return this.#seq();
    if (c === '{') return this.#mapping();
    bail('flow scalar outside a collection');
  }

  #item(): { value: YamlValue; raw: string | undefined; pos: Pos } {
    this.#ws();
    const pos = this.#pos();
    const c = this.#s[this.#i];
    if (c === '[' || c === '{') {
      this.#depth++;
      const value = this.value();
      this.#depth--;
      return { value, raw: undefined, pos };
    }
    if (c === '"' || c === "'") {
      const q = quoted(this.#s, this.#i);
      if (!q) bail('unclosed quote in flow');
      this.#i = q.end;
      return { value: q.value, raw: undefined, pos };
    }
    if (c === undefined || '&*!?@`%#'.includes(c)) bail('unsupported flow item');
    const m = /^[^,[\]{}#]*/.exec(this.#s.slice(this.#i))!;
    let t = m[0];
    const colon = t.search(/:( |$)/);
    if (colon >= 0) t = t.slice(0, colon);
    this.#i += t.length;
    const r = resolvePlain(t.trim());
    return { value: r.value, raw: r.raw, pos };
  }

  #seq(): YamlValue[] {
    const out: YamlValue[] = [];
    this.#map.setSelf(out, this.#pos());
    this.#i++;
    this.#ws();
    if (this.#s[this.#i] === ']') {
      this.#i++;
      return out;
    }
    for (;;) {
      const it = this.#item();
      this.#ws();
      if (this.#s[this.#i] === ':') bail('pair in flow sequence');
      out.push(it.value);
      this.#map.setChild(out, out.length - 1, it.pos, it.raw);
      const c = this.#s[this.#i];
      if (c === ',') {
        this.#i++;
        this.#ws();
        if (this.#s[this.#i] === ']') bail('trailing comma');
        continue;
      }
      if (c === ']') {
        this.#i++;
        return out;
      }
      bail('bad flow sequence');
    }
  }

  #mapping(): YamlObject {
    const out = Object.create(null) as YamlObject;
    this.#map.setSelf(out, this.#pos());
    this.#i++;
    this.#ws();
    if (this.#s[this.#i] === '}') {
      this.#i++;
      return out;
    }
    for (;;) {
      const k = this.#item();
      if (typeof k.value === 'object' && k.value !== null) bail('collection as a key');
      const key = typeof k.value === 'string' ? k.value : k.value === null ? '' : String(k.value);
      this.#ws();
      if (this.#s[this.#i] !== ':') bail('flow mapping entry without a value');
      this.#i++;
      if (Object.hasOwn(out, key)) bail('duplicate key');
      const v = this.#item();
      out[key] = v.value;
      this.#map.setChild(out, key, k.pos, v.raw, v.pos);
      this.#ws();
      const c = this.#s[this.#i];
      if (c === ',') {
        this.#i++;
        continue;
      }
      if (c === '}') {
        this.#i++;
        return out;
      }
      bail('bad flow mapping');
    }
  }
}
