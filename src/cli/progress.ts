/**
 * @module The scan progress bar on stderr: files and bytes done of the total, throughput, and the
 * file being read. Wraps cli-progress.
 *
 * When disabled (stderr is not a terminal, `--quiet`, `--no-progress`) it writes nothing at all,
 * not even a newline: a log file or CI output must not collect redraw sequences. The file label
 * is a path from the input, so it is escaped and cut to the terminal width like every other
 * untrusted string printed.
 */
import cliProgress from 'cli-progress';
import { escapeTerminal } from '../sinks/escape/index.js';

export interface ProgressOptions {
  /** Where to draw, normally `process.stderr` (stdout carries the report or JSON Lines). */
  readonly stream?: NodeJS.WritableStream;
  /** Draw at all; the caller passes false unless the stream is a TTY. */
  readonly enabled: boolean;
}

/** Matches the engine's `ScanProgress`. */
export interface Progress {
  start(totalBytes: number, totalFiles: number): void;
  /** One more file done, `bytes` long; `fileLabel` is shown as the current file. */
  advance(bytes: number, fileLabel: string): void;
  /** Removes the bar. Safe to call more than once, and before `start`. */
  stop(): void;
}

const NOOP: Progress = { start: () => undefined, advance: () => undefined, stop: () => undefined };

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return NOOP;
  const stream = options.stream ?? process.stderr;
  let totalFiles = 0;
  let filesDone = 0;
  let bytesDone = 0;
  let label = '';
  let started = false;

  const bar = new cliProgress.SingleBar({
    stream,
    clearOnComplete: true,
    barsize: 20,
    // Formatted here rather than with payload tokens, so every value is typed and escaped.
    format: (opts, params) => {
      const seconds = Math.max((Date.now() - params.startTime) / 1000, 0.001);
      const head =
        `${cliProgress.Format.BarFormat(params.progress, opts)} ${Math.floor(params.progress * 100)}% ` +
        `${filesDone}/${totalFiles} files ${mb(params.value)}/${mb(params.total)} MB ${mb(params.value / seconds)} MB/s  `;
      const room = Math.max(params.maxWidth - head.length - 1, 10);
      // Escaped first so the width is what is drawn; the end of a path (folder and file name)
      // says more than its start.
      const safe = escapeTerminal(label);
      return head + (safe.length > room ? `…${safe.slice(safe.length - room + 1)}` : safe);
    },
  });

  return {
    start(totalBytes: number, files: number): void {
      if (started) return;
      started = true;
      totalFiles = files;
      bar.start(Math.max(totalBytes, 0), 0);
    },
    advance(bytes: number, fileLabel: string): void {
      if (!started) return;
      filesDone += 1;
      bytesDone += bytes;
      label = fileLabel;
      // Files can grow while a live host is scanned; keep the bar honest rather than over 100%.
      if (bytesDone > bar.getTotal()) bar.setTotal(bytesDone);
      bar.update(bytesDone);
    },
    stop(): void {
      if (!started) return;
      started = false;
      bar.stop();
    },
  };
}
