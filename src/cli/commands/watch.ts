/**
 * @module `exhunt watch`: options → watch setup → Watcher, until SIGINT or SIGTERM; `--check`
 * validates a setup and exits. No watch logic here (src/watch).
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { Diagnostic } from '../../core/diagnostic.js';
import { escapeTerminal } from '../../sinks/escape/index.js';
import { findingToJsonLine } from '../../sinks/jsonl/jsonl.js';
import { EXIT_CLEAN, EXIT_ERROR } from '../exit-codes.js';
import { parseExpand, repeatable } from '../options.js';
import { useColor } from '../tty.js';

interface Flags {
  config?: string;
  state?: string;
  alert: string[];
  alertConfig?: string;
  fromNow?: boolean;
  fromStart?: boolean;
  jsonl?: string;
  host?: string;
  rules: string[];
  builtin: boolean;
  sigma: string[];
  sigmaPipeline: string[];
  sigmaExpand: string[];
  intel: boolean;
  store?: string;
  maxCpu?: string;
  poll?: string;
  rescan?: string;
  reload?: string;
  eventLog: string[];
  check?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export function registerWatch(program: Command, setExit: (code: number) => void): void {
  program
    .command('watch')
    .summary('monitor an Exchange server 24x7: every new log line, event and file, alerts exactly once')
    .description(
      'Follow the HttpProxy, ECP, OAB generator and IIS logs, the web folders where shells are planted and dropped event log exports of each PATH ' +
        '(a triage-style folder that keeps growing, an install folder, log files; on a Windows Exchange server without PATH: the live server), ' +
        'apply the same checks as `scan` to everything new, and deliver findings to alert channels through a durable outbox. ' +
        'A checkpoint per source is committed together with the alerts it produced, so a restart resumes exactly: no finding lost, none sent twice. ' +
        'See docs/watch.md.',
    )
    .argument('[path...]', 'folders or files to watch (default: the config file\'s paths, or the live server on Windows)')
    .option('--config <file>', 'watch config file (YAML: paths, state, content, channels; see docs/watch.md)')
    .option('--state <dir>', 'folder of the state store: checkpoints and alert outboxes (default: EXHUNT_HOME or the user data folder)')
    .option('--alert <uri>', 'alert channel (syslog+udp://host:port?format=cef, syslog+tls://..., https://hook, hec+https://..., smtp://...); repeatable', repeatable, [])
    .option('--alert-config <file>', 'alert channels from an alerts config file (docs/alerts.md)')
    .option('--from-now', 'first run: follow from the end of the files that exist (default)')
    .option('--from-start', 'first run: read the files that exist from their start')
    .option('--jsonl <file>', 'append every finding to this JSON Lines file, exactly once ("-": standard output instead of finding lines)')
    .option('--host <name>', 'host name for findings (default: the host folder, else the input name)')
    .option('--rules <dir>', 'extra content pack (rules/ and indicators/); repeatable', repeatable, [])
    .option('--no-builtin', "do not load exhunt's built-in rules")
    .option('--sigma <path>', 'Sigma rule file or folder; repeatable', repeatable, [])
    .option('--sigma-pipeline <file>', 'extra Sigma pipeline; repeatable', repeatable, [])
    .option('--sigma-expand <name=value>', 'value of a Sigma %placeholder%; repeatable', repeatable, [])
    .option('--no-intel', 'do not match indicators (bundled and imported)')
    .option('--store <path>', 'store with imported indicators (default: the state store)')
    .option('--max-cpu <percent>', 'CPU cap in percent of one core (0: none; default 50)')
    .option('--poll <duration>', 'how often recently written logs are looked at besides change events (default 1s)')
    .option('--rescan <duration>', 'how often every input is listed again in full (default 5m)')
    .option('--reload <duration>', 'how often rules and indicators are checked for updates (default 10s; 0: never)')
    .option('--event-log <channel>', 'Windows event log channel to read on the live server (wevtutil); repeatable', repeatable, [])
    .option('--check', 'validate the setup (config, state, content, inputs, channels) and exit')
    .option('-q, --quiet', 'no finding lines on standard output')
    .option('--no-color', 'no colours')
    .action(async (paths: string[], flags: Flags) => {
      setExit(await watchCommand(paths, flags));
    });
}

function err(line: string): void {
  process.stderr.write(`exhunt: ${escapeTerminal(line)}\n`);
}

async function watchCommand(paths: string[], flags: Flags): Promise<number> {
  const w = await import('../../watch/index.js');
  const setup = w.resolveWatchSetup(paths, { ...flags, sigmaExpand: parseExpand('--sigma-expand', flags.sigmaExpand) });

  if (flags.check) {
    const lines = await w.checkWatchSetup(setup);
    for (const l of lines) process.stdout.write(`${l.ok ? 'ok     ' : 'PROBLEM'} ${escapeTerminal(l.text)}\n`);
    const bad = lines.filter((l) => !l.ok).length;
    process.stdout.write(bad === 0 ? 'setup ok\n' : `${bad} problem${bad === 1 ? '' : 's'}\n`);
    return bad === 0 ? EXIT_CLEAN : EXIT_ERROR;
  }

  if (setup.inputs.length === 0 && process.platform !== 'win32') throw new UsageError('give a PATH to watch (or paths: in --config); without one, watch runs only on the Windows Exchange server itself');
  w.ensureStateDir(setup);
  const color = useColor(flags.color, process.stdout);
  const jsonlToStdout = setup.jsonl === '-';
  const failing = new Set<string>();
  const diagCount = new Map<string, number>();
  const diagnostic = (d: Diagnostic): void => {
    const n = (diagCount.get(d.path) ?? 0) + 1;
    diagCount.set(d.path, n);
    const where = d.code === 'content' || d.path === '' ? '' : `${d.path}${d.line ? `:${d.line}` : ''}: `;
    if (n <= 20) err(`${d.level}: ${where}${d.message}${n === 20 ? ' (further problems with this file are not shown)' : ''}`);
  };

  const watcher = await w.Watcher.open({
    ...w.watchOptions(setup),
    onDiagnostic: diagnostic,
    onFindings: (findings) => {
      if (jsonlToStdout) for (const f of findings) process.stdout.write(findingToJsonLine(f));
      else if (!flags.quiet) for (const f of findings) process.stdout.write(`${w.formatFindingLine(f, color)}\n`);
    },
    onEvent: (e) => {
      switch (e.type) {
        case 'started': {
          const first = e.firstRun.map((r) => `${r.input || 'live server'}: first run, ${r.mode === 'now' ? 'following from the end of existing files (--from-start reads them)' : 'reading existing files from their start'}`);
          err(`watching ${e.inputs.map((i) => i || 'the live server').join(', ')}: ${e.tail} logs, ${e.whole} event log files, ${e.sweep} swept files (${e.watching} folders with change events); state ${setup.stateFile}`);
          for (const l of first) err(l);
          const outs = [...setup.channels.map((c) => `${c.id} (${c.target})`), ...(setup.jsonl && !jsonlToStdout ? [`jsonl ${setup.jsonl}`] : [])];
          err(outs.length > 0 ? `alerts to ${outs.join(', ')}` : 'no alert channel: findings are only printed');
          break;
        }
        case 'source':
          if (e.what === 'truncated' || e.what === 'replaced' || e.what === 'rewritten') err(`${e.path}: ${e.what}, reading it from its start`);
          else if (e.what === 'moved') err(`${e.path}: continues ${e.from ?? 'a file that was renamed'}`);
          break;
        case 'reloaded':
          err(`content updated: ${e.rules} rules, ${e.indicators} indicators${e.errors > 0 ? `, ${e.errors} problems` : ''}`);
          break;
        case 'error':
          err(`error: ${e.message}`);
          break;
        case 'delivery': {
          const d = e.event;
          if (d.type === 'retry' && !failing.has(d.channel)) {
            failing.add(d.channel);
            err(`alerts: ${d.channel}: delivery failing (${d.error}); alerts stay queued and are retried`);
          } else if (d.type === 'delivered' && failing.delete(d.channel)) {
            err(`alerts: ${d.channel}: delivering again`);
          } else if (d.type === 'failed') {
            err(`alerts: ${d.channel}: ${d.count} alerts given up: ${d.error}`);
          }
          break;
        }
      }
    },
  });

  let stopping = false;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    err(`${signal}: stopping (delivering what is queued for up to 5 s)`);
    void watcher.stop(5000).then(finished, (e: unknown) => {
      err(`error while stopping: ${e instanceof Error ? e.message : String(e)}`);
      finished();
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    await watcher.start();
  } catch (e) {
    await watcher.stop(0);
    throw e;
  }
  // Runs until a signal stops it.
  await done;
  const s = watcher.stats;
  err(`stopped: ${s.findings} findings this run`);
  return EXIT_CLEAN;
}
