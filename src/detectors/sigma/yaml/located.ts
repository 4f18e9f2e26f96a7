/**
 * @module YAML with positions: parses a (multi-document) YAML file into plain values and keeps,
 * beside them, where each value was written, so that rule errors can name line and column.
 *
 * Values are plain JavaScript (objects, arrays, strings, numbers, booleans, null). Positions
 * live in a side table keyed by the containing object or array and the key or index, because
 * strings and numbers cannot carry them. The side table also keeps the source text of numeric
 * scalars (`0x40810000`, `007`), since Sigma compares values as text as well as numbers.
 *
 * Aliases are resolved (the same object is shared) and `<<` merge keys are applied. Duplicate
 * keys are errors: in a detection they would silently drop a condition.
 */
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { SigmaError } from '../errors.js';

export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };
export type YamlObject = { [key: string]: YamlValue };

/** Positions and numeric source text of the values of one file. */
export class SourceMap {
  readonly file: string;
  readonly #self = new WeakMap<object, Pos>();
  readonly #children = new WeakMap<object, Map<string | number, Pos>>();
  readonly #raw = new WeakMap<object, Map<string | number, string>>();

  constructor(file: string) {
    this.file = file;
  }

  /** Where an object or array starts. */
  pos(container: object): Pos | undefined {
    return this.#self.get(container);
  }

  /** Where the value under `key` of `container` was written (for mappings: the key itself). */
  at(container: object, key: string | number): Pos | undefined {
    return this.#children.get(container)?.get(key) ?? this.#self.get(container);
  }

  /** Source text of a numeric scalar under `key` of `container`, as written in the file. */
  raw(container: object, key: string | number): string | undefined {
    return this.#raw.get(container)?.get(key);
  }

  /** An error located at `container[key]` (or at the container when key is omitted). */
  error(code: ConstructorParameters<typeof SigmaError>[0], reason: string, container?: object, key?: string | number): SigmaError {
    const p = container === undefined ? undefined : key === undefined ? this.pos(container) : this.at(container, key);
    return new SigmaError(code, reason, { file: this.file, ...(p ? { line: p.line, column: p.column } : {}) });
  }

  setSelf(o: object, p: Pos): void {
    this.#self.set(o, p);
  }

  setChild(o: object, key: string | number, p: Pos, raw?: string): void {
    let m = this.#children.get(o);
    if (!m) this.#children.set(o, (m = new Map()));
    m.set(key, p);
    if (raw !== undefined) {
      let r = this.#raw.get(o);
      if (!r) this.#raw.set(o, (r = new Map()));
      r.set(key, raw);
    }
  }
}

export interface YamlDocument {
  readonly value: YamlValue;
  /** 0-based index of the document in the file. */
  readonly index: number;
  readonly pos: Pos;
}

export interface ParsedYaml {
  readonly documents: readonly YamlDocument[];
  readonly map: SourceMap;
  /** Syntax errors, one per broken document (the other documents are still returned). */
  readonly errors: readonly { readonly index: number; readonly error: SigmaError }[];
}

/** Nesting deeper than this is refused (rules are small; deep nesting is an attack on the stack). */
const MAX_DEPTH = 64;

export function parseYaml(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  const map = new SourceMap(file);
  const documents: YamlDocument[] = [];
  const errors: { index: number; error: SigmaError }[] = [];
  const posOf = (offset: number): Pos => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, maxAliasCount: 100 });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      const p = posOf(first.pos[0]);
      errors.push({ index, error: new SigmaError('yaml', `YAML: ${firstLine(first.message)}`, { file, line: p.line, column: p.column }) });
      return;
    }
    if (doc.contents === null) return; // empty document (e.g. a trailing `---`)
    try {
      const conv = new Converter(doc, map, posOf);
      const value = conv.node(doc.contents, 0);
      const start = doc.contents.range?.[0] ?? 0;
      documents.push({ value, index, pos: posOf(start) });
    } catch (e) {
      if (e instanceof SigmaError) errors.push({ index, error: e });
      else throw e;
    }
  });
  return { documents, map, errors };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

class Converter {
  readonly #doc: Document.Parsed;
  readonly #map: SourceMap;
  readonly #posOf: (offset: number) => Pos;

  constructor(doc: Document.Parsed, map: SourceMap, posOf: (offset: number) => Pos) {
    this.#doc = doc;
    this.#map = map;
    this.#posOf = posOf;
  }

  #start(n: YamlNode | null | undefined): Pos {
    return this.#posOf(n?.range?.[0] ?? 0);
  }

  node(n: unknown, depth: number): YamlValue {
    if (depth > MAX_DEPTH) {
      const p = this.#start(n as YamlNode);
      throw new SigmaError('yaml', `YAML nested deeper than ${MAX_DEPTH} levels`, { file: this.#map.file, line: p.line, column: p.column });
    }
    if (isAlias(n)) return this.node(n.resolve(this.#doc), depth + 1);
    if (isScalar(n)) return scalarValue(n);
    if (isSeq(n)) {
      const out: YamlValue[] = [];
      this.#map.setSelf(out, this.#start(n));
      n.items.forEach((item, i) => {
        out.push(this.node(item, depth + 1));
        this.#map.setChild(out, i, this.#start(item as YamlNode), numericSource(item));
      });
      return out;
    }
    if (isMap(n)) {
      const out: YamlObject = Object.create(null) as YamlObject;
      this.#map.setSelf(out, this.#start(n));
      for (const pair of n.items) {
        const keyNode = pair.key;
        const keyVal = isScalar(keyNode) ? keyNode.value : isAlias(keyNode) ? this.node(keyNode, depth + 1) : undefined;
        if (keyVal === undefined || (typeof keyVal === 'object' && keyVal !== null)) {
          const p = this.#start(keyNode as YamlNode);
          throw new SigmaError('yaml', 'YAML: mapping keys must be plain scalars', { file: this.#map.file, line: p.line, column: p.column });
        }
        const key = keyVal === null ? '' : String(keyVal);
        if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
          this.#merge(out, this.node(pair.value, depth + 1));
          continue;
        }
        out[key] = this.node(pair.value, depth + 1);
        this.#map.setChild(out, key, this.#start(keyNode as YamlNode), numericSource(pair.value));
      }
      return out;
    }
    return null;
  }

  #merge(into: YamlObject, src: YamlValue): void {
    const sources = Array.isArray(src) ? src : [src];
    for (const s of sources) {
      if (s === null || typeof s !== 'object' || Array.isArray(s)) continue;
      for (const [k, v] of Object.entries(s)) {
        if (!Object.hasOwn(into, k)) {
          into[k] = v;
          const p = this.#map.at(s, k);
          if (p) this.#map.setChild(into, k, p, this.#map.raw(s, k));
        }
      }
    }
  }
}

function scalarValue(s: Scalar): YamlValue {
  const v: unknown = s.value;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // Anything else (dates with custom tags, binary) is kept as its source text.
  return s.source ?? String(v);
}

function numericSource(n: unknown): string | undefined {
  if (isScalar(n) && (typeof n.value === 'number' || typeof n.value === 'bigint')) return n.source ?? String(n.value);
  return undefined;
}
