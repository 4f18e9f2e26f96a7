/**
 * @module `YaraPool`: file scans spread over worker threads, for sweeps of many files. YARA-X
 * scans a file on one core; `yara -r` uses several threads, and so does this pool. Each worker
 * loads the compiled text and binary sets (serialised once by the main thread, about a second of
 * CPU per worker for all of signature-base, and about 150 MB each); log lines stay on the main
 * thread (`scanLine` is synchronous and cheap). Without serialisation support (the `yara` command
 * engine) or with `workers: 1`, files are scanned on the main thread.
 *
 * Results are per file and deterministic; callers may keep several `scanFile` calls in flight
 * (a few per worker) and order the findings afterwards, as the engine does anyway.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Hit } from '../../core/finding.js';
import type { CompiledYara, YaraCompileOptions, YaraCompileReport } from './compile.js';
import { compileYara } from './compile.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './pool-worker.js';
import type { YaraFileInput, YaraLineBatch, YaraLineOrigin, YaraScannerOptions, YaraScanStats } from './scan.js';
import { DEFAULT_MAX_FILE_BYTES, EMPTY_STATS, YaraScanner } from './scan.js';

export interface YaraPoolOptions extends YaraCompileOptions, YaraScannerOptions {
  /** Worker threads for file scans. Default: available cores (at most 8); 1 = main thread only. */
  readonly workers?: number;
}

interface Pending {
  readonly slot: Slot;
  readonly resolve: (hits: Hit[]) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  inFlight: number;
}

export class YaraPool {
  readonly #lines: YaraScanner;
  readonly #local: YaraScanner | null;
  readonly #slots: Slot[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #options: YaraScannerOptions;
  readonly #compiled: CompiledYara;
  #nextId = 0;
  readonly #workerStats: YaraScanStats = { ...EMPTY_STATS };

  private constructor(compiled: CompiledYara, options: YaraPoolOptions) {
    this.#compiled = compiled;
    this.#options = options;
    const want = Math.max(1, Math.min(options.workers ?? Math.min(8, availableParallelism()), 64));
    const text = compiled.text?.serialize?.() ?? null;
    const binary = compiled.binary?.serialize?.() ?? null;
    const serialisable = (compiled.text === null || text !== null) && (compiled.binary === null || binary !== null);
    const parallel = want > 1 && serialisable && (text !== null || binary !== null);
    // Lines stay here; files go to the workers (or are scanned here when there are none).
    this.#lines = new YaraScanner(parallel ? { ...compiled, text: null, binary: null } : compiled, options);
    this.#local = parallel ? null : this.#lines;
    if (!parallel) return;
    const init: WorkerInit = {
      text,
      binary,
      facts: [...compiled.facts],
      externalsUsed: [...compiled.externalsUsed],
      limits: compiled.limits,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      report: compiled.report,
    };
    for (let i = 0; i < want; i++) this.#slots.push(this.#spawn(init));
  }

  /** Resolves when every worker has loaded its rules (scans queue until then anyway). */
  async ready(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.ready));
  }

  /** Compiles the rules once and starts the workers (they load the rules in the background). */
  static open(options: YaraPoolOptions): YaraPool {
    return new YaraPool(compileYara(options), options);
  }

  get report(): YaraCompileReport {
    return this.#compiled.report;
  }

  get workers(): number {
    return this.#slots.length;
  }

  get scansFiles(): boolean {
    return this.#compiled.text !== null || this.#compiled.binary !== null;
  }

  get scansLines(): boolean {
    return this.#lines.scansLines;
  }

  get lineLiterals(): readonly string[] | null {
    return this.#lines.lineLiterals;
  }

  get gatesLines(): boolean {
    return this.#lines.gatesLines;
  }

  /** Hits of the file rules on one file (see YaraScanner.scanFile). Never rejects on file problems. */
  scanFile(input: YaraFileInput): Promise<Hit[]> {
    if (this.#local) return Promise.resolve(this.#local.scanFile(input));
    const slot = this.#slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.#nextId++;
    // A worker with work keeps the process alive; an idle one does not.
    if (slot.inFlight++ === 0) slot.worker.ref();
    const done = (): void => {
      if (--slot.inFlight === 0) slot.worker.unref();
    };
    return new Promise<Hit[]>((resolve, reject) => {
      this.#pending.set(id, {
        slot,
        resolve: (h) => {
          done();
          resolve(h);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      const req: WorkerRequest = { id, input };
      slot.ready.then(
        () => slot.worker.postMessage(req),
        (e: unknown) => this.#settle(id, e instanceof Error ? e : new Error(String(e))),
      );
    });
  }

  scanLine(line: string, origin: YaraLineOrigin): Hit[] {
    return this.#lines.scanLine(line, origin);
  }

  scanLines(lines: readonly string[], origin: Omit<YaraLineOrigin, 'line'> & { readonly firstLine: number }): Hit[] {
    return this.#lines.scanLines(lines, origin);
  }

  scanLineBatch(batch: YaraLineBatch, origin: Omit<YaraLineOrigin, 'line'>): Hit[] {
    return this.#lines.scanLineBatch(batch, origin);
  }

  /** Counters over all workers and the main thread. */
  get stats(): YaraScanStats {
    const out = { ...this.#lines.stats };
    for (const k of Object.keys(out) as (keyof YaraScanStats)[]) out[k] += this.#workerStats[k];
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#slots.map((s) => s.worker.terminate()));
    for (const id of [...this.#pending.keys()]) this.#settle(id, new Error('YaraPool closed'));
    this.#compiled.close();
  }

  #spawn(init: WorkerInit): Slot {
    const worker = new Worker(new URL('./pool-worker.js', import.meta.url), { workerData: init });
    worker.unref();
    let readyResolve: () => void = () => undefined;
    let readyReject: (e: Error) => void = () => undefined;
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    ready.catch(() => undefined);
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') return readyResolve();
      if (msg.type === 'failed') return readyReject(new Error(`YARA worker failed to start: ${msg.message}`));
      for (const k of Object.keys(msg.stats) as (keyof YaraScanStats)[]) this.#workerStats[k] += msg.stats[k];
      for (const d of msg.diagnostics) this.#options.onDiagnostic?.(d);
      this.#pending.get(msg.id)?.resolve(msg.hits);
      this.#pending.delete(msg.id);
    });
    const slot: Slot = { worker, ready, inFlight: 0 };
    worker.on('error', (e) => {
      readyReject(e);
      for (const [id, p] of [...this.#pending]) if (p.slot === slot) this.#settle(id, e);
    });
    return slot;
  }

  #settle(id: number, e: Error): void {
    this.#pending.get(id)?.reject(e);
    this.#pending.delete(id);
  }
}
