/**
 * @module The engine contract over the `yara` command (YARA 4.x; `yara64.exe` on Windows), for
 * hosts where the YARA-X binding cannot load. Rules are compiled once with `yarac` when it is
 * there; each scan is one `yara` process (slow: about a tenth of a second per file with all of
 * signature-base loaded, see docs/yara.md).
 *
 * Log lines come in batches (line-batch.ts): the gate rules (line-gate.ts) run once over the
 * batch through `scan`, and `scanEach` scans the lines they leave with one `yara -r` run over a
 * folder holding one file per line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EngineIssue, Externals, RawMatch, RawString, ScanLimits, ScanSet, UnitSource, YaraEngine } from './engine.js';
import { EMPTY_EXTERNALS, YaraTimeoutError } from './engine.js';
import type { YaraCommand } from './loader.js';
import type { MetaValue } from './rule-text.js';

const MAX_OUTPUT = 512 * 1024 * 1024;

export function commandEngine(cmd: YaraCommand): YaraEngine {
  return {
    info: { kind: 'yara', version: cmd.version, detail: cmd.yara },
    check(unit) {
      const tmp = new TempDir();
      try {
        const file = tmp.write('check.yar', unit.text);
        const empty = tmp.write('empty', '');
        const r = spawnSync(cmd.yara, ['-w', ...defines(EMPTY_EXTERNALS), file, empty], { encoding: 'utf8', maxBuffer: MAX_OUTPUT });
        return r.status === 0 ? [] : parseCompileErrors(r.stderr || r.stdout);
      } finally {
        tmp.close();
      }
    },
    build(units, limits) {
      return commandSet(cmd, units, limits);
    },
  };
}

function commandSet(cmd: YaraCommand, units: readonly UnitSource[], limits: ScanLimits): ScanSet {
  const tmp = new TempDir();
  const compile = (list: readonly UnitSource[], name: string): string[] => {
    const files = list.map((u, i) => `${u.namespace}:${tmp.write(`${name}-${i}.yar`, u.text)}`);
    if (!cmd.yarac) return files;
    const out = join(tmp.dir, `${name}.yarc`);
    const r = spawnSync(cmd.yarac, ['-w', ...defines(EMPTY_EXTERNALS), ...files, out], { encoding: 'utf8', maxBuffer: MAX_OUTPUT });
    if (r.status !== 0) throw new Error(`yarac failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`);
    return ['-C', out];
  };
  let rulesArgs: string[];
  try {
    rulesArgs = compile(units, 'rules');
  } catch (e) {
    tmp.close();
    throw e;
  }
  const timeout = String(Math.max(1, Math.ceil(limits.timeoutMs / 1000)));

  const run = (args: readonly string[], target: string, externals: Externals): RawMatch[] => {
    const r = spawnSync(cmd.yara, ['-s', '-m', '-g', '-e', '-L', '-w', '-a', timeout, ...defines(externals), ...args, target], {
      encoding: 'utf8',
      maxBuffer: MAX_OUTPUT,
    });
    if (/timeout|timed out/i.test(r.stderr)) throw new YaraTimeoutError('scan timed out');
    if (r.status !== 0) throw new Error(`yara failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.status}`}`);
    return parseScanOutput(r.stdout).map((m) => m.match);
  };
  const runByPath = (args: readonly string[], dir: string, externals: Externals): Map<string, RawMatch[]> => {
    const r = spawnSync(cmd.yara, ['-s', '-m', '-g', '-e', '-L', '-w', '-a', timeout, '-r', ...defines(externals), ...args, dir], {
      encoding: 'utf8',
      maxBuffer: MAX_OUTPUT,
    });
    if (r.status !== 0) throw new Error(`yara failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.status}`}`);
    const byPath = new Map<string, RawMatch[]>();
    for (const { path, match } of parseScanOutput(r.stdout)) byPath.set(basename(path), [...(byPath.get(basename(path)) ?? []), match]);
    return byPath;
  };

  const set: ScanSet = {
    scanPath: (path, externals) => run(rulesArgs, path, externals),
    scan(data, externals) {
      const file = tmp.write('target', data);
      try {
        return run(rulesArgs, file, externals);
      } finally {
        rmSync(file, { force: true });
      }
    },
    scanEach(items, externals, onError) {
      const results: RawMatch[][] = items.map(() => []);
      if (items.length === 0) return results;
      const dir = mkdtempSync(join(tmp.dir, 'lines-'));
      try {
        items.forEach((item, i) => writeFileSync(join(dir, String(i)), item));
        for (const [name, matches] of runByPath(rulesArgs, dir, externals)) results[Number(name)] = matches;
      } catch {
        // One run for all lines failed: scan them one by one so that only the bad ones are lost.
        items.forEach((item, i) => {
          try {
            results[i] = run(rulesArgs, join(dir, String(i)), externals);
          } catch (e) {
            onError(i, e);
          }
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return results;
    },
    close: () => tmp.close(),
  };
  return set;
}

/**
 * `-d name=value` arguments. The command reads `true`, `false` and numbers as booleans and
 * integers, which would clash with the string type the rules declare, so such values are passed
 * empty.
 */
function defines(externals: Externals): string[] {
  return Object.entries(externals).flatMap(([k, v]) => ['-d', `${k}=${/^(true|false|-?[0-9.]+)$/i.test(v) ? '' : v.replace(/[\r\n]/g, ' ')}`]);
}

/** `file(12): error: reason` and `error: rule "x" in file(12): reason` lines of yara/yarac. */
export function parseCompileErrors(stderr: string): EngineIssue[] {
  const out: EngineIssue[] = [];
  for (const l of stderr.split(/\r?\n/)) {
    let m = /^error: rule "([^"]*)" in .*\((\d+)\): (.*)$/.exec(l);
    if (m) {
      out.push({ line: Number(m[2]), column: null, code: 'error', reason: `rule "${m[1] ?? ''}": ${m[3] ?? ''}` });
      continue;
    }
    m = /^.*\((\d+)\): error: (.*)$/.exec(l);
    if (m) {
      out.push({ line: Number(m[1]), column: null, code: 'error', reason: m[2] ?? '' });
      continue;
    }
    if (/^error/.test(l)) out.push({ line: null, column: null, code: 'error', reason: l.replace(/^error:\s*/, '') });
  }
  return out.length > 0 ? out : [{ line: null, column: null, code: 'error', reason: stderr.trim().split('\n')[0] || 'does not compile' }];
}

/**
 * Reads `yara -s -m -g -e -L` output: a header `ns:rule [tags] [meta] path` per matching rule and
 * file, followed by `0xOFFSET:LENGTH:$id: data` lines.
 */
export function parseScanOutput(stdout: string): { path: string; match: RawMatch }[] {
  const out: { path: string; match: { namespace: string; rule: string; tags: string[]; meta: Record<string, MetaValue>; strings: RawString[] } }[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const s = /^0x([0-9a-fA-F]+):(\d+):(\$[^:]*): ?(.*)$/.exec(line);
    const last = out[out.length - 1];
    if (s && last) {
      last.match.strings.push({ id: s[3] ?? '$', offset: parseInt(s[1] ?? '0', 16), length: Number(s[2]), data: s[4] ?? '' });
      continue;
    }
    const h = parseHeader(line);
    if (h) out.push({ path: h.path, match: { namespace: h.namespace, rule: h.rule, tags: h.tags, meta: h.meta, strings: [] } });
  }
  return out;
}

function parseHeader(line: string): { namespace: string; rule: string; tags: string[]; meta: Record<string, MetaValue>; path: string } | null {
  const m = /^([^\s:]+):([A-Za-z_][A-Za-z0-9_]*) \[([^\]]*)\] \[/.exec(line);
  if (!m) return null;
  const meta: Record<string, MetaValue> = {};
  let i = m[0].length;
  while (i < line.length && line[i] !== ']') {
    const eq = line.indexOf('=', i);
    if (eq < 0) return null;
    const key = line.slice(i, eq).trim();
    i = eq + 1;
    let value: MetaValue;
    if (line[i] === '"') {
      let j = i + 1;
      let v = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) {
          v += line[j + 1];
          j += 2;
        } else v += line[j++];
      }
      value = v;
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== ',' && line[j] !== ']') j += 1;
      const raw = line.slice(i, j);
      value = raw === 'true' ? true : raw === 'false' ? false : Number.isFinite(Number(raw)) ? Number(raw) : raw;
      i = j;
    }
    if (!(key in meta)) meta[key] = value;
    if (line[i] === ',') i += 1;
  }
  if (line[i] !== ']' || line[i + 1] !== ' ') return null;
  return { namespace: m[1] ?? 'default', rule: m[2] ?? '', tags: (m[3] ?? '').split(',').filter(Boolean), meta, path: line.slice(i + 2) };
}

/** A private temporary folder, removed on close (and at exit, if close was never called). */
class TempDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'exhunt-yara-'));
  readonly #cleanup = (): void => rmSync(this.dir, { recursive: true, force: true });

  constructor() {
    process.once('exit', this.#cleanup);
  }

  write(name: string, data: string | Buffer): string {
    const p = join(this.dir, name);
    writeFileSync(p, data);
    return p;
  }

  close(): void {
    process.off('exit', this.#cleanup);
    this.#cleanup();
  }
}
