/**
 * @module Live Windows event logs through `wevtutil qe <channel> /f:xml /e:Events`: the thin layer
 * that lets a scan of the live host read the event log channels the rules need without touching
 * the .evtx files Windows holds open. wevtutil's output is what `parseWevtutilXml` already reads,
 * so the records are exactly those of an export made by hand.
 *
 * The program is started with an argument array and no shell (a channel name is never parsed by
 * a command interpreter). Whatever goes wrong with one channel (it does not exist on this host,
 * access is denied, wevtutil cannot be started) becomes a warning naming the channel, and the
 * channel reads as empty: the scan goes on with the others.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { DiagnosticSink } from '../../core/diagnostic.js';

/**
 * The channels exhunt's rules read (see `content/rules/Exchange/**`): the Unified Messaging
 * errors and crash reports (Application), process creation and log clearing (Security, System),
 * the Exchange cmdlet log, Sysmon, and the two PowerShell logs for Sigma's PowerShell rules.
 */
export const LIVE_EVENT_CHANNELS = [
  'Application',
  'Security',
  'System',
  'MSExchange Management',
  'Microsoft-Windows-Sysmon/Operational',
  'Windows PowerShell',
  'Microsoft-Windows-PowerShell/Operational',
] as const;

/** wevtutil's arguments for one channel: every event, oldest first, as XML under one `<Events>` root. */
export function wevtutilArguments(channel: string): string[] {
  return ['qe', channel, '/f:xml', '/e:Events'];
}

export interface WevtutilOptions {
  /**
   * The program to run. Default `wevtutil`, found on PATH; the live host passes the full path of
   * `%SystemRoot%\System32\wevtutil.exe` so that no other program of that name is run.
   */
  readonly command?: string;
  /** Environment of the child process (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives the warning when the channel cannot be read. */
  readonly onDiagnostic?: DiagnosticSink;
  /** Path the diagnostic names (the tree path of the channel's entry); default `Event log/<channel>`. */
  readonly path?: string;
}

/** How much of wevtutil's error output is kept for the diagnostic. */
const STDERR_LIMIT = 4096;

/** What the Windows error codes wevtutil exits with mean, for the ones a scan meets. */
const EXIT_REASONS: Readonly<Record<number, string>> = {
  5: 'access denied (run exhunt as an administrator to read it)',
  15007: 'the channel does not exist on this host',
};

/**
 * Starts `wevtutil qe <channel> /f:xml /e:Events` and returns its output as a stream (for
 * `parseWevtutilXml`). The stream never fails: when wevtutil cannot be started or exits with an
 * error, `onDiagnostic` gets an `event-log-unavailable` warning naming the channel and the stream
 * ends with what was written (usually nothing). Destroying the stream early stops wevtutil.
 */
export function openWevtutilChannel(channel: string, options: WevtutilOptions = {}): Readable {
  const command = options.command ?? 'wevtutil';
  const path = options.path ?? `Event log/${channel}`;
  const out = new PassThrough();
  let finished = false;
  const warn = (reason: string): void => {
    options.onDiagnostic?.({ level: 'warning', code: 'event-log-unavailable', message: `event log "${channel}" not read: ${reason}`, path });
  };
  const finish = (reason: string | null): void => {
    if (finished) return;
    finished = true;
    if (reason !== null) warn(reason);
    out.end();
  };

  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    child = spawn(command, wevtutilArguments(channel), {
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      shell: false,
      ...(options.env ? { env: { ...options.env } } : {}),
    });
  } catch (e) {
    // Synchronous failures (an invalid argument) read like a failed start.
    finish(`${command} could not be started (${e instanceof Error ? e.message : String(e)})`);
    return out;
  }

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text.slice(0, STDERR_LIMIT - stderr.length);
  });
  child.stdout.pipe(out, { end: false });
  child.on('error', (e: NodeJS.ErrnoException) => {
    finish(`${command} could not be started (${e.code ?? e.message})`);
  });
  child.on('close', (code, signal) => {
    if (code === 0) return finish(null);
    const said = oneLine(stderr);
    const why = code === null ? `stopped by ${signal ?? 'a signal'}` : (EXIT_REASONS[code] ?? `exit code ${code}`);
    finish(`wevtutil: ${why}${said ? ` (${said})` : ''}`);
  });
  // The reader stopped early (or the scan was aborted): wevtutil need not run on.
  out.on('close', () => {
    if (!finished) {
      finished = true;
      child.kill();
    }
  });
  return out;
}

/** wevtutil's message on one line, trimmed, at most 300 characters (printers escape the rest). */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
