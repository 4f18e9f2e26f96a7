/**
 * @module The watcher: `scan`'s pipeline applied to every new log line, event and file as it
 * appears, with a checkpoint per source committed in one SQLite transaction together with the
 * alerts it produced. The orchestrator of `exhunt watch` (as src/engine/scan.ts is of a scan):
 * inputs and planning (inventory.ts), reading (sources.ts), matching (the engine's
 * RecordMatcher, in stream mode), findings, the outbox and its dispatcher.
 *
 * ## The batch protocol (exactly once)
 *
 * One step reads one source from its checkpoint: at most one batch of complete lines of a log,
 * or a whole settled file. Its records go through the detectors; the hits become findings
 * (host, input, escalation). Then, in ONE immediate transaction on the store:
 * 1. each finding's idempotency key is recorded in `watch_seen`; a key seen before is dropped
 *    (the same evidence read again after a restart, a rotation or a copy);
 * 2. the new findings are queued in every channel's outbox (`Outbox.enqueue(tx, …)`: severity
 *    threshold and dedup windows apply there);
 * 3. the host's evidence for escalation is updated;
 * 4. the source's checkpoint (identity, byte offset, line, header context) is written.
 * Only after COMMIT are the findings printed and the dispatcher woken. A crash before COMMIT
 * leaves the old checkpoint and no alert: the restart reads the same lines again and produces
 * the same findings with the same keys. A crash after COMMIT leaves both: the dispatcher sends
 * what is queued. Delivery itself is the outbox's (at most the batch in flight is sent again,
 * with the same keys; see docs/alerts.md).
 *
 * ## Noticing changes
 *
 * fs.watch on the folders of followed files (instant, free when idle), a poll of the files
 * written recently (every `pollMs`, the fallback for shares and lost events), and a full rescan
 * of every input (every `rescanMs`: new folders, deleted files, anything missed).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AlertChannel } from '../alerts/channel.js';
import { alertFromFinding, alertKey } from '../alerts/alert.js';
import { Dispatcher, Outbox } from '../alerts/outbox/index.js';
import type { DispatchEvent, QueueSpec } from '../alerts/outbox/index.js';
import type { Diagnostic, DiagnosticSink } from '../core/diagnostic.js';
import type { HostContext } from '../core/detector.js';
import type { Finding, Hit } from '../core/finding.js';
import { FINDING_SCHEMA_VERSION } from '../core/finding.js';
import type { LogRecord } from '../core/record.js';
import { severityRank } from '../core/severity.js';
import type { DetectorSet } from '../engine/content.js';
import type { ScanContentOptions } from '../engine/load-detectors.js';
import { loadScanDetectors } from '../engine/load-detectors.js';
import { RecordMatcher } from '../engine/matcher.js';
import { SqliteStore, StoreVersionError } from '../store/index.js';
import { UsageError } from '../core/errors.js';
import { FsEvents } from './fs-events.js';
import type { WatchedFile, WatchInput } from './inventory.js';
import { Inventory, resolveWatchInput } from './inventory.js';
import { jsonlChannel } from './jsonl-channel.js';
import type { WatchLock } from './lock.js';
import { acquireWatchLock } from './lock.js';
import { ContentSignature } from './reload.js';
import type { Restart, SourceMode } from './sources.js';
import { DEFAULT_MAX_LINE_BYTES, HEAD_BYTES, baselineCheckpoint, headOf, identify, modeOf, tailStep, wholeStep } from './sources.js';
import type { Checkpoint, StartMode } from './state.js';
import { ORPHAN_PREFIX, WATCH_MIGRATIONS, WatchState } from './state.js';
import { CpuThrottle } from './throttle.js';

export interface WatchOptions {
  /** PATH arguments ('' alone: the live server, Windows only). */
  readonly inputs: readonly string[];
  /** The store file holding checkpoints and outboxes (`--state DIR` → `DIR/exhunt.db`). */
  readonly stateFile: string;
  /** Host name for findings (default: the host folder's name, else the input's name). */
  readonly host?: string | null;
  /** First run of an input: follow from the end of existing files (default) or read them all. */
  readonly startMode?: StartMode;
  /** Content to compile detectors from (rules, Sigma, indicators), reloaded when it changes. */
  readonly content: ScanContentOptions;
  /** Detectors compiled already (tests); reloads still use `content`. */
  readonly detectors?: DetectorSet;
  readonly channels: readonly AlertChannel[];
  /** `--jsonl FILE`: every finding as JSON Lines, exactly once (delivered through the outbox). */
  readonly jsonl?: string | null;
  /** Receives each batch's new findings after they were committed. */
  readonly onFindings?: (findings: readonly Finding[]) => void;
  readonly onDiagnostic?: DiagnosticSink;
  readonly onEvent?: (event: WatchEvent) => void;
  /** How often files written recently are looked at without a change event (default 1 s). */
  readonly pollMs?: number;
  /** Full rescan of every input: new folders, deleted files, anything missed (default 5 min). */
  readonly rescanMs?: number;
  /** How often the folders of followed logs are listed for new files without a change event (default 10 s). */
  readonly dirPollMs?: number;
  /** A whole file (event export, swept file) is read once unchanged for this long (default 1 s). */
  readonly settleMs?: number;
  /** How often the content is checked for updates (default 10 s; 0: never). */
  readonly reloadMs?: number;
  /** CPU cap in percent of one core (0: none). */
  readonly maxCpu?: number;
  /** Bytes read per step of one log (default 1 MiB). */
  readonly maxBatchBytes?: number;
  /** A last line without line feed counts as complete once the file is this long idle (default 10 min). */
  readonly tailGraceMs?: number;
  /** Logs written within this are polled (default 15 min; older ones are read on change events and rescans). */
  readonly activeMs?: number;
  /** A change is read this long after its first notification, so that bursts of writes become one batch (default 100 ms). */
  readonly coalesceMs?: number;
  /** Use fs.watch (default true). */
  readonly fsEvents?: boolean;
  /** Keys of finished alerts and findings are kept this long (default 30 days). */
  readonly retentionMs?: number;
  /** How often an idle channel looks for alerts queued by another process (default 2 s). */
  readonly dispatcherPollMs?: number;
  /** How long to wait for another watcher on the same state to exit (default 10 s). */
  readonly lockWaitMs?: number;
  /** Windows event log channels read with wevtutil when watching the live server (Windows only). */
  readonly eventLogs?: readonly string[];
  /** How often those channels are queried (default 5 s). */
  readonly eventLogMs?: number;
}

export type WatchEvent =
  | { readonly type: 'started'; readonly inputs: readonly string[]; readonly tail: number; readonly whole: number; readonly sweep: number; readonly firstRun: readonly { readonly input: string; readonly mode: StartMode }[]; readonly watching: number }
  | { readonly type: 'source'; readonly what: Restart | 'moved' | 'gone'; readonly input: string; readonly path: string; readonly from?: string }
  | { readonly type: 'reloaded'; readonly rules: number; readonly indicators: number; readonly errors: number }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'delivery'; readonly event: DispatchEvent };

interface Source {
  readonly key: string;
  readonly input: WatchInput;
  file: WatchedFile;
  readonly mode: SourceMode;
  cp: Checkpoint | null;
  /** Size and time at the last look, and since when they have been so (whole-file settling). */
  seen: { size: number; mtimeMs: number; sinceMs: number } | null;
  waitTimer: NodeJS.Timeout | null;
}

interface InputState {
  readonly input: WatchInput;
  readonly inventory: Inventory;
}

const DAY = 86_400_000;

function sourceKey(input: WatchInput, path: string): string {
  return `${input.key}\0${path}`;
}

/** Raises a finding whose rule asks for it when the host shows other evidence (findings/escalate.ts, one finding at a time). */
function escalateOne(f: Finding, rules: ReadonlyMap<string, Finding['severity']>, others: ReadonlySet<string>): Finding {
  const to = rules.get(f.ruleId);
  if (!to || severityRank(f.severity) >= severityRank(to)) return f;
  const other = [...others].some((r) => r !== f.ruleId);
  return other ? { ...f, severity: to, evidence: { ...f.evidence, Escalated: `from ${f.severity}: other evidence on this host` } } : f;
}

export class Watcher {
  readonly #o: WatchOptions;
  readonly #store: SqliteStore;
  readonly #state: WatchState;
  readonly #outbox: Outbox;
  readonly #dispatcher: Dispatcher;
  readonly #queues: readonly QueueSpec[];
  readonly #lock: WatchLock;
  readonly #throttle: CpuThrottle;
  readonly #signature: ContentSignature;
  #detectors: DetectorSet;
  #matchers = new Map<string, RecordMatcher>();
  readonly #inputs: InputState[] = [];
  readonly #sources = new Map<string, Source>();
  /** Source key by path of this machine, for change events. */
  readonly #byAbs = new Map<string, string>();
  readonly #evidence = new Map<string, Set<string>>();
  readonly #dirty = new Set<string>();
  readonly #pendingPaths = new Set<string>();
  readonly #soon = new Map<string, NodeJS.Timeout>();
  #fs: FsEvents | null = null;
  #timers: NodeJS.Timeout[] = [];
  #pathTimer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #lastSignature = '';
  #reloadWanted = false;
  #reloading = false;
  #replanWanted = new Set<InputState>();
  #eventLogsDue = false;
  #stats = { batches: 0, findings: 0, lines: 0 };

  private constructor(o: WatchOptions, store: SqliteStore, lock: WatchLock, detectors: DetectorSet) {
    this.#o = o;
    this.#store = store;
    this.#lock = lock;
    this.#detectors = detectors;
    const db = store.database;
    this.#state = new WatchState(db);
    this.#outbox = new Outbox(db);
    const channels = [...o.channels, ...(o.jsonl ? [jsonlChannel(o.jsonl)] : [])];
    this.#queues = channels.map((c) => ({ id: c.id, policy: c.policy, kind: c.kind, target: c.target }));
    this.#dispatcher = new Dispatcher({
      outbox: this.#outbox,
      channels,
      pollMs: o.dispatcherPollMs ?? 2000,
      retentionMs: o.retentionMs ?? 30 * DAY,
      onEvent: (event) => this.#event({ type: 'delivery', event }),
    });
    this.#throttle = new CpuThrottle(o.maxCpu ?? 0);
    this.#signature = new ContentSignature(o.content, db, store.location);
  }

  /**
   * Opens the state (taking its lock), compiles the detectors, resolves the inputs. Throws
   * UsageError / InputError / StoreVersionError for a setup that cannot run.
   */
  static async open(o: WatchOptions): Promise<Watcher> {
    mkdirSync(dirname(resolve(o.stateFile)), { recursive: true });
    // Compiled before the lock is taken: a process that waits for its predecessor to exit is
    // then ready to go on the moment it does.
    // (A new state store is created first: it may be the store of the indicators too.)
    const load = async (): Promise<DetectorSet> => {
      try {
        return await loadScanDetectors(o.content);
      } catch (e) {
        // The indicators' store (by default the state store) cannot be opened.
        throw e instanceof StoreVersionError ? new UsageError(`store: ${e.message}`) : e;
      }
    };
    const early = o.detectors ?? (existsSync(o.stateFile) ? await load() : null);
    const lock = await acquireWatchLock(o.stateFile, o.lockWaitMs ?? 10_000);
    let store: SqliteStore | null = null;
    try {
      try {
        store = SqliteStore.open({ path: o.stateFile, migrations: WATCH_MIGRATIONS });
      } catch (e) {
        throw e instanceof StoreVersionError ? new UsageError(`state: ${e.message}`) : e;
      }
      // A committed checkpoint must survive a power cut, or its alerts could be queued twice.
      store.database.pragma('synchronous = FULL');
      const detectors = early ?? (await load());
      const w = new Watcher(o, store, lock, detectors);
      const report = o.onDiagnostic ?? (() => undefined);
      for (const arg of o.inputs.length > 0 ? o.inputs : ['']) {
        const input = await resolveWatchInput(arg, (d) => report({ ...d, input: arg }));
        w.#inputs.push({ input, inventory: new Inventory(input, (d) => report({ ...d, input: arg })) });
      }
      return w;
    } catch (e) {
      if (store) await store.close();
      lock.release();
      throw e;
    }
  }

  get detectors(): DetectorSet {
    return this.#detectors;
  }

  get state(): WatchState {
    return this.#state;
  }

  get outbox(): Outbox {
    return this.#outbox;
  }

  get stats(): { readonly batches: number; readonly findings: number; readonly sources: number } {
    return { batches: this.#stats.batches, findings: this.#stats.findings, sources: this.#sources.size };
  }

  #event(e: WatchEvent): void {
    try {
      this.#o.onEvent?.(e);
    } catch {
      // A listener's problem is not the watcher's.
    }
  }

  #diagnostic(d: Diagnostic): void {
    try {
      this.#o.onDiagnostic?.(d);
    } catch {
      // idem
    }
  }

  /** Plans every input, takes over or starts its files, and starts following them. */
  async start(): Promise<void> {
    this.#housekeeping();
    this.#lastSignature = this.#signature.compute();
    this.#reportContent(this.#detectors);
    const firstRun: { input: string; mode: StartMode }[] = [];
    for (const s of this.#inputs) {
      await s.inventory.rescan();
      const planned = await s.inventory.plan();
      const mode = this.#state.startMode(s.input.key);
      if (mode === null) {
        const m = this.#o.startMode ?? 'now';
        firstRun.push({ input: s.input.arg, mode: m });
        await this.#baseline(s, planned, m);
      }
      await this.#applyPlan(s, planned);
    }
    this.#dispatcher.start();
    if (this.#o.fsEvents !== false) this.#fs = new FsEvents({ onChange: (abs) => this.#changed(abs) });
    this.#watchFolders();
    const every = (ms: number, f: () => void): void => {
      if (ms > 0) this.#timers.push(setInterval(f, ms));
    };
    every(this.#o.pollMs ?? 1000, () => this.#poll());
    every(this.#o.dirPollMs ?? 10_000, () => this.#pollFolders());
    every(this.#o.rescanMs ?? 300_000, () => {
      for (const s of this.#inputs) this.#replanWanted.add(s);
      this.#kick();
    });
    every(this.#o.reloadMs ?? 10_000, () => this.#checkContent());
    every(6 * 3_600_000, () => this.#housekeeping());
    if (process.platform === 'win32' && this.#inputs.some((s) => s.input.arg === '') && (this.#o.eventLogs ?? []).length > 0) {
      this.#eventLogsDue = true;
      every(this.#o.eventLogMs ?? 5000, () => {
        this.#eventLogsDue = true;
        this.#kick();
      });
    }
    const counts = { tail: 0, whole: 0, sweep: 0 };
    for (const s of this.#sources.values()) counts[s.mode]++;
    this.#event({ type: 'started', inputs: this.#inputs.map((s) => s.input.arg), ...counts, firstRun, watching: this.#fs?.watching ?? 0 });
    this.#loop = this.#run();
  }

  /**
   * Forgets what is older than the retention: finding keys, finished alerts (the dispatcher does
   * it at start; a watcher runs for months), orphaned checkpoints after a day.
   */
  #housekeeping(): void {
    const now = Date.now();
    const retention = this.#o.retentionMs ?? 30 * DAY;
    try {
      this.#state.pruneOrphans(now - DAY);
      if (retention > 0) {
        this.#state.prune(now - retention);
        this.#outbox.prune(now - retention);
      }
    } catch (e) {
      this.#event({ type: 'error', message: `housekeeping: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /**
   * First run of an input with --from-now: every file that exists now is taken over at its end
   * (logs: after their last complete line; whole files as they are), in one transaction with
   * the record of the first run, so that a crash in between starts the first run again.
   */
  async #baseline(s: InputState, planned: readonly WatchedFile[], mode: StartMode): Promise<void> {
    const rows: Checkpoint[] = [];
    if (mode === 'now') {
      for (const f of planned) {
        const kind = f.placement.type === 'sweep' ? 'file' : f.placement.kind;
        try {
          const cp = await baselineCheckpoint({ input: s.input.key, path: f.entry.path, kind, abs: f.abs, mode: modeOf(f.placement) });
          if (cp) rows.push(cp);
        } catch {
          // Unreadable now: read from its start once it can be read.
        }
      }
    }
    this.#state.db.transaction(() => {
      for (const cp of rows) this.#state.put(cp);
      this.#state.setStartMode(s.input.key, mode);
    }).immediate();
  }

  /** Brings the sources of an input in line with a new plan. */
  async #applyPlan(s: InputState, planned: readonly WatchedFile[]): Promise<void> {
    const stored = this.#state.checkpoints(s.input.key);
    const wanted = new Set<string>();
    for (const f of planned) {
      const key = sourceKey(s.input, f.entry.path);
      wanted.add(key);
      const known = this.#sources.get(key);
      if (known) {
        known.file = f;
        const listed = s.inventory.listed(f.entry.path);
        if (listed && (known.seen === null || listed.size !== known.seen.size || (listed.mtime?.getTime() ?? 0) !== known.seen.mtimeMs)) this.#markDirty(key);
        continue;
      }
      await this.#adopt(s, f, stored.get(f.entry.path) ?? null);
    }
    for (const [key, src] of this.#sources) {
      if (src.input !== s.input || wanted.has(key)) continue;
      this.#drop(src, 'gone');
    }
    // Checkpoints of files no longer there (deleted by log retention while the watcher was down).
    const gone = [...stored.values()].filter((c) => !c.path.startsWith(ORPHAN_PREFIX) && !wanted.has(sourceKey(s.input, c.path)) && !this.#sources.has(sourceKey(s.input, c.path)));
    if (gone.length > 0) {
      this.#state.db.transaction(() => {
        for (const c of gone) {
          if (c.kind === 'file' || c.kind === 'event') this.#state.remove(s.input.key, c.path);
          else this.#state.orphan(c);
        }
      })();
    }
  }

  /**
   * Starts following a planned file. A new log that continues a checkpoint whose file left its
   * path (same inode: renamed; same first bytes: copied) takes that checkpoint over.
   */
  async #adopt(s: InputState, f: WatchedFile, cp: Checkpoint | null): Promise<void> {
    const key = sourceKey(s.input, f.entry.path);
    const mode = modeOf(f.placement);
    let checkpoint = cp;
    if (checkpoint === null && mode === 'tail') {
      const moved = await this.#continued(s, f);
      if (moved) {
        const id = await identify(f.abs);
        const next: Checkpoint = { ...moved, path: f.entry.path, dev: id?.dev ?? moved.dev, ino: id?.ino ?? moved.ino };
        this.#state.db.transaction(() => {
          this.#state.remove(s.input.key, moved.path);
          this.#state.put(next);
        })();
        checkpoint = next;
        const old = moved.path.startsWith(ORPHAN_PREFIX) ? moved.path.slice(ORPHAN_PREFIX.length) : moved.path;
        const previous = this.#sources.get(sourceKey(s.input, old));
        if (previous && previous.cp?.ino === moved.ino && previous.cp.dev === moved.dev) previous.cp = null;
        this.#event({ type: 'source', what: 'moved', input: s.input.arg, path: f.entry.path, from: old });
      }
    }
    const src: Source = { key, input: s.input, file: f, mode, cp: checkpoint, seen: null, waitTimer: null };
    this.#sources.set(key, src);
    this.#byAbs.set(f.abs, key);
    this.#markDirty(key);
  }

  /** The checkpoint a new log at `f` continues (rotation by rename, a copy), if any. */
  async #continued(s: InputState, f: WatchedFile): Promise<Checkpoint | null> {
    const id = await identify(f.abs);
    if (id === null) return null;
    const head = await headOf(f.abs);
    const full = head !== null && head.len === HEAD_BYTES ? head.hash : null;
    const candidates = this.#state.continuations(s.input.key, f.entry.path, id.dev, id.ino, full, HEAD_BYTES);
    if (candidates.length === 0) return null;
    const stillThere = (cp: Checkpoint): boolean => {
      if (cp.path.startsWith(ORPHAN_PREFIX)) return false;
      const abs = this.#sources.get(sourceKey(s.input, cp.path))?.file.abs;
      if (!abs) return false;
      try {
        const st = statSync(abs, { bigint: true });
        return st.ino.toString() === cp.ino && st.dev.toString() === cp.dev;
      } catch {
        return false;
      }
    };
    const byInode = candidates.find((c) => c.dev === id.dev && c.ino === id.ino && !stillThere(c));
    if (byInode) return byInode;
    // A copy: only a full head (4 KiB) is taken as the same content, and only when it is as long.
    return candidates.find((c) => full !== null && c.headHash === full && id.size >= c.offset && !stillThere(c)) ?? null;
  }

  #drop(src: Source, what: 'gone'): void {
    if (src.waitTimer) clearTimeout(src.waitTimer);
    this.#sources.delete(src.key);
    this.#byAbs.delete(src.file.abs);
    this.#dirty.delete(src.key);
    try {
      const cp = this.#state.checkpoint(src.input.key, src.file.entry.path);
      if (cp && src.mode === 'tail') {
        // Kept a while: the file may show up under another name and go on from here.
        this.#state.db.transaction(() => this.#state.orphan(cp))();
      } else if (cp) {
        this.#state.remove(src.input.key, src.file.entry.path);
      }
    } catch (e) {
      this.#event({ type: 'error', message: `state: ${e instanceof Error ? e.message : String(e)}` });
    }
    this.#event({ type: 'source', what, input: src.input.arg, path: src.file.entry.path });
  }

  #watchFolders(): void {
    if (!this.#fs) return;
    const dirs = new Set<string>();
    if (this.#fs.recursive) {
      for (const s of this.#inputs) for (const r of s.input.roots) dirs.add(r.dir);
    } else {
      // Folders of followed logs first (they matter most), then the others, then their parents
      // up to the root (so that a new subfolder is noticed).
      const ordered = [...this.#sources.values()].sort((a, b) => (a.mode === 'tail' ? 0 : 1) - (b.mode === 'tail' ? 0 : 1));
      for (const s of this.#inputs) for (const r of s.input.roots) dirs.add(r.dir);
      for (const src of ordered) {
        const roots = src.input.roots.map((r) => r.dir);
        let d = dirname(src.file.abs);
        while (!dirs.has(d)) {
          dirs.add(d);
          if (roots.includes(d)) break;
          const up = dirname(d);
          if (up === d) break;
          d = up;
        }
      }
    }
    this.#fs.set([...dirs]);
  }

  #changed(abs: string): void {
    const key = this.#byAbs.get(abs);
    if (key !== undefined) {
      this.#markSoon(key);
      return;
    }
    // A file or folder the listing knows and the plan does not follow (other logs in a watched
    // folder): nothing to do, unless content decides what files are (a loose folder).
    for (const s of this.#inputs) {
      const k = s.inventory.knows(abs);
      if (k === 'file' && s.inventory.loose) {
        this.#replanWanted.add(s);
        this.#kick();
      }
      if (k !== null) return;
    }
    // Something new (a file, a folder): listed shortly, after the burst of events settles.
    this.#pendingPaths.add(abs);
    this.#pathTimer ??= setTimeout(() => {
      this.#pathTimer = null;
      this.#kick();
    }, 50);
  }

  #markDirty(key: string): void {
    this.#dirty.add(key);
    this.#kick();
  }

  /**
   * A followed file changed: read it after `coalesceMs`, so that a writer's burst of small
   * appends becomes one batch (one transaction, one fsync) instead of one per write.
   */
  #markSoon(key: string): void {
    const ms = this.#o.coalesceMs ?? 100;
    if (ms <= 0 || this.#dirty.has(key)) {
      this.#markDirty(key);
      return;
    }
    if (this.#soon.has(key)) return;
    this.#soon.set(
      key,
      setTimeout(() => {
        this.#soon.delete(key);
        this.#markDirty(key);
      }, ms),
    );
  }

  #kick(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Looks at the logs written recently: the fallback for lost or missing change events. */
  #poll(): void {
    const now = Date.now();
    const active = this.#o.activeMs ?? 15 * 60_000;
    for (const src of this.#sources.values()) {
      if (src.mode !== 'tail' || this.#dirty.has(src.key) || this.#soon.has(src.key)) continue;
      const last = src.seen;
      if (last !== null && now - last.mtimeMs > active) continue;
      let st;
      try {
        // bigint: whole milliseconds, as the checkpoint's identity records them.
        st = statSync(src.file.abs, { bigint: true, throwIfNoEntry: false });
      } catch {
        st = undefined;
      }
      if (!st) {
        this.#markDirty(src.key);
        continue;
      }
      const size = Number(st.size);
      if (last === null || size !== last.size || Number(st.mtimeMs) !== last.mtimeMs || (src.cp !== null && size > src.cp.offset)) this.#markSoon(src.key);
    }
  }

  /** Lists the folders of followed logs: a new log (rotation) is found without a change event. */
  #pollFolders(): void {
    const dirs = new Set<string>();
    for (const src of this.#sources.values()) if (src.mode === 'tail') dirs.add(dirname(src.file.abs));
    for (const d of dirs) {
      let names: string[];
      try {
        names = readdirSync(d);
      } catch {
        continue;
      }
      for (const name of names) {
        const abs = join(d, name);
        if (this.#byAbs.has(abs)) continue;
        if (this.#inputs.some((s) => s.inventory.knows(abs) !== null)) continue;
        this.#pendingPaths.add(abs);
      }
    }
    if (this.#pendingPaths.size > 0) this.#kick();
  }

  #checkContent(): void {
    if (this.#reloading) return;
    try {
      const sig = this.#signature.compute();
      if (sig !== this.#lastSignature) {
        this.#lastSignature = sig;
        this.#reloadWanted = true;
        this.#kick();
      }
    } catch (e) {
      this.#event({ type: 'error', message: `content check: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Content problems, as the scan reports them (the rest of the content runs). */
  #reportContent(set: DetectorSet): void {
    for (const [level, list] of [['error', set.errors], ['warning', set.warnings]] as const) {
      for (const e of list) this.#diagnostic({ level, code: 'content', message: e.message, path: e.location?.path ?? '', ...(e.location?.line ? { line: e.location.line } : {}) });
    }
  }

  async #reload(): Promise<void> {
    this.#reloadWanted = false;
    this.#reloading = true;
    try {
      const set = await loadScanDetectors(this.#o.content);
      this.#detectors = set;
      this.#reportContent(set);
      // Correlation windows start again with the new detectors.
      this.#matchers = new Map();
      this.#event({ type: 'reloaded', rules: set.counts.rules + set.counts.sigma + set.counts.correlations, indicators: set.counts.indicators, errors: set.errors.length });
    } catch (e) {
      this.#event({ type: 'error', message: `content reload failed, the previous rules stay: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      this.#reloading = false;
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#reloadWanted) await this.#reload();
        if (this.#pendingPaths.size > 0 && this.#pathTimer === null) await this.#listPending();
        if (this.#replanWanted.size > 0) await this.#replan();
        if (this.#eventLogsDue) await this.#readEventLogs();
        const key = this.#dirty.values().next();
        if (key.done === true) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        this.#dirty.delete(key.value);
        const src = this.#sources.get(key.value);
        if (src) await this.#step(src);
      } catch (e) {
        this.#event({ type: 'error', message: e instanceof Error ? e.message : String(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
      const pause = this.#throttle.pauseMs();
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  }

  async #listPending(): Promise<void> {
    const paths = [...this.#pendingPaths];
    this.#pendingPaths.clear();
    for (const abs of paths) {
      for (const s of this.#inputs) {
        if (s.inventory.treePath(abs) === null) continue;
        for (const entry of await s.inventory.add(abs)) {
          const placed = s.inventory.place(entry);
          if (placed === 'replan') this.#replanWanted.add(s);
          else if (placed !== null && !this.#sources.has(sourceKey(s.input, entry.path))) {
            await this.#adopt(s, placed, this.#state.checkpoint(s.input.key, entry.path));
            this.#watchFolders();
          }
        }
      }
    }
  }

  async #replan(): Promise<void> {
    const wanted = [...this.#replanWanted];
    this.#replanWanted.clear();
    for (const s of wanted) {
      await s.inventory.rescan();
      await this.#applyPlan(s, await s.inventory.plan());
    }
    this.#watchFolders();
  }

  #matcher(src: Source): RecordMatcher {
    const k = `${src.input.key}\0${src.file.group}`;
    let m = this.#matchers.get(k);
    if (!m) {
      m = new RecordMatcher(this.#detectors, 'stream');
      this.#matchers.set(k, m);
    }
    return m;
  }

  #hostName(src: Source): string {
    return this.#o.host ?? src.file.groupName ?? src.input.label;
  }

  async #step(src: Source): Promise<void> {
    const hits: Hit[] = [];
    const matcher = this.#matcher(src);
    const host: HostContext = { exchangeInstall: src.file.exchangeInstall };
    const onRecord = (r: LogRecord): void => {
      for (const h of matcher.match(r, host)) hits.push(h);
    };
    const onDiagnostic: DiagnosticSink = (d) => this.#diagnostic({ ...d, input: src.input.arg });
    const now = Date.now();
    const p = src.file.placement;
    if (src.mode === 'tail' && p.type === 'log') {
      const r = await tailStep(src.cp, {
        input: src.input.key,
        path: src.file.entry.path,
        abs: src.file.abs,
        kind: p.kind,
        format: p.format,
        literals: this.#detectors.literalsByKind.get(p.kind) ?? null,
        probes: this.#detectors.probesByKind.get(p.kind),
        maxBatchBytes: this.#o.maxBatchBytes ?? 1024 * 1024,
        maxLineBytes: DEFAULT_MAX_LINE_BYTES,
        tailGraceMs: this.#o.tailGraceMs ?? 600_000,
        nowMs: now,
        onRecord,
        onDiagnostic,
      });
      if (r.identity) src.seen = { size: r.identity.size, mtimeMs: r.identity.mtimeMs, sinceMs: now };
      if (r.checkpoint === null) {
        this.#gone(src);
        return;
      }
      if (r.restart !== null && r.restart !== 'new') this.#event({ type: 'source', what: r.restart, input: src.input.arg, path: src.file.entry.path });
      if (r.changed && this.#commit(src, r.checkpoint, hits, r.restart !== null && r.restart !== 'new')) {
        if (r.more) this.#dirty.add(src.key);
      } else if (r.changed) {
        this.#retryLater(src);
      }
      return;
    }
    const r = await wholeStep(src.cp, src.seen, {
      input: src.input.key,
      path: src.file.entry.path,
      abs: src.file.abs,
      placement: p,
      exchangeInstall: src.file.exchangeInstall,
      literals: p.type === 'log' ? (this.#detectors.literalsByKind.get(p.kind) ?? null) : null,
      probes: p.type === 'log' ? this.#detectors.probesByKind.get(p.kind) : undefined,
      extraHashes: this.#detectors.fileHashes,
      settleMs: this.#o.settleMs ?? 1000,
      nowMs: now,
      onRecord,
      onDiagnostic,
    });
    if (r.identity) {
      const same = src.seen && src.seen.size === r.identity.size && src.seen.mtimeMs === r.identity.mtimeMs;
      src.seen = same && src.seen ? src.seen : { size: r.identity.size, mtimeMs: r.identity.mtimeMs, sinceMs: now };
    }
    if (r.checkpoint === null && r.identity === null) {
      this.#gone(src);
      return;
    }
    if (r.waitMs !== null) {
      if (src.waitTimer) clearTimeout(src.waitTimer);
      src.waitTimer = setTimeout(() => {
        src.waitTimer = null;
        this.#markDirty(src.key);
      }, r.waitMs + 10);
      return;
    }
    if (r.changed && r.checkpoint && !this.#commit(src, r.checkpoint, hits)) this.#retryLater(src);
  }

  #retryLater(src: Source): void {
    setTimeout(() => this.#markDirty(src.key), 1000).unref();
  }

  /** The file is gone: look at its folder again (a rename shows up as a new file there). */
  #gone(src: Source): void {
    const s = this.#inputs.find((i) => i.input === src.input);
    if (s) s.inventory.forget(src.file.entry.path);
    this.#drop(src, 'gone');
    this.#changed(dirname(src.file.abs));
  }

  /** The batch transaction of a file source (see the module doc). False when it could not commit. */
  #commit(src: Source, cp: Checkpoint, hits: readonly Hit[], restarted = false): boolean {
    const ok = this.#commitHits(this.#hostName(src), src.input.arg, hits, src.file.entry.path, () => {
      // The file that was here is kept as an orphan: it may go on under another name.
      if (restarted && src.cp !== null) this.#state.orphan(src.cp);
      this.#state.put(cp);
    });
    if (ok) src.cp = cp;
    return ok;
  }

  /**
   * Findings from hits, keys recorded, alerts queued, host evidence and the caller's checkpoint
   * written: one immediate transaction. Findings are handed on only after it committed.
   */
  #commitHits(hostName: string, input: string, hits: readonly Hit[], what: string, writeCheckpoint: () => void): boolean {
    const nowMs = Date.now();
    const now = new Date(nowMs);
    const known = this.#evidence.get(hostName) ?? this.#state.evidence(hostName);
    const evidence = new Set(known);
    const findings: Finding[] = hits.map((h) => ({ schemaVersion: FINDING_SCHEMA_VERSION, ...h, host: hostName, input }));
    for (const f of findings) if (f.outcome !== 'context') evidence.add(f.ruleId);
    const fresh: Finding[] = [];
    try {
      this.#state.db
        .transaction(() => {
          for (const f of findings) {
            const e = escalateOne(f, this.#detectors.escalations, evidence);
            if (!this.#state.markSeen(alertKey(e), nowMs)) continue;
            fresh.push(e);
          }
          for (const rule of evidence) if (!known.has(rule)) this.#state.addEvidence(hostName, rule);
          if (fresh.length > 0) {
            const alerts = fresh.map((f) => alertFromFinding(f, now));
            for (const q of this.#queues) this.#outbox.enqueue(this.#state.db, q, alerts);
          }
          writeCheckpoint();
        })
        .immediate();
    } catch (e) {
      this.#event({ type: 'error', message: `cannot record ${what}: ${e instanceof Error ? e.message : String(e)}` });
      return false;
    }
    this.#evidence.set(hostName, evidence);
    this.#stats.batches++;
    if (fresh.length > 0) {
      this.#stats.findings += fresh.length;
      this.#dispatcher.kick();
      try {
        this.#o.onFindings?.(fresh);
      } catch {
        // Printing is best effort; the findings are recorded.
      }
    }
    return true;
  }

  /** Reads the Windows event log channels from their positions (live server on Windows only). */
  async #readEventLogs(): Promise<void> {
    this.#eventLogsDue = false;
    const { eventsAfter, newestRecordId, eventLogPath } = await import('./eventlog-windows.js');
    const hostName = this.#o.host ?? hostname();
    const matcher = this.#matchers.get('\0eventlog') ?? new RecordMatcher(this.#detectors, 'stream');
    this.#matchers.set('\0eventlog', matcher);
    const host: HostContext = { exchangeInstall: null };
    for (const channel of this.#o.eventLogs ?? []) {
      try {
        let pos = this.#state.eventLogPosition(channel);
        if (pos === null) {
          const first = (this.#o.startMode ?? 'now') === 'now' ? await newestRecordId(channel) : 0;
          this.#state.setEventLogPosition(channel, first);
          pos = first;
        }
        const { records, last } = await eventsAfter(channel, pos, 500, (d) => this.#diagnostic({ ...d, input: '' }));
        if (records.length === 0) {
          if ((await newestRecordId(channel)) < pos) {
            // Cleared: read it again from its start.
            this.#state.setEventLogPosition(channel, 0);
            this.#event({ type: 'source', what: 'truncated', input: '', path: eventLogPath(channel) });
          }
          continue;
        }
        const hits: Hit[] = [];
        for (const r of records) for (const h of matcher.match(r, host)) hits.push(h);
        this.#commitHits(hostName, '', hits, eventLogPath(channel), () => this.#state.setEventLogPosition(channel, last));
        if (records.length >= 500) this.#eventLogsDue = true;
      } catch (e) {
        this.#event({ type: 'error', message: `event log ${channel}: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  }

  /** Waits until nothing is left to read (tests, `--once`-style use): no dirty source, no pending path. */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#dirty.size === 0 && this.#soon.size === 0 && this.#pendingPaths.size === 0 && this.#replanWanted.size === 0 && !this.#reloadWanted && this.#wake !== null) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  /** Delivers what is queued, waiting at most `timeoutMs`; reports per channel. */
  flush(timeoutMs: number): ReturnType<Dispatcher['flush']> {
    return this.#dispatcher.flush({ timeoutMs });
  }

  /** Stops after the current step; delivers for at most `flushMs` more; closes the store. */
  async stop(flushMs = 5000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#pathTimer) clearTimeout(this.#pathTimer);
    for (const s of this.#sources.values()) if (s.waitTimer) clearTimeout(s.waitTimer);
    for (const t of this.#soon.values()) clearTimeout(t);
    this.#soon.clear();
    this.#fs?.close();
    this.#kick();
    await this.#loop;
    try {
      if (flushMs > 0) await this.#dispatcher.flush({ timeoutMs: flushMs });
    } finally {
      await this.#dispatcher.stop();
      await this.#store.close();
      this.#lock.release();
    }
  }
}
