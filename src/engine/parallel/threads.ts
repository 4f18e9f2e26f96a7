/**
 * @module One scan's decision between the serial path and worker threads, taken in two steps.
 *
 * While planning walks the inputs, {@link ThreadPlan.observe} sees each entry; once the inputs
 * are big enough the workers start, so that loading their detectors (about 0.3 s of CPU each)
 * overlaps with the rest of the planning instead of following it. When planning is done,
 * {@link ThreadPlan.begin} checks the planned files themselves: only files on disk can be
 * reopened by a worker, and small plans are not worth the threads. Whatever it decides, the
 * reason for a serial scan is kept.
 */
import type { TreeEntry } from '../../inputs/tree.js';
import { diskPathOf } from '../../inputs/walk.js';
import type { DetectorSet } from '../content.js';
import type { PlannedFile } from '../plan.js';
import type { ParallelFacts, ParallelOptions } from './policy.js';
import { sizeSerialReason, staticSerialReason } from './policy.js';
import { ScanPool } from './pool.js';
import type { FileJob } from './protocol.js';
import { toFileJob } from './protocol.js';

const NOT_ON_DISK = 'only files on disk are scanned in parallel (a zip, or program output, is among the inputs)';

export class ThreadPlan {
  readonly #parallel: ParallelOptions | undefined;
  readonly #detectors: DetectorSet;
  #reason: string | null;
  #pool: ScanPool | null = null;
  #files = 0;
  #bytes = 0;

  constructor(facts: Omit<ParallelFacts, 'correlations'>, detectors: DetectorSet) {
    this.#parallel = facts.parallel;
    this.#detectors = detectors;
    this.#reason = staticSerialReason({ ...facts, correlations: detectors.correlators.length });
  }

  /** Active indicators, which each worker compiles again. */
  get #indicators(): number {
    return this.#detectors.counts.indicators;
  }

  /** Why the scan is serial, or null while threads are still possible. */
  get serialReason(): string | null {
    return this.#reason;
  }

  /** Threads the scan runs on (1 when serial). */
  get threads(): number {
    return this.#reason === null && this.#pool && this.#parallel ? this.#parallel.threads : 1;
  }

  /** Sees one entry of an input as planning walks it. */
  observe(entry: TreeEntry): void {
    if (this.#reason !== null || !this.#parallel) return;
    if (diskPathOf(entry) === undefined) {
      this.#serial(NOT_ON_DISK);
      return;
    }
    this.#files += 1;
    this.#bytes += entry.size;
    if (!this.#pool && sizeSerialReason(this.#parallel, this.#files, this.#bytes, this.#indicators) === null) this.#start(this.#parallel);
  }

  /** After planning: the started pool and its jobs (one per planned file, in plan order), or null for a serial scan. */
  begin(files: readonly PlannedFile[]): { readonly pool: ScanPool; readonly jobs: readonly FileJob[] } | null {
    const parallel = this.#parallel;
    if (this.#reason !== null || !parallel) return null;
    const jobs: FileJob[] = [];
    let bytes = 0;
    for (const f of files) {
      const diskPath = diskPathOf(f.entry);
      if (diskPath === undefined) return this.#serial(NOT_ON_DISK);
      jobs.push(toFileJob(f, diskPath));
      bytes += f.entry.size;
    }
    const small = sizeSerialReason(parallel, files.length, bytes, this.#indicators);
    if (small !== null) return this.#serial(small);
    // The entries crossed the thresholds if the planned files did, so the workers are running.
    if (!this.#pool) return this.#serial('the worker threads could not be started');
    return { pool: this.#pool, jobs };
  }

  /** Stops the workers, if any (at the end of the scan, or when it fails). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.close();
  }

  #start(parallel: ParallelOptions): void {
    try {
      this.#pool = new ScanPool({
        workers: parallel.threads - 1,
        content: parallel.content,
        detectorIds: this.#detectors.detectors.map((d) => d.id),
        indicators: this.#detectors.counts.indicators,
        ...(parallel.crashAfterFiles !== undefined ? { crashAfterFiles: parallel.crashAfterFiles } : {}),
      });
    } catch (e) {
      this.#serial(`the worker threads could not be started (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  #serial(reason: string): null {
    this.#reason = reason;
    void this.close();
    return null;
  }
}
