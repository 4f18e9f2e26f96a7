/**
 * @module `summaryJsonSink`: the run's `ScanSummary` (per-host verdicts, log coverage, counts and
 * every input problem; see `src/core/summary.ts`) as pretty-printed JSON, written at close.
 *
 * The file is written to a temporary name beside it and renamed into place, so a reader (or a
 * crash half-way) never sees a half-written summary; an existing file is replaced. Bidi and
 * C1 characters inside strings are `\uNNNN` escapes so the file is safe to `cat` (see
 * `escapeJsonText`).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Finding } from '../../core/finding.js';
import type { Sink } from '../../core/sink.js';
import type { ScanSummary } from '../../core/summary.js';
import { escapeJsonText } from '../escape/index.js';
import { errorMessage, SinkError, SinkLifecycle } from '../lifecycle.js';

export interface SummaryJsonOptions {
  /** File to write; missing parent folders are created. */
  readonly path: string;
}

export function summaryJsonSink(options: SummaryJsonOptions): Sink {
  const life = new SinkLifecycle('summary-json');
  return {
    name: 'summary-json',
    begin(): void {
      life.begin();
    },
    write(_finding: Finding): void {
      life.write();
    },
    async close(summary: ScanSummary): Promise<void> {
      life.close();
      const tmp = `${options.path}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(options.path), { recursive: true });
        await writeFile(tmp, `${escapeJsonText(JSON.stringify(summary, null, 2))}\n`, 'utf8');
        await rename(tmp, options.path);
      } catch (err) {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw new SinkError(`summary-json sink: cannot write ${options.path}: ${errorMessage(err)}`);
      }
    },
  };
}
