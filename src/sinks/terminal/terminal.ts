/**
 * @module `terminalSink`: prints the human report (see {@link formatReport}) when the scan is
 * closed. Nothing is printed per finding: the report is grouped and ordered, which needs all of
 * them, and a progress bar owns the screen while the scan runs.
 *
 * The stream is not ended (it is usually stdout). A closed pipe (`exhunt scan x | head`) is not
 * an error: the reader went away on purpose. Any other write error rejects, failing the run.
 */
import type { Finding } from '../../core/finding.js';
import type { Sink } from '../../core/sink.js';
import type { ScanSummary } from '../../core/summary.js';
import { errorMessage, SinkError, SinkLifecycle } from '../lifecycle.js';
import type { ReportOptions } from './report.js';
import { formatReport } from './report.js';

export interface TerminalOptions extends ReportOptions {
  /** Where the report goes, usually `process.stdout`. */
  readonly stream: NodeJS.WritableStream;
}

function isEpipe(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EPIPE';
}

/** Writes `text` and waits until the stream has taken it, without leaving an error unhandled. */
function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown): void => {
      if (settled) return;
      settled = true;
      if (err === undefined || err === null || isEpipe(err)) resolve();
      else reject(new SinkError(`terminal sink: cannot write the report: ${errorMessage(err)}`));
    };
    // A failed write calls back and then also emits 'error'; without a listener that event would
    // crash the process. The once-listener stays until that event comes, and removes itself.
    const onError = (err: unknown): void => settle(err);
    stream.once('error', onError);
    stream.write(text, (err) => {
      if (err === undefined || err === null) stream.removeListener('error', onError);
      settle(err);
    });
  });
}

export function terminalSink(options: TerminalOptions): Sink {
  const life = new SinkLifecycle('terminal');
  return {
    name: 'terminal',
    begin(): void {
      life.begin();
    },
    write(_finding: Finding): void {
      life.write();
    },
    async close(summary: ScanSummary, findings: readonly Finding[]): Promise<void> {
      life.close();
      await writeAll(options.stream, formatReport(summary, findings, options));
    },
  };
}
