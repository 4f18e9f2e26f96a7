/**
 * @module Worker thread entry: writes the streams named in `workerData` (a `StreamsJob`) and
 * posts back `{ ok: true, outcome }` or `{ ok: false, message }`. Started by generate.ts when
 * the output is large enough for parallel writing to pay off.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isResolvedOptions } from './options.js';
import type { StreamsJob } from './stream-writer.js';
import { writeStreams } from './stream-writer.js';

function isJob(v: unknown): v is StreamsJob {
  if (typeof v !== 'object' || v === null) return false;
  const j = v as Record<string, unknown>;
  return isResolvedOptions(j.options) && Array.isArray(j.labels) && j.labels.every((l) => typeof l === 'string');
}

const port = parentPort;
if (port) {
  const data: unknown = workerData;
  if (!isJob(data)) {
    port.postMessage({ ok: false, message: 'demo worker: bad job' });
  } else {
    writeStreams(data).then(
      (outcome) => port.postMessage({ ok: true, outcome }),
      (e: unknown) => port.postMessage({ ok: false, message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  }
}
