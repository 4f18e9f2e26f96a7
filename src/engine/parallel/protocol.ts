/**
 * @module What crosses between the main thread and the scan workers (src/engine/parallel): the
 * start-up data, the plan's files, per-file results, and the layout of the shared queue.
 *
 * Only plain data crosses (structured clone): a planned file travels as its path on disk and the
 * facts of its placement, and the worker rebuilds the tree entry from them with the same
 * `fileEntry` a folder walk uses. Detectors are compiled code, so they do not travel; each worker
 * loads them again from the same content options the CLI used and checks that it got the same
 * detector ids.
 */
import type { Placement } from '../../inputs/placement.js';
import type { ScanContentOptions } from '../load-detectors.js';
import type { PlannedFile } from '../plan.js';
import type { FileResult } from '../scan-file.js';

/** A planned file as a worker gets it. */
export interface FileJob {
  /** Absolute path of the file on disk. */
  readonly diskPath: string;
  /** Tree path (relative to the PATH argument, `/` separators). */
  readonly path: string;
  readonly size: number;
  readonly mtime: Date | null;
  readonly placement: Placement;
  readonly exchangeInstall: string | null;
  readonly deep: boolean;
}

export function toFileJob(file: PlannedFile, diskPath: string): FileJob {
  return {
    diskPath,
    path: file.entry.path,
    size: file.entry.size,
    mtime: file.entry.mtime,
    placement: file.placement,
    exchangeInstall: file.exchangeInstall,
    deep: file.deep === true,
  };
}

/** `workerData` of a scan worker. */
export interface WorkerInit {
  /** Index of this worker (its slots in the shared queue). */
  readonly worker: number;
  readonly content: ScanContentOptions;
  /** The main thread's detector ids and indicator count: a worker that loads others stops. */
  readonly detectorIds: readonly string[];
  readonly indicators: number;
  /** The shared queue ({@link QueueSlots}). */
  readonly queue: SharedArrayBuffer;
  /** Test hook: the worker throws (an uncaught error, as a crash) after scanning this many files. */
  readonly crashAfterFiles?: number;
}

/** Main thread → worker: the plan, once it is complete. */
export interface FilesMessage {
  readonly type: 'files';
  readonly files: readonly FileJob[];
}

export interface IndexedResult {
  readonly index: number;
  readonly result: FileResult;
}

/** Worker → main thread. */
export type WorkerMessage =
  /** The worker could not load the same detectors; it takes no file. */
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'results'; readonly items: readonly IndexedResult[] }
  /** Results that could not be posted (not cloneable); the main thread scans those files again. */
  | { readonly type: 'unsent'; readonly indices: readonly number[]; readonly message: string }
  /** The queue is empty; every result of this worker has been posted before this. */
  | { readonly type: 'done' };

/**
 * Layout of the shared Int32Array. Slot 0 is the next file index to take: every thread takes a
 * file with one `Atomics.add`, so handing out files needs no message and never waits for the
 * main thread, which is busy scanning too. Each worker has a state slot (a worker the main
 * thread retires before it took anything never starts) and the index of the file it is reading
 * (named in the diagnostic if it crashes).
 */
export const QueueSlots = {
  next: 0,
  state: (worker: number): number => 1 + 2 * worker,
  current: (worker: number): number => 2 + 2 * worker,
  length: (workers: number): number => 1 + 2 * workers,
} as const;

/** Worker states in the queue's state slots. */
export const WorkerState = { loading: 0, taking: 1, retired: 2 } as const;
