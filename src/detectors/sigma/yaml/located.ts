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
import { createRequire } from 'node:module';
import type * as YamlLibrary from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import { SigmaError } from '../errors.js';
import { NotFastYaml, parseFast } from './fast.js';

export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };
export type YamlObject = { [key: string]: YamlValue };

/** What is known about one child of a mapping or sequence. */
interface ChildInfo {
  /** For mappings: where the key is; for sequences: where the item starts. */
  readonly at: Pos;
  /** For mappings: where the value starts. */
  readonly value: Pos | undefined;
  /** Source text of a numeric scalar. */
  readonly raw: string | undefined;
}

interface NodeInfo {
  self?: Pos;
  children?: Map<string | number, ChildInfo>;
}

/**
 * Positions live on the parsed objects themselves, under a symbol (invisible to Object.keys
 * and JSON): a WeakMap per file made garbage collection dominate the loading of large rule
 * collections.
 */
const INFO = Symbol('sigma.yaml.position');

function info(o: object, create: boolean): NodeInfo | undefined {
  const holder = o as { [INFO]?: NodeInfo };
  let i = holder[INFO];
  if (i === undefined && create) {
    i = {};
    Object.defineProperty(o, INFO, { value: i, enumerable: false, writable: false });
  }
  return i;
}

/** Positions and numeric source text of the values of one file. */
export class SourceMap {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** Where an object or array starts. */
  pos(container: object): Pos | undefined {
    return info(container, false)?.self;
  }

  /** Where the value under `key` of `container` was written (for mappings: the key itself). */
  at(container: object, key: string | number): Pos | undefined {
    const i = info(container, false);
    return i?.children?.get(key)?.at ?? i?.self;
  }

  /** Where the value under `key` of `container` starts (for mappings: the value, not the key). */
  valueAt(container: object, key: string | number): Pos | undefined {
    return info(container, false)?.children?.get(key)?.value ?? this.at(container, key);
  }

  /** Source text of a numeric scalar under `key` of `container`, as written in the file. */
  raw(container: object, key: string | number): string | undefined {
    return info(container, false)?.children?.get(key)?.raw;
  }

  /** An error located at `container[key]` (or at the container when key is omitted). */
  error(code: ConstructorParameters<typeof SigmaError>[0], reason: string, container?: object, key?: string | number): SigmaError {
    const p = container === undefined ? undefined : key === undefined ? this.pos(container) : this.at(container, key);
    return new SigmaError(code, reason, { file: this.file, ...(p ? { line: p.line, column: p.column } : {}) });
  }

  setSelf(o: object, p: Pos): void {
    info(o, true)!.self = p;
  }

  setChild(o: object, key: string | number, p: Pos, raw?: string, valuePos?: Pos): void {
    const i = info(o, true)!;
    (i.children ??= new Map()).set(key, { at: p, value: valuePos, raw });
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

const require = createRequire(import.meta.url);
let library: typeof YamlLibrary | undefined;

/**
 * The `yaml` library, loaded on first use: the fast reader reads SigmaHQ's rules and exhunt's
 * pipelines, and loading the library cost each scan thread about 25 ms.
 */
export function yamlLibrary(): typeof YamlLibrary {
  library ??= require('yaml') as typeof YamlLibrary;
  return library;
}

/** Nesting deeper than this is refused (rules are small; deep nesting is an attack on the stack). */
const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

/**
 * Parses a YAML file: with the fast reader for plain block YAML (./fast.ts), else with the
 * `yaml` library. Both give the same values and positions.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const map = new SourceMap(file);
  try {
    return { documents: parseFast(text, map), map, errors: [] };
  } catch (e) {
    if (!(e instanceof NotFastYaml)) throw e;
  }
  return parseYamlLibrary(text, file);
}

/** Parses a YAML file with the `yaml` library (any YAML; the reference for ./fast.ts). */
export function parseYamlLibrary(text: string, file: string): ParsedYaml {
  const { LineCounter, parseAllDocuments, isScalar } = yamlLibrary();
  const lc = new LineCounter();
  const map = new SourceMap(file);
  const documents: YamlDocument[] = [];
  const errors: { index: number; error: SigmaError }[] = [];
  const posOf = (offset: number): Pos => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      const p = posOf(first.pos[0]);
      errors.push({ index, error: new SigmaError('yaml', `YAML: ${firstLine(first.message)}`, { file, line: p.line, column: p.column }) });
      return;
    }
    // Empty documents (a trailing `---`, or `---` twice) are no documents.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && !doc.contents.source)) return;
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
  /** Nodes produced so far: aliases can multiply a small file into a huge value ("billion laughs"). */
  #nodes = 0;

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
    if (++this.#nodes > MAX_NODES) {
      const p = this.#start(n as YamlNode);
      throw new SigmaError('yaml', `YAML expands to more than ${MAX_NODES} values (aliases?)`, { file: this.#map.file, line: p.line, column: p.column });
    }
    const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
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
        const key = typeof keyVal === 'string' ? keyVal : typeof keyVal === 'number' || typeof keyVal === 'boolean' || typeof keyVal === 'bigint' ? String(keyVal) : '';
        if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
          this.#merge(out, this.node(pair.value, depth + 1));
          continue;
        }
        out[key] = this.node(pair.value, depth + 1);
        const valueNode = pair.value as YamlNode | null;
        this.#map.setChild(out, key, this.#start(keyNode as YamlNode), numericSource(pair.value), valueNode ? this.#start(valueNode) : undefined);
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
  return s.source ?? '';
}

function numericSource(n: unknown): string | undefined {
  if (yamlLibrary().isScalar(n) && (typeof n.value === 'number' || typeof n.value === 'bigint')) return n.source ?? String(n.value);
  return undefined;
}
