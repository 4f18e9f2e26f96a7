/**
 * @module What the watcher follows in one input: the files of its folders (kept as a listing that
 * fs.watch events and periodic rescans update) and, through the scan's own planner
 * (`planInput`, src/engine/plan.ts), what each file is: a log of some kind, an event log export,
 * or a file in a folder where web shells are planted. Watch and scan therefore agree on every
 * path, host group and install folder.
 *
 * An input is a folder (a triage-style mirror that keeps growing, an install folder, a folder of
 * logs), a single file, or the live Windows server ('' : the folders the scan reads there).
 */
import { execFile } from 'node:child_process';
import { lstatSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { DiagnosticSink } from '../core/diagnostic.js';
import { InputError, UsageError } from '../core/errors.js';
import { eventLogPlacement, planInput } from '../engine/plan.js';
import type { PlannedFile } from '../engine/plan.js';
import { detectHosts, detectLayout } from '../inputs/index.js';
import type { Layout } from '../inputs/index.js';
import { inputLabel } from '../inputs/fs-tree.js';
import { findExchangeInstallPath, planLiveRoots } from '../inputs/live-host.js';
import type { InputTree, TreeEntry } from '../inputs/tree.js';
import { fileEntry, walkFolder } from '../inputs/walk.js';
import { joinWindowsPath } from '../inputs/winpath.js';

/** A folder of this machine presented under a tree prefix ('' for the input's root). */
export interface WatchRoot {
  readonly dir: string;
  readonly prefix: string;
  /** For a single-file input: the only file of the root. */
  readonly only?: string;
}

/** One PATH argument of `exhunt watch`. */
export interface WatchInput {
  /** As given ('' for the live server); findings carry it as `input`. */
  readonly arg: string;
  /** Stable key in the state store: the absolute path, or `live:` for the live server. */
  readonly key: string;
  /** Name for the host when nothing better is known (folder name, or this machine's name). */
  readonly label: string;
  readonly roots: readonly WatchRoot[];
}

/** A planned file with its path on this machine. */
export interface WatchedFile extends PlannedFile {
  readonly abs: string;
}

/** Resolves a PATH argument. Throws InputError (missing, unreadable) or UsageError (a zip). */
export async function resolveWatchInput(arg: string, onDiagnostic: DiagnosticSink): Promise<WatchInput> {
  if (arg === '') return liveInput(onDiagnostic);
  const abs = resolve(arg);
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code ?? String(e)})`, { path: arg });
  }
  if (st.isDirectory()) return { arg, key: abs, label: inputLabel(abs), roots: [{ dir: abs, prefix: '' }] };
  if (!st.isFile()) throw new InputError('neither a folder nor a file', { path: arg });
  if (/\.zip$/i.test(abs)) throw new UsageError(`${arg}: a zip does not grow; scan it with \`exhunt scan\``);
  return { arg, key: abs, label: inputLabel(abs), roots: [{ dir: dirname(abs), prefix: '', only: basename(abs) }] };
}

async function liveInput(onDiagnostic: DiagnosticSink): Promise<WatchInput> {
  if (process.platform !== 'win32') {
    throw new UsageError(`a PATH is required: watching the live server works only on a Windows Exchange server (this is ${process.platform})`);
  }
  const env = process.env;
  const install = await findExchangeInstallPath(env, () => regQuery(env.SystemRoot ?? 'C:\\Windows'));
  if (install === null) {
    onDiagnostic({ level: 'warning', code: 'exchange-not-found', message: 'Exchange install folder not found; only IIS and system folders are watched', path: '' });
  }
  return { arg: '', key: 'live:', label: hostname(), roots: planLiveRoots(install, env).map((r) => ({ dir: r.dir, prefix: r.prefix })) };
}

function regQuery(systemRoot: string): Promise<string | null> {
  const reg = joinWindowsPath(systemRoot, 'System32', 'reg.exe');
  return new Promise((done) => {
    execFile(reg, ['query', 'HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup', '/v', 'MsiInstallPath', '/reg:64'], { windowsHide: true, timeout: 15_000 }, (error, stdout) =>
      done(error ? null : stdout),
    );
  });
}

/** The listing of one input: tree path → entry with its path on this machine. */
export class Inventory {
  readonly input: WatchInput;
  readonly #entries = new Map<string, TreeEntry & { readonly abs: string }>();
  /** Tree paths of the folders holding listed files (and their parents). */
  readonly #dirs = new Set<string>();
  readonly #onDiagnostic: DiagnosticSink;

  constructor(input: WatchInput, onDiagnostic: DiagnosticSink) {
    this.input = input;
    this.#onDiagnostic = onDiagnostic;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The tree path of a file of this machine, or null when it lies outside every root. */
  treePath(abs: string): string | null {
    for (const r of this.input.roots) {
      if (r.only !== undefined) {
        if (abs === join(r.dir, r.only)) return r.only;
        continue;
      }
      const rel = relative(r.dir, abs);
      if (rel === '' || rel.startsWith('..') || resolve(r.dir, rel) !== abs) continue;
      const path = rel.split(sep).join('/');
      return r.prefix === '' ? path : `${r.prefix}/${path}`;
    }
    return null;
  }

  #noteDirs(path: string): void {
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const d = path.slice(0, i);
      if (this.#dirs.has(d)) return;
      this.#dirs.add(d);
    }
  }

  /** Whether the listing knows this path of this machine: as a file, as a folder, or not (null). */
  knows(abs: string): 'file' | 'dir' | null {
    const path = this.treePath(abs);
    if (path === null) return 'dir';
    if (this.#entries.has(path)) return 'file';
    if (path === '' || this.#dirs.has(path)) return 'dir';
    return null;
  }

  /** Every host group is a loose folder (no drive folders, no install): files are recognised by content. */
  get loose(): boolean {
    return this.#groups.length === 0 || this.#groups.every((g) => g.layout.drives.length === 0 && g.layout.installTreePrefix === null);
  }

  /** Walks every root again (the full rescan). */
  async rescan(): Promise<void> {
    this.#entries.clear();
    this.#dirs.clear();
    for (const r of this.input.roots) {
      if (r.only !== undefined) {
        this.#refreshFile(join(r.dir, r.only), r.only);
        continue;
      }
      try {
        if (!statSync(r.dir).isDirectory()) continue;
      } catch {
        continue;
      }
      for await (const e of walkFolder(r.dir, r.prefix, this.#onDiagnostic)) {
        const abs = r.prefix === '' ? join(r.dir, ...e.path.split('/')) : join(r.dir, ...e.path.slice(r.prefix.length + 1).split('/'));
        this.#entries.set(e.path, { ...e, abs });
        this.#noteDirs(e.path);
      }
    }
  }

  /**
   * Lists a path a change event named that the listing does not know yet: a file, or a folder
   * (walked). Returns the files that were added.
   */
  async add(abs: string): Promise<(TreeEntry & { readonly abs: string })[]> {
    const path = this.treePath(abs);
    if (path === null) return [];
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return [];
    }
    const added: (TreeEntry & { readonly abs: string })[] = [];
    if (st.isDirectory()) {
      for await (const e of walkFolder(abs, path, this.#onDiagnostic)) {
        if (this.#entries.has(e.path)) continue;
        const entry = { ...e, abs: join(abs, ...e.path.slice(path.length + 1).split('/')) };
        this.#entries.set(e.path, entry);
        this.#noteDirs(e.path);
        added.push(entry);
      }
      return added;
    }
    if (!st.isFile() || this.#entries.has(path)) return [];
    const entry = { ...fileEntry(abs, path, st.size, st.mtime), abs };
    this.#entries.set(path, entry);
    this.#noteDirs(path);
    return [entry];
  }

  /** Forgets a file that is gone (a later event or rescan lists it again if it comes back). */
  forget(path: string): void {
    this.#entries.delete(path);
  }

  /** Size and time of a listed file when it was last listed. */
  listed(path: string): { readonly size: number; readonly mtime: Date | null } | undefined {
    return this.#entries.get(path);
  }

  #refreshFile(abs: string, path: string): void {
    try {
      const st = lstatSync(abs);
      if (st.isFile()) {
        this.#entries.set(path, { ...fileEntry(abs, path, st.size, st.mtime), abs });
        this.#noteDirs(path);
      }
      else this.#entries.delete(path);
    } catch {
      this.#entries.delete(path);
    }
  }

  /** What each listed file is, by the scan's planner (sniffing loose files by content). */
  async plan(): Promise<WatchedFile[]> {
    const entries = [...this.#entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const tree: InputTree = {
      input: this.input.arg,
      label: this.input.label,
      // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the simplest AsyncIterable
      entries: async function* () {
        yield* entries;
      },
      close: () => Promise.resolve(),
    };
    const planned = await planInput(tree, this.#onDiagnostic);
    // The same host groups and layouts planInput found, kept to place files that appear later
    // without planning the whole listing again.
    this.#groups = detectHosts(entries.map((e) => e.path)).map((g) => ({ root: g.root, name: g.name, layout: detectLayout(g.paths, g.root) }));
    const out: WatchedFile[] = [];
    for (const p of planned) {
      const e = this.#entries.get(p.entry.path);
      if (e) out.push({ ...p, abs: e.abs });
    }
    return out;
  }

  #groups: { readonly root: string; readonly name: string | null; readonly layout: Layout }[] = [];

  /**
   * Places a file that appeared since the last plan, with the layouts of that plan. Returns
   * 'replan' when only a new plan can tell (a loose folder, whose files are recognised by
   * content; a file outside every known host group), null when it is nothing to follow.
   */
  place(entry: TreeEntry & { readonly abs: string }): WatchedFile | null | 'replan' {
    const group = this.#groups.filter((g) => entry.path.startsWith(g.root)).sort((a, b) => b.root.length - a.root.length)[0];
    if (!group) return 'replan';
    const layout = group.layout;
    if (layout.drives.length === 0 && layout.installTreePrefix === null) return 'replan';
    const name = entry.path.split('/').pop() ?? entry.path;
    const placement = entry.placement ?? layout.classify(entry.path) ?? eventLogPlacement(name);
    if (!placement) return null;
    return { entry, placement, exchangeInstall: layout.exchangeInstall, group: group.root, groupName: group.name, abs: entry.abs };
  }
}
