/**
 * @module Reading one YAML content file strictly, with every problem reported as `file:line:
 * message` (the approach of src/content/load.ts: the line of the offending node, an unknown key
 * at the key itself, a missing key at its parent mapping). Errors are collected, not thrown.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodType } from 'zod';
import { ContentError } from '../core/errors.js';

export type YamlPath = readonly (string | number)[];

export interface YamlFile<T> {
  readonly file: string;
  readonly data: T;
  /** Line of the node at `path` (or of its deepest existing ancestor). */
  lineAt(path: YamlPath): number;
}

/** Parses and validates `file`; null (with errors pushed) when it cannot be read or is invalid. */
export function readYamlFile<T>(file: string, schema: ZodType<T>, errors: ContentError[]): YamlFile<T> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    errors.push(new ContentError(`cannot read: ${(e as Error).message}`, { path: file }));
    return null;
  }
  return parseYamlText(text, file, schema, errors);
}

export function parseYamlText<T>(text: string, file: string, schema: ZodType<T>, errors: ContentError[]): YamlFile<T> | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      errors.push(new ContentError(`YAML: ${err.message.split('\n')[0] ?? err.message}`, { path: file, line: lineCounter.linePos(err.pos[0]).line }));
    }
    return null;
  }
  const raw: unknown = doc.toJS();
  const lineAt = (path: YamlPath): number => lineOf(doc, lineCounter, path);
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const at = key === undefined ? path : [...path, key];
        const missing = key === undefined && path.length > 0 && valueAt(raw, path) === undefined;
        const where = at.length ? `${at.join('.')}: ` : '';
        const message = missing ? 'required key is missing' : key !== undefined ? `unknown key "${key}"` : issue.message;
        errors.push(new ContentError(`${where}${message}`, { path: file, line: lineAt(at) }));
      }
    }
    return null;
  }
  return { file, data: result.data, lineAt };
}

function lineOf(doc: Document, lineCounter: LineCounter, path: YamlPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  return 1;
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}
