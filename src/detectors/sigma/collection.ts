/**
 * @module Loading a rule collection: files and folders of Sigma YAML (every `.yml`/`.yaml`
 * below a folder, in path order), each file possibly holding several documents.
 *
 * A file's documents are detection rules, filters and correlation rules (Sigma 2), or a Sigma 1
 * collection: `action: global` (merged into every later document), `action: reset` (forgets the
 * global document) and `action: repeat` (the previous rule with this document merged over it).
 * A document that fails is reported with its file, line and reason and left out; the rest load.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { SigmaError } from './errors.js';
import type { ModifierContext } from './rule/modifiers.js';
import { parseDocument } from './rule/parse.js';
import type { SigmaDocument } from './rule/types.js';
import type { SourceMap, YamlDocument, YamlObject, YamlValue } from './yaml/located.js';
import { parseYaml } from './yaml/located.js';

export interface LoadedDocument {
  readonly doc: SigmaDocument;
  /** Rule file as reported in findings: relative to the folder given, prefixed by its name. */
  readonly displayFile: string;
  /** License of the rule, or of its collection (a LICENSE file above it), or `unknown`. */
  readonly license: string;
}

export interface CollectionResult {
  readonly documents: LoadedDocument[];
  readonly errors: SigmaError[];
  readonly files: number;
}

/** Files below `path` (or `path` itself) that hold Sigma rules, in a stable order. */
export function ruleFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
    }
  };
  walk(path);
  return out;
}

export function loadCollection(paths: readonly string[], ctx: ModifierContext): CollectionResult {
  const documents: LoadedDocument[] = [];
  const errors: SigmaError[] = [];
  const licenses = new LicenseFinder();
  let files = 0;
  for (const root of paths) {
    let list: string[];
    try {
      list = ruleFiles(root);
    } catch (e) {
      errors.push(new SigmaError('io', `cannot read: ${(e as Error).message}`, { file: root }));
      continue;
    }
    const base = statSync(root).isFile() ? dirname(root) : root;
    const prefix = statSync(root).isFile() ? '' : `${basename(root)}/`;
    for (const file of list) {
      files++;
      const displayFile = `${prefix}${relative(base, file).split(sep).join('/')}`;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        errors.push(new SigmaError('io', `cannot read: ${(e as Error).message}`, { file }));
        continue;
      }
      const res = loadText(text, file, ctx);
      errors.push(...res.errors);
      for (const doc of res.documents) documents.push({ doc, displayFile, license: doc.license ?? licenses.find(file) });
    }
  }
  return { documents, errors, files };
}

/** Parses the documents of one file (exported for tests and `exhunt sigma test`). */
export function loadText(text: string, file: string, ctx: ModifierContext): { documents: SigmaDocument[]; errors: SigmaError[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = parseYaml(text, file);
  const errors = parsed.errors.map((e) => e.error);
  const documents: SigmaDocument[] = [];
  const map = parsed.map;
  let global: YamlObject | null = null;
  let previous: YamlObject | null = null;
  for (const d of parsed.documents) {
    const v = d.value;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.action !== undefined) {
      const action = v.action;
      const rest = without(v, 'action', map);
      if (action === 'global') {
        global = rest;
        continue;
      }
      if (action === 'reset') {
        global = null;
        continue;
      }
      if (action === 'repeat') {
        if (previous === null) {
          errors.push(map.error('schema', '`action: repeat` without a previous rule to repeat', v, 'action'));
          continue;
        }
        previous = merge(previous, rest, map);
        push({ ...d, value: previous });
        continue;
      }
      errors.push(map.error('schema', `unknown action ${JSON.stringify(action)} (Sigma 1 collections know global, reset, repeat)`, v, 'action'));
      continue;
    }
    const value = global !== null && typeof v === 'object' && v !== null && !Array.isArray(v) ? merge(global, v, map) : v;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) previous = value;
    push({ ...d, value });
  }
  return { documents, errors };

  function push(d: YamlDocument): void {
    try {
      documents.push(parseDocument(d, map, ctx));
    } catch (e) {
      if (e instanceof SigmaError) errors.push(e);
      else errors.push(new SigmaError('schema', `internal error while reading the rule: ${(e as Error).message}`, { file, line: d.pos.line }));
    }
  }
}

function without(o: YamlObject, key: string, map: SourceMap): YamlObject {
  const out = Object.create(null) as YamlObject;
  const p = map.pos(o);
  if (p) map.setSelf(out, p);
  for (const [k, v] of Object.entries(o)) {
    if (k === key) continue;
    out[k] = v;
    copyPos(o, out, k, map);
  }
  return out;
}

/** Deep merge of two maps (b wins), keeping the source positions of both. */
function merge(a: YamlObject, b: YamlObject, map: SourceMap): YamlObject {
  const out = Object.create(null) as YamlObject;
  const p = map.pos(b) ?? map.pos(a);
  if (p) map.setSelf(out, p);
  for (const [k, v] of Object.entries(a)) {
    out[k] = v;
    copyPos(a, out, k, map);
  }
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isMap(prev) && isMap(v) ? merge(prev, v, map) : v;
    copyPos(b, out, k, map);
  }
  return out;
}

function isMap(v: YamlValue | undefined): v is YamlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function copyPos(from: YamlObject, to: YamlObject, k: string, map: SourceMap): void {
  const kp = map.at(from, k);
  if (kp) map.setChild(to, k, kp, map.raw(from, k), map.valueAt(from, k));
}

/**
 * Finds the license of a rule collection from a LICENSE file in the rule's folder or above
 * (SigmaHQ's is the Detection Rule License 1.1, which asks that matches name the rule's author
 * and license).
 */
class LicenseFinder {
  readonly #cache = new Map<string, string>();

  find(file: string): string {
    return this.#dir(dirname(file), 0);
  }

  #dir(dir: string, depth: number): string {
    const hit = this.#cache.get(dir);
    if (hit !== undefined) return hit;
    let found: string | undefined;
    for (const name of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENSE.Detection.Rules.md']) {
      try {
        const text = readFileSync(join(dir, name), 'utf8').slice(0, 4096);
        found = describeLicense(text);
        break;
      } catch {
        // no such file here
      }
    }
    const up = dirname(dir);
    const result = found ?? (up === dir || depth > 32 ? 'unknown' : this.#dir(up, depth + 1));
    this.#cache.set(dir, result);
    return result;
  }
}

export function describeLicense(text: string): string {
  const drl = /Detection Rule License \(DRL\)\s*(\d+(?:\.\d+)*)|Detection Rule License[^\n]*?(\d+\.\d+)/i.exec(text);
  if (drl) return `DRL-${drl[1] ?? drl[2] ?? '1.1'} (Detection Rule License, https://github.com/SigmaHQ/Detection-Rule-License)`;
  const first = text.split('\n').find((l) => l.trim() !== '');
  return first ? first.trim().replace(/^#+\s*/, '').slice(0, 120) : 'unknown';
}
