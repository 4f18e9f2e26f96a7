/**
 * @module Finds a YARA engine: the YARA-X native binding for this platform
 * (`@litko/yara-x-<platform>-<arch>[-<abi>]`, an optional dependency loaded with `createRequire`
 * so that a missing package is not an import error), else the `yara` command (Debian's yara 4.x;
 * `yara64.exe` on Windows) on PATH.
 *
 * `EXHUNT_YARA_ENGINE=yara` forces the command and `EXHUNT_YARA_ENGINE=yara-x` forbids it (for
 * tests and for comparing engines); `EXHUNT_YARA_COMMAND=/path/to/yara` names the command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

/** The engine a run uses, for `exhunt version` and reports. */
export interface EngineInfo {
  /** `yara-x`: in-process binding; `yara`: the command line tool; `none`: neither found. */
  readonly kind: 'yara-x' | 'yara' | 'none';
  /** Engine version (`0.7.2` of the binding package; `4.2.3` of the command). */
  readonly version: string;
  /** Package name or command path; for `none`, why nothing loaded. */
  readonly detail: string;
}

/** The calls of the binding exhunt uses (its own typings ship in the wrapper package we avoid). */
export interface NativeRules {
  scan(data: Buffer, variables?: Record<string, string | number | boolean>): unknown;
  setTimeout(ms: number): void;
  setMaxMatchesPerPattern(n: number): void;
  getWarnings(): unknown;
  /** Present from binding 0.7: the compiled rules as bytes. */
  serialize?(): Buffer;
}
export interface NativeCompiler extends NativeRules {
  defineVariable(name: string, value: string): void;
  addRuleSources(sources: { source: string; namespace?: string }[]): void;
}
export interface NativeBinding {
  create(): NativeCompiler;
  validate(source: string, options?: { defineVariables?: Record<string, string> }): unknown;
  /** Present from binding 0.7: rules back from `serialize()` output. */
  deserialize?(blob: Buffer): NativeRules;
}

export interface YaraCommand {
  readonly yara: string;
  /** `yarac` beside it, when present (compiles once for all scans). */
  readonly yarac: string | null;
  readonly version: string;
}

const require = createRequire(import.meta.url);

/** The binding package for a platform, or null where none is published. */
export function bindingPackage(platform: string = process.platform, arch: string = process.arch, musl: boolean = isMusl()): string | null {
  if (platform === 'linux' && (arch === 'x64' || arch === 'arm64')) return `@litko/yara-x-linux-${arch}-${musl ? 'musl' : 'gnu'}`;
  if (platform === 'win32' && (arch === 'x64' || arch === 'arm64')) return `@litko/yara-x-win32-${arch}-msvc`;
  if (platform === 'darwin' && (arch === 'x64' || arch === 'arm64')) return `@litko/yara-x-darwin-${arch}`;
  return null;
}

let muslCache: boolean | undefined;

/** True on musl-based Linux (Alpine), whose binding differs from the glibc one. */
export function isMusl(): boolean {
  if (muslCache !== undefined) return muslCache;
  muslCache = false;
  if (process.platform === 'linux') {
    try {
      muslCache = readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
    } catch {
      const report: unknown = process.report?.getReport();
      muslCache = isRecord(report) && isRecord(report.header) && report.header.glibcVersionRuntime === undefined;
    }
  }
  return muslCache;
}

let bindingCache: { binding: NativeBinding | null; info: EngineInfo } | undefined;

/** Loads the binding once; null (with the reason in `info.detail`) when it cannot load. */
export function loadBinding(): { binding: NativeBinding | null; info: EngineInfo } {
  if (bindingCache) return bindingCache;
  const pkg = bindingPackage();
  if (!pkg) {
    bindingCache = { binding: null, info: { kind: 'none', version: '', detail: `no YARA-X binding for ${process.platform}-${process.arch}` } };
    return bindingCache;
  }
  try {
    const mod: unknown = require(pkg);
    if (!isBinding(mod)) throw new Error(`${pkg} does not export create() and validate()`);
    bindingCache = { binding: mod, info: { kind: 'yara-x', version: packageVersion(pkg), detail: pkg } };
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    bindingCache = { binding: null, info: { kind: 'none', version: '', detail: `${pkg} did not load: ${why}` } };
  }
  return bindingCache;
}

function packageVersion(pkg: string): string {
  try {
    const main = require.resolve(pkg);
    const json: unknown = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8'));
    return isRecord(json) && typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function isBinding(m: unknown): m is NativeBinding {
  return isRecord(m) && typeof m.create === 'function' && typeof m.validate === 'function';
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

const commandCache = new Map<string, YaraCommand | null>();

/** The `yara` command on PATH (or `EXHUNT_YARA_COMMAND`) with its version, or null. */
export function findYaraCommand(env: NodeJS.ProcessEnv = process.env): YaraCommand | null {
  const named = env.EXHUNT_YARA_COMMAND;
  const key = named ?? env.PATH ?? '';
  if (commandCache.has(key)) return commandCache.get(key) ?? null;
  const names = process.platform === 'win32' ? ['yara64.exe', 'yara.exe', 'yara32.exe'] : ['yara'];
  const yara = named ?? onPath(names, env.PATH ?? '');
  let found: YaraCommand | null = null;
  if (yara) {
    const r = spawnSync(yara, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const version = r.status === 0 ? r.stdout.trim() : '';
    if (version) {
      const cNames = process.platform === 'win32' ? ['yarac64.exe', 'yarac.exe', 'yarac32.exe'] : ['yarac'];
      const sibling = cNames.map((n) => join(dirname(yara), n)).find((p) => existsSync(p));
      found = { yara, yarac: sibling ?? onPath(cNames, env.PATH ?? ''), version };
    }
  }
  commandCache.set(key, found);
  return found;
}

function onPath(names: readonly string[], path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = join(dir, n);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

export type EnginePreference = 'auto' | 'yara-x' | 'yara';

export function enginePreference(env: NodeJS.ProcessEnv = process.env): EnginePreference {
  const v = env.EXHUNT_YARA_ENGINE;
  return v === 'yara' || v === 'yara-x' ? v : 'auto';
}

/**
 * Which engine a run would use, without compiling anything: what `exhunt version` prints, e.g.
 * `yara-x 0.7.2 (@litko/yara-x-linux-x64-gnu)` or `yara 4.2.3 (/usr/bin/yara)`.
 */
export function engineInfo(preference: EnginePreference = enginePreference()): EngineInfo {
  const native = preference === 'yara' ? null : loadBinding();
  if (native?.binding) return native.info;
  const cmd = preference === 'yara-x' ? null : findYaraCommand();
  if (cmd) return { kind: 'yara', version: cmd.version, detail: cmd.yara };
  const why = [native?.info.detail, preference === 'yara-x' ? null : 'no yara command on PATH'].filter(Boolean).join('; ');
  return { kind: 'none', version: '', detail: why || 'no YARA engine' };
}

/** One line for `exhunt version`. */
export function formatEngineInfo(info: EngineInfo): string {
  return info.kind === 'none' ? `none (${info.detail})` : `${info.kind} ${info.version} (${info.detail})`;
}
