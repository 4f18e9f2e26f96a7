/**
 * @module Loads pipeline files: the built-in ones under `content/pipelines/` (in name order),
 * then the user's. Entries are kept in that order; an entry whose id was seen before replaces
 * the earlier one in place, so a user can redefine a built-in log source.
 *
 * Built-in pipelines are served from the build-time content cache (src/content/cache.ts) when
 * their bytes are the ones it was built from, like exhunt's built-in rules; other files are
 * parsed and validated by ./parse.ts, which is loaded on first use only: with it come the `yaml`
 * and `zod` libraries, which took each scan thread about 70 ms to load.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { ContentCache } from '../../../content/cache.js';
import { builtinContentDir } from '../../../content/package-root.js';
import { SigmaError } from '../errors.js';
import type * as ParseModule from './parse.js';
import type { FieldSpec, LogsourceEntry, PipelineFile } from './schema.js';

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
  return entriesOf(parser().parsePipelineFile(text, file), file);
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
  const bytes = readFileSync(file);
  const rel = builtinRelative(file);
  const cached = rel === null ? undefined : builtinCache()?.pipeline(rel, bytes);
  const entries = entriesOf(cached ?? parser().parsePipelineFile(bytes.toString('utf8'), file), file);
  cache.set(file, { stamp, entries });
  return entries;
}

/** The path of a file of the built-in content folder relative to it (`/` separators), or null. */
function builtinRelative(file: string): string | null {
  const rel = relative(builtinContentDir(), file);
  return rel.startsWith('..') || rel.includes(':') ? null : rel.split(sep).join('/');
}

let contentCache: ContentCache | null | undefined;
function builtinCache(): ContentCache | null {
  if (contentCache === undefined) contentCache = ContentCache.open();
  return contentCache;
}

const require = createRequire(import.meta.url);
let parseModule: typeof ParseModule | undefined;
function parser(): typeof ParseModule {
  parseModule ??= require('./parse.js') as typeof ParseModule;
  return parseModule;
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
