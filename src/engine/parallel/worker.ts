/**
 * @module A scan worker thread: loads the run's detectors again (compiled code cannot be
 * posted), then takes files from the shared queue until it is empty, scanning each with the same
 * `scanPlannedFile` the main thread uses, and posts the results back in small batches.
 *
 * It never decides anything about hosts, order or output: the main thread applies results in
 * plan order. A file that fails is already a diagnostic inside its result; an error outside a
 * file ends the worker, and the main thread scans again whatever this worker did not report.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { fileEntry } from '../../inputs/walk.js';
import { loadScanDetectors } from '../load-detectors.js';
import { RecordMatcher } from '../matcher.js';
import type { PlannedFile } from '../plan.js';
import { scanPlannedFile } from '../scan-file.js';
import type { FileScanContext } from '../scan-file.js';
import type { FileJob, FilesMessage, IndexedResult, WorkerInit, WorkerMessage } from './protocol.js';
import { QueueSlots, WorkerState } from './protocol.js';

/** Results are posted in batches: one message per file would cost the main thread more than some files take to scan. */
const BATCH_FILES = 32;
/** ...but at least this often, so the progress bar moves. */
const BATCH_MS = 25;

function post(port: MessagePort, message: WorkerMessage): void {
  port.postMessage(message);
}

function plannedFile(job: FileJob): PlannedFile {
  return {
    entry: fileEntry(job.diskPath, job.path, job.size, job.mtime),
    placement: job.placement,
    exchangeInstall: job.exchangeInstall,
    // The host group is the main thread's business; a worker's matcher has no per-host state
    // (parallel scans run without correlations).
    group: '',
    groupName: null,
    ...(job.deep ? { deep: true } : {}),
  };
}

/** Posts a batch; results that cannot be cloned are named so that the main thread rescans them. */
function flush(port: MessagePort, batch: IndexedResult[]): void {
  if (batch.length === 0) return;
  try {
    post(port, { type: 'results', items: batch });
  } catch {
    const unsent: number[] = [];
    let message = '';
    for (const item of batch) {
      try {
        post(port, { type: 'results', items: [item] });
      } catch (e) {
        unsent.push(item.index);
        message ||= e instanceof Error ? e.message : String(e);
      }
    }
    if (unsent.length > 0) post(port, { type: 'unsent', indices: unsent, message });
  }
  batch.length = 0;
}

async function run(port: MessagePort, init: WorkerInit, files: Promise<readonly FileJob[]>): Promise<void> {
  const detectors = await loadScanDetectors(init.content);
  const ids = detectors.detectors.map((d) => d.id);
  if (ids.length !== init.detectorIds.length || ids.some((id, i) => id !== init.detectorIds[i]) || detectors.counts.indicators !== init.indicators) {
    post(port, { type: 'failed', message: 'the worker loaded other detectors than the main thread (content changed during the scan?)' });
    return;
  }
  const jobs = await files;
  const queue = new Int32Array(init.queue);
  // A worker that the main thread retired (it finished everything while this one was loading) takes nothing.
  if (Atomics.compareExchange(queue, QueueSlots.state(init.worker), WorkerState.loading, WorkerState.taking) !== WorkerState.loading) {
    post(port, { type: 'done' });
    return;
  }
  const ctx: FileScanContext = { detectors, matcher: new RecordMatcher(detectors, 'buffered', null), fileScanners: [], lineScanners: [] };
  const batch: IndexedResult[] = [];
  let posted = performance.now();
  let scanned = 0;
  for (;;) {
    const index = Atomics.add(queue, QueueSlots.next, 1);
    const job = jobs[index];
    if (job === undefined) break;
    Atomics.store(queue, QueueSlots.current(init.worker), index);
    const file = plannedFile(job);
    batch.push({ index, result: await scanPlannedFile(file, () => file.entry.open(), ctx) });
    scanned += 1;
    if (init.crashAfterFiles !== undefined && scanned >= init.crashAfterFiles) throw new Error(`test crash after ${scanned} files`);
    const now = performance.now();
    if (batch.length >= BATCH_FILES || now - posted >= BATCH_MS) {
      flush(port, batch);
      posted = now;
    }
  }
  Atomics.store(queue, QueueSlots.current(init.worker), -1);
  flush(port, batch);
  post(port, { type: 'done' });
}

function start(): void {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  // Listen at once: the plan may arrive while the detectors are still loading.
  const files = new Promise<readonly FileJob[]>((resolve) => {
    port.once('message', (m: FilesMessage) => resolve(m.files));
  });
  run(port, init, files).catch((e: unknown) => {
    // Anything outside a file's own try/catch is a crash: let the main thread see it as one.
    setImmediate(() => {
      throw e;
    });
  });
}

start();
