/**
 * @module Reads and validates one pipeline file (./schema.ts): with the fast YAML reader, and
 * with the `yaml` library for what the fast reader does not read and for errors, which it names
 * with their line. ./load.ts loads this module only for a file the content cache does not hold.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { CacheInput } from '../../../content/cache.js';
import { SigmaError } from '../errors.js';
import { NotFastYaml, parseFast } from '../yaml/fast.js';
import { SourceMap } from '../yaml/located.js';
import type { PipelineFile } from './schema.js';
import { pipelineSchema } from './schema.js';

/** The validated pipeline of a file's text; throws SigmaError (code `pipeline`) with the line of the problem. */
export function parsePipelineFile(text: string, file: string): PipelineFile {
  return parseFastPipeline(text, file) ?? parseLibraryPipeline(text, file);
}

/**
 * Pipelines are plain block YAML, which the rules' fast reader (../yaml/fast.ts) reads in a
 * fraction of the `yaml` library's time: composing the built-in pipelines with the library was
 * most of the time a scan thread took to load a hundred Sigma rules. Null when the fast reader
 * cannot read the file or it does not fit the schema: the library then says where the problem is.
 */
function parseFastPipeline(text: string, file: string): PipelineFile | null {
  let docs;
  try {
    docs = parseFast(text, new SourceMap(file));
  } catch (e) {
    if (e instanceof NotFastYaml) return null;
    throw e;
  }
  if (docs.length !== 1) return null;
  const parsed = pipelineSchema.safeParse(docs[0]!.value);
  return parsed.success ? parsed.data : null;
}

function parseLibraryPipeline(text: string, file: string): PipelineFile {
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
  return parsed.data;
}

/**
 * The content cache's entries for the pipelines of a content folder (`pipelines/*.yaml`): each
 * file that validates. Broken files are left out and returned with their errors (a scan then
 * reads them from YAML and reports them).
 */
export function pipelineCacheInputs(contentDir: string): { readonly inputs: CacheInput[]; readonly errors: readonly SigmaError[] } {
  const inputs: CacheInput[] = [];
  const errors: SigmaError[] = [];
  const dir = join(contentDir, 'pipelines');
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    return { inputs, errors };
  }
  for (const name of names.sort()) {
    const file = join(dir, name);
    const bytes = readFileSync(file);
    try {
      inputs.push({ rel: `pipelines/${name}`, bytes, kind: 'pipeline', data: parsePipelineFile(bytes.toString('utf8'), file) });
    } catch (e) {
      if (!(e instanceof SigmaError)) throw e;
      errors.push(e);
    }
  }
  return { inputs, errors };
}
