/**
 * @module The main thread's side of a parallel scan: starts the worker threads early (they load
 * detectors while the main thread is still planning), then hands the plan's files out through a
 * shared counter to the workers and to the main thread itself, and collects one result per file.
 *
 * Why the main thread scans too: on a two-core machine one worker plus the main thread uses
 * both cores for the price of one extra V8 heap (the peak RSS target is 200 MB). Why a shared
 * counter rather than messages: the main thread is busy scanning and only reads messages between
 * files, so a worker asking it for work would wait; `Atomics.add` hands out the next file (whole
 * files, in plan order) at once. Results arrive in any order; the caller puts them in plan order.
 *
 * Nothing is lost when a worker fails: once every worker has finished, stopped or been retired,
 * the main thread scans every file that has no result yet (the file the worker was reading and
 * the results it had not posted), and a `worker-failed` note says what happened.
 */
import { Worker } from 'node:worker_threads';
import type { ScanContentOptions } from '../load-detectors.js';
import type { FileResult } from '../scan-file.js';
import type { FileJob, FilesMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { QueueSlots, WorkerState } from './protocol.js';

/** The main thread reads the workers' messages (progress, results) at least this often while it scans. */
const YIELD_MS = 20;

/**
 * A worker's young generation. V8's default let each worker grow to about 75 MB resident on the
 * 1 GB benchmark (peak RSS 215-222 MB with one worker); 16 MB gave 200-205 MB and 8 MB 188-197 MB
 * at no CPU cost we could measure (a scan's garbage is short-lived line slices); 2 and 4 MB gave
 * no less than 8.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

export interface PoolOptions {
  readonly workers: number;
  readonly content: ScanContentOptions;
  readonly detectorIds: readonly string[];
  readonly indicators: number;
  /** Test hook: each worker crashes after scanning this many files. */
  readonly crashAfterFiles?: number;
}

/** Something about the workers the report should mention; `index` is the file being read, if known. */
export interface PoolNote {
  readonly message: string;
  readonly index: number | null;
}

/** How a run went: notes about workers that failed, and how many files the workers read. */
export interface RunReport {
  readonly notes: readonly PoolNote[];
  readonly workerFiles: number;
}

export interface RunOptions {
  /** Scans file `index` of the jobs on the main thread. */
  readonly scanLocal: (index: number) => Promise<FileResult>;
  /** Receives each file's result once, in completion order. */
  readonly onResult: (index: number, result: FileResult) => void;
  /** The main thread takes files from the queue too (false only in tests, to force work onto workers). */
  readonly mainTakesFiles?: boolean;
}

interface Slot {
  readonly worker: Worker;
  readonly index: number;
  /** Resolves when the worker will post nothing more (done, failed, stopped or retired). */
  readonly finished: Promise<void>;
  ended: boolean;
}

export class ScanPool {
  readonly #queue: Int32Array;
  readonly #slots: Slot[] = [];
  readonly #notes: PoolNote[] = [];
  #deliver: (index: number, result: FileResult) => boolean = () => false;
  #workerFiles = 0;
  #closed = false;

  /** Starts `workers` threads, which begin loading detectors at once. */
  constructor(options: PoolOptions) {
    this.#queue = new Int32Array(new SharedArrayBuffer(4 * QueueSlots.length(options.workers)));
    for (let k = 0; k < options.workers; k++) this.#queue[QueueSlots.current(k)] = -1;
    try {
      for (let k = 0; k < options.workers; k++) this.#slots.push(this.#spawn(this.#init(options, k)));
    } catch (e) {
      void this.close();
      throw e;
    }
  }

  #init(options: PoolOptions, k: number): WorkerInit {
    return {
      worker: k,
      content: options.content,
      detectorIds: options.detectorIds,
      indicators: options.indicators,
      queue: this.#queue.buffer as SharedArrayBuffer,
      ...(options.crashAfterFiles !== undefined ? { crashAfterFiles: options.crashAfterFiles } : {}),
    };
  }

  /** Scans every job; resolves once each job's result has been delivered. Call once. */
  async run(jobs: readonly FileJob[], options: RunOptions): Promise<RunReport> {
    const delivered = new Uint8Array(jobs.length);
    this.#deliver = (index, result) => {
      if (index < 0 || index >= jobs.length || delivered[index]) return false;
      delivered[index] = 1;
      options.onResult(index, result);
      return true;
    };
    const files: FilesMessage = { type: 'files', files: jobs };
    for (const s of this.#slots) if (!s.ended) s.worker.postMessage(files);

    if (options.mainTakesFiles !== false) {
      let yielded = performance.now();
      for (;;) {
        const index = Atomics.add(this.#queue, QueueSlots.next, 1);
        if (index >= jobs.length) break;
        const result = await options.scanLocal(index);
        this.#deliver(index, result);
        if (performance.now() - yielded >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          yielded = performance.now();
        }
      }
      // Workers still loading have nothing left to take: retire them rather than wait for them.
      for (const s of this.#slots) {
        if (Atomics.compareExchange(this.#queue, QueueSlots.state(s.index), WorkerState.loading, WorkerState.retired) === WorkerState.loading) {
          void s.worker.terminate();
        }
      }
    }
    await Promise.all(this.#slots.map((s) => s.finished));
    // Whatever no worker reported (a crash, a result that could not be posted) is scanned here.
    for (let index = 0; index < jobs.length; index++) {
      if (!delivered[index]) this.#deliver(index, await options.scanLocal(index));
    }
    return { notes: this.#notes, workerFiles: this.#workerFiles };
  }

  /** Stops every worker (after `run`, or instead of it when the scan falls back to serial). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#slots.map((s) => s.worker.terminate()));
  }

  #spawn(init: WorkerInit): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: init,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    // A worker must never keep the process alive, e.g. after the CLI has its exit code.
    worker.unref();
    let finish: () => void = () => undefined;
    const slot: Slot = {
      worker,
      index: init.worker,
      finished: new Promise<void>((resolve) => {
        finish = resolve;
      }),
      ended: false,
    };
    const end = (note: string | null): void => {
      if (slot.ended) return;
      slot.ended = true;
      if (note !== null && !this.#closed) {
        const current = Atomics.load(this.#queue, QueueSlots.current(init.worker));
        this.#notes.push({ message: note, index: current >= 0 ? current : null });
      }
      finish();
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'results':
          for (const item of m.items) if (this.#deliver(item.index, item.result)) this.#workerFiles += 1;
          break;
        case 'unsent':
          this.#notes.push({ message: `a scan worker could not pass back the results of ${m.indices.length} file(s) (${m.message}); they were scanned again on the main thread`, index: m.indices[0] ?? null });
          break;
        case 'failed':
          end(`a scan worker did not start: ${m.message}`);
          void worker.terminate();
          break;
        case 'done':
          end(null);
          break;
      }
    });
    worker.on('error', (e) => {
      end(`a scan worker stopped (${e.message}); the files it had not reported were scanned again on the main thread`);
    });
    worker.on('exit', (code) => {
      // A retired worker (terminated before it took a file) ends without a note.
      const retired = Atomics.load(this.#queue, QueueSlots.state(init.worker)) === WorkerState.retired;
      end(retired ? null : `a scan worker exited with code ${code}; the files it had not reported were scanned again on the main thread`);
    });
    return slot;
  }
}
