/**
 * @module Loads pipeline files: the built-in ones under `content/pipelines/` (in name order),
 * then the user's. Entries are kept in that order; an entry whose id was seen before replaces
 * the earlier one in place, so a user can redefine a built-in log source.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { builtinContentDir } from '../../../content/package-root.js';
import { SigmaError } from '../errors.js';
import { NotFastYaml, parseFast } from '../yaml/fast.js';
import { SourceMap } from '../yaml/located.js';
import type { FieldSpec, LogsourceEntry, PipelineFile } from './schema.js';
import { pipelineSchema } from './schema.js';

export interface PipelineEntry extends LogsourceEntry {
  /** Pipeline file the entry comes from. */
  readonly file: string;
  /** Pipeline-wide fields merged under the entry's own. */
  readonly fields: Record<string, FieldSpec>;
}

/** The built-in pipeline files, in name order. */
export function builtinPipelineFiles(): string[] {
  const dir = join(builtinContentDir(), 'pipelines');
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Parses one pipeline file; throws SigmaError (code `pipeline`) with the line of the problem. */
export function parsePipelineText(text: string, file: string): PipelineEntry[] {
  return parseFastPipeline(text, file) ?? parseLibraryPipeline(text, file);
}

/**
 * Pipelines are plain block YAML, which the rules' fast reader (../yaml/fast.ts) reads in a
 * fraction of the `yaml` library's time: composing the built-in pipelines with the library was
 * most of the time a scan thread took to load a hundred Sigma rules. Null when the fast reader
 * cannot read the file or it does not fit the schema: the library then says where the problem is.
 */
function parseFastPipeline(text: string, file: string): PipelineEntry[] | null {
  let docs;
  try {
    docs = parseFast(text, new SourceMap(file));
  } catch (e) {
    if (e instanceof NotFastYaml) return null;
    throw e;
  }
  if (docs.length !== 1) return null;
  const parsed = pipelineSchema.safeParse(docs[0]!.value);
  return parsed.success ? entriesOf(parsed.data, file) : null;
}

function parseLibraryPipeline(text: string, file: string): PipelineEntry[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const yamlErr = doc.errors[0];
  if (yamlErr) {
    const p = lc.linePos(yamlErr.pos[0]);
    throw new SigmaError('pipeline', `YAML: ${yamlErr.message.split('\n')[0] ?? ''}`, { file, line: p.line, column: p.col });
  }
  const parsed = pipelineSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    let node: unknown;
    for (let n = path.length; n >= 0 && !isNode(node); n--) node = doc.getIn(path.slice(0, n), true);
    const range = isNode(node) ? node.range : undefined;
    const p = range ? lc.linePos(range[0]) : undefined;
    throw new SigmaError('pipeline', `${path.join('.') || '(top)'}: ${issue.message}`, { file, ...(p ? { line: p.line, column: p.col } : {}) });
  }
  return entriesOf(parsed.data, file);
}

function entriesOf(pipeline: PipelineFile, file: string): PipelineEntry[] {
  const shared = pipeline.fields;
  return pipeline.logsources.map((e) => ({ ...e, file, fields: { ...shared, ...e.fields } }));
}

export interface LoadedPipelines {
  readonly entries: readonly PipelineEntry[];
  readonly errors: readonly SigmaError[];
}

/** Parsed pipeline files by path, kept while the file's size and time are unchanged. */
const cache = new Map<string, { readonly stamp: string; readonly entries: readonly PipelineEntry[] }>();

function parseFileCached(file: string): readonly PipelineEntry[] {
  const st = statSync(file);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.entries;
  const entries = parsePipelineText(readFileSync(file, 'utf8'), file);
  cache.set(file, { stamp, entries });
  return entries;
}

export function loadPipelines(files: readonly string[]): LoadedPipelines {
  const entries: PipelineEntry[] = [];
  const errors: SigmaError[] = [];
  for (const file of files) {
    let parsed: readonly PipelineEntry[];
    try {
      parsed = parseFileCached(file);
    } catch (e) {
      if (e instanceof SigmaError) errors.push(e);
      else errors.push(new SigmaError('io', `cannot read pipeline: ${(e as Error).message}`, { file }));
      continue;
    }
    {
      for (const e of parsed) {
        const at = entries.findIndex((x) => x.id === e.id);
        if (at >= 0) entries[at] = e;
        else entries.push(e);
      }
    }
  }
  return { entries, errors };
}
