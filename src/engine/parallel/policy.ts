/**
 * @module When a scan runs on several threads, and how many. A parallel scan must give exactly
 * what a serial one gives (findings, their order, the summary but for its times, the JSON
 * Lines), so it is only used where that is cheap to guarantee; everywhere else the scan is
 * serial, and the reason is kept for `ScanResult.threads`.
 */
import { availableParallelism } from 'node:os';
import type { ScanContentOptions } from '../load-detectors.js';

/** Default thread count cap: past four threads the main thread's share of the work (assembly, messages) starts to dominate. */
export const MAX_DEFAULT_THREADS = 4;

/**
 * Smallest inputs spread over threads. Each worker costs about a second of CPU that a serial scan
 * does not spend (loading the detectors, compiling the hot code again in its own V8 isolate,
 * passing the plan and the results), and 50 MB of memory. On the 2-core benchmark machine one
 * worker made a 200 MB demo folder slower (1.48 s against 1.33 s), a 500 MB one a little faster
 * and a 1 GB one 1.16x faster; the break-even was near 400 MB.
 */
export const MIN_PARALLEL_FILES = 50;
export const MIN_PARALLEL_BYTES = 384 * 1024 * 1024;
/**
 * Input bytes a worker must have to read for each active indicator it compiles again. A worker
 * loads the user's store itself, about 4.5 µs an indicator (a million: 4.5 s, longer than a
 * scan of 1 GB, which then took 8.3 s on two threads against 7.2 s on one and 1.1 GB against
 * 0.7 GB); at some 400 MB/s a worker pays that back after about 1.8 KB an indicator, and twice
 * that keeps the rule on the safe side.
 */
export const BYTES_PER_INDICATOR = 4096;
/** Fewer indicators than this are not counted (under 16 MiB of input). */
const MIN_COUNTED_INDICATORS = 4096;

export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, availableParallelism()));
}

export interface ParallelOptions {
  /** Threads in all, the main thread included; 1 is the serial scan. */
  readonly threads: number;
  /** How the run's detectors were loaded, so that every worker loads the same ones. */
  readonly content: ScanContentOptions;
  /** Smallest input (files and bytes) worth the workers' start-up; lowered only by tests. */
  readonly minFiles?: number;
  readonly minBytes?: number;
  /** Test hook: the main thread leaves every file to the workers. */
  readonly mainTakesFiles?: boolean;
  /** Test hook: each worker crashes after this many files. */
  readonly crashAfterFiles?: number;
}

/** What of a scan's setup decides against threads before anything is read. */
export interface ParallelFacts {
  readonly parallel: ParallelOptions | undefined;
  readonly inputs: readonly string[];
  readonly correlations: number;
  readonly ruleProfile: boolean;
  readonly fileScanners: number;
  readonly lineScanners: number;
}

/** Why the scan must be serial whatever its inputs hold, or null when threads may be used. */
export function staticSerialReason(f: ParallelFacts): string | null {
  if (!f.parallel || f.parallel.threads <= 1) return 'one thread asked for';
  // Correlations need the hits of every file of a host in time order, on one thread.
  if (f.correlations > 0) return 'Sigma correlation rules need every record of a host on one thread';
  if (f.ruleProfile) return '--profile-rules times every rule on one thread';
  // YARA has its own worker pool for whole files; its line rules are not rebuilt in workers.
  if (f.fileScanners > 0 || f.lineScanners > 0) return 'YARA rules run in their own worker pool';
  if (f.inputs.length === 0 || f.inputs.includes('')) return 'the live host is read serially';
  return null;
}

/** Why inputs of this size stay serial, or null (`indicators`: active indicators a worker would compile again). */
export function sizeSerialReason(parallel: ParallelOptions, files: number, bytes: number, indicators = 0): string | null {
  const minFiles = parallel.minFiles ?? MIN_PARALLEL_FILES;
  // A few thousand indicators (the bundled pack has 183) cost a worker nothing worth counting.
  const load = indicators >= MIN_COUNTED_INDICATORS ? indicators * BYTES_PER_INDICATOR : 0;
  const minBytes = (parallel.minBytes ?? MIN_PARALLEL_BYTES) + load;
  if (files < minFiles || bytes < minBytes) {
    const why = load > 0 ? ` (a worker would compile ${indicators.toLocaleString('en')} indicators again)` : '';
    return `inputs smaller than ${minFiles} files or ${+(minBytes / 2 ** 20).toFixed(1)} MiB${why}`;
  }
  return null;
}
