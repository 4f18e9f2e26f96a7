/**
 * @module Gathers YARA rule text from what the user names: rule files (`.yar`, `.yara`, or any
 * file named directly), folders (recursively, `.yar`/`.yara` plus CISA CHIRP indicator files),
 * and CHIRP YAML files, whose `ioc_type: yara` entries carry a rule in `indicator.rule`.
 *
 * Each file, and each CHIRP entry, becomes one unit compiled under its own namespace (its file
 * name; `<file>_<n>` for the n-th YAML document), so that rules of the same name in different
 * files do not clash and a broken file only takes itself out.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Scalar } from 'yaml';
import { LineCounter, isScalar, parseAllDocuments } from 'yaml';
import { UsageError } from '../../core/errors.js';
import type { ParsedSource } from './rule-text.js';
import { parseRuleText } from './rule-text.js';

/** Which compiled sets a unit's rules may go to. */
export type UnitTarget = 'auto' | 'logs' | 'files';

export interface RuleUnit {
  /** Namespace in the compiled rules, unique in the run; rule ids are `yara:<namespace>.<rule>`. */
  readonly namespace: string;
  /** The file the text came from, as found (for messages). */
  readonly file: string;
  /** Line of `file` on which `text` starts (1 for rule files). */
  readonly firstLine: number;
  readonly text: string;
  /**
   * `auto`: each rule goes where its text says (log rules to log lines too); `logs`: log lines
   * only (`--yara-logs`, CHIRP entries for `*.log` files); `files`: files only.
   */
  readonly target: UnitTarget;
  readonly parsed: ParsedSource;
  /** The CHIRP entry's `name`, used as a title when the rule has no description. */
  readonly title?: string;
}

/** A file that could not be read or parsed as a rule source. */
export interface SourceIssue {
  readonly file: string;
  readonly line: number | null;
  readonly reason: string;
}

export interface CollectedUnits {
  readonly units: RuleUnit[];
  /** Files read (rule files and CHIRP files), in order. */
  readonly files: string[];
  readonly issues: SourceIssue[];
}

const RULE_EXT = new Set(['.yar', '.yara']);
const YAML_EXT = new Set(['.yml', '.yaml']);

/**
 * Reads every rule source under `paths`. `target` is `auto` for `--yara` paths and `logs` for
 * `--yara-logs` paths. Throws UsageError for a path that does not exist.
 */
export function collectUnits(paths: readonly string[], target: 'auto' | 'logs', namespaces: NamespaceAllocator = new NamespaceAllocator()): CollectedUnits {
  const out: CollectedUnits = { units: [], files: [], issues: [] };
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UsageError(`YARA rules not found: ${p}`);
    }
    const files = isDir ? walk(p) : [p];
    for (const f of files) readSource(f, target, namespaces, out, !isDir);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    const ext = extname(name).toLowerCase();
    if (st.isDirectory()) out.push(...walk(p));
    else if (RULE_EXT.has(ext) || YAML_EXT.has(ext)) out.push(p);
  }
  return out;
}

function readSource(file: string, target: 'auto' | 'logs', namespaces: NamespaceAllocator, out: CollectedUnits, named: boolean): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    out.issues.push({ file, line: null, reason: `cannot read: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  const ext = extname(file).toLowerCase();
  const stem = basename(file, extname(file));
  if (YAML_EXT.has(ext)) {
    // Only CHIRP indicator files are read from folders; other YAML is not ours to judge.
    if (!named && !/^\s*ioc_type\s*:/m.test(text)) return;
    out.files.push(file);
    readChirp(file, text, stem, target, namespaces, out);
    return;
  }
  out.files.push(file);
  out.units.push({ namespace: namespaces.take(stem), file, firstLine: 1, text, target, parsed: parseRuleText(text) });
}

function readChirp(file: string, text: string, stem: string, target: 'auto' | 'logs', namespaces: NamespaceAllocator, out: CollectedUnits): void {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) {
    out.issues.push({ file, line: null, reason: 'not a YAML document stream' });
    return;
  }
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      out.issues.push({ file, line: lineCounter.linePos(err.pos[0]).line, reason: `YAML: ${err.message.split('\n')[0] ?? ''}` });
      return;
    }
    const js: unknown = doc.toJS();
    if (!isObject(js) || js.ioc_type !== 'yara') return;
    const indicator = isObject(js.indicator) ? js.indicator : {};
    const node = doc.getIn(['indicator', 'rule'], true);
    if (typeof indicator.rule !== 'string' || !isScalar(node)) {
      out.issues.push({ file, line: null, reason: `document ${i + 1}: ioc_type yara without indicator.rule text` });
      return;
    }
    const rule = indicator.rule;
    const globs = typeof indicator.files === 'string' ? indicator.files : '';
    const entryTarget = target === 'logs' || isLogGlob(globs) ? 'logs' : 'files';
    out.units.push({
      namespace: namespaces.take(`${stem}_${i + 1}`),
      file,
      firstLine: scalarFirstLine(node, lineCounter),
      text: rule,
      target: entryTarget,
      parsed: parseRuleText(rule),
      ...(typeof js.name === 'string' ? { title: js.name } : {}),
    });
  });
}

/** CHIRP `files` globs that name log files (`...\W3SVC*\*.log`, `...\Logging\ECP\Server\*.LOG`). */
export function isLogGlob(glob: string): boolean {
  return /\.log$/i.test(glob.trim()) || /\\(logging|logfiles)\\/i.test(glob);
}

/** Line on which a scalar's text begins (block scalars start on the line after `|`). */
function scalarFirstLine(node: Scalar, lc: LineCounter): number {
  const start = node.range?.[0] ?? 0;
  const line = lc.linePos(start).line;
  return node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' ? line + 1 : line;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Hands out namespaces made of letters, digits and `_`, unique within a run. */
export class NamespaceAllocator {
  readonly #used = new Set<string>();

  take(name: string): string {
    let base = name.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    let candidate = base;
    for (let n = 2; this.#used.has(candidate); n++) candidate = `${base}_${n}`;
    this.#used.add(candidate);
    return candidate;
  }
}
