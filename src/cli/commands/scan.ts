/**
 * @module `exhunt scan`: options → ScanOptions → runScan → exit code. No pipeline logic here.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Sink } from '../../core/sink.js';
import { severityRank } from '../../core/severity.js';
import { ContentError, UsageError } from '../../core/errors.js';
import type { FileScanner, LineScanner } from '../../core/detector.js';
import { DEFAULT_SINCE, loadScanDetectors, runScan } from '../../engine/index.js';
import type { ScanContentOptions } from '../../engine/index.js';
import { defaultThreads } from '../../engine/parallel/policy.js';
import { collectSink, escapeTerminal, jsonlSink, proxyLogonCsvSink, summaryJsonSink, terminalSink } from '../../sinks/index.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-codes.js';
import { parseDate, parseExpand, parsePositiveInt, parseSize, repeatable } from '../options.js';
import { createProgress } from '../progress.js';
import { useColor } from '../tty.js';

interface ScanFlags {
  jsonl?: string;
  summaryJson?: string;
  csv?: string;
  collect?: string;
  host?: string;
  since: string;
  rules: string[];
  yara: string[];
  yaraLogs: string[];
  deep?: boolean;
  profileRules?: boolean;
  sigma: string[];
  sigmaPipeline: string[];
  sigmaExpand: string[];
  intel: boolean;
  store?: string;
  alert: string[];
  alertConfig?: string;
  builtin: boolean;
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  progress: boolean;
  force?: boolean;
  maxZipBytes?: string;
  maxZipRatio?: string;
  threads?: string;
}

/** Most threads `--threads` accepts: beyond this, workers only add memory. */
const MAX_THREADS = 64;

export function registerScan(program: Command, setExit: (code: number) => void): void {
  program
    .command('scan')
    .summary('hunt for compromise in triage folders, zips, install folders or log files')
    .description(
      'Scan each PATH (a triage folder mirroring a Windows drive, a .zip of one, an Exchange install folder, or single log files) ' +
        'for ProxyLogon, ProxyShell, ProxyNotShell and OWASSRF exploitation, web shells and credential dumps. ' +
        'Without PATH, scans the live Exchange server (Windows only).',
    )
    .argument('[path...]', 'inputs to scan')
    .option('--jsonl <file>', 'write findings as JSON Lines ("-" for standard output)')
    .option('--summary-json <file>', 'write the verdicts, log coverage, counts and input errors as JSON')
    .option('--csv <dir>', "write Test-ProxyLogon's CSV and log files (<host>-Cve-2021-26855.csv ...)")
    .option('--collect <dir>', 'copy every file with a finding, with a SHA-256 manifest')
    .option('--force', 'replace reports of an earlier run in the --csv and --collect folders')
    .option('--host <name>', 'host name to report (default: from the logs, else the input name)')
    .option('--since <date>', 'start of the attack window that log coverage is judged against', DEFAULT_SINCE.slice(0, 10))
    .option('--rules <dir>', 'extra content pack (rules/ and indicators/); repeatable', repeatable, [])
    .option('--no-builtin', "do not load exhunt's built-in rules")
    .option('--sigma <path>', 'Sigma rule file or folder (SigmaHQ works unchanged), run on every record; repeatable', repeatable, [])
    .option('--sigma-pipeline <file>', 'extra Sigma pipeline (log sources and field mappings); repeatable', repeatable, [])
    .option('--sigma-expand <name=value>', 'value of a Sigma %placeholder% for |expand; repeatable', repeatable, [])
    .option('--no-intel', 'do not match the indicators (exhunt\'s bundled packs and those imported with `exhunt intel import`)')
    .option('--store <path>', 'exhunt store with imported indicators and alert outboxes (default: EXHUNT_HOME or the user data folder)')
    .option('--yara <path>', 'YARA rule file or folder run on every swept file (signature-base works unchanged); repeatable', repeatable, [])
    .option('--deep', 'with --yara: sweep every file of the inputs, not only the web and staging folders')
    .option('--yara-logs <path>', 'YARA rules run on every log line (besides the LOG-tagged rules of --yara); repeatable', repeatable, [])
    .option('--alert <uri>', 'send findings to an alert channel (syslog+udp://host:port?format=cef, https://hook, hec://..., smtp://...); repeatable', repeatable, [])
    .option('--alert-config <file>', 'alert channels from a YAML file (see docs/alerts.md)')
    .option('--profile-rules', 'print the time each rule spent matching (slowest first) on standard error')
    .option('--no-color', 'no colours in the terminal report (also when NO_COLOR is set or output is piped)')
    .option('-q, --quiet', 'no terminal report; only the exit code and the files asked for')
    .option('-v, --verbose', 'list every finding in the terminal report (default: first 20 per rule and host)')
    .option('--no-progress', 'no progress bar (it is only shown on a terminal anyway)')
    .option('--threads <n>', `threads that read files, the main one included (default: the cores, at most 4: ${defaultThreads()} here); 1 = one thread`)
    .addOption(new Option('--max-zip-bytes <size>', 'refuse zips that declare more uncompressed bytes than this').default('20GiB'))
    .addOption(new Option('--max-zip-ratio <n>', 'refuse zip entries compressed more than n:1 (zip bombs)').default('1000'))
    .action(async (paths: string[], flags: ScanFlags) => {
      setExit(await scanCommand(paths, flags));
    });
}

async function scanCommand(paths: string[], flags: ScanFlags): Promise<number> {
  const since = parseDate('--since', flags.since);
  const zip = {
    maxTotalBytes: parseSize('--max-zip-bytes', flags.maxZipBytes ?? '20GiB'),
    maxRatio: Number(flags.maxZipRatio ?? '1000'),
  };
  if (!Number.isFinite(zip.maxRatio) || zip.maxRatio <= 1) throw new UsageError('--max-zip-ratio: must be a number above 1');
  if (!flags.builtin && flags.rules.length === 0) throw new UsageError('--no-builtin needs at least one --rules DIR');
  if (flags.deep && flags.yara.length === 0) throw new UsageError('--deep sweeps files for YARA: give --yara rules too');
  const threads = flags.threads === undefined ? defaultThreads() : parsePositiveInt('--threads', flags.threads);
  if (threads > MAX_THREADS) throw new UsageError(`--threads: at most ${MAX_THREADS}`);

  // Alert channels are checked before anything is read: a bad URI or config is exit code 2 at once.
  const alertSink =
    flags.alert.length > 0 || flags.alertConfig
      ? (await import('../../alerts/index.js')).createAlertSink({
          uris: flags.alert,
          configFile: flags.alertConfig ?? null,
          storePath: flags.store ?? null,
          report: (line) => {
            if (!flags.quiet) process.stderr.write(`exhunt: ${line}\n`);
          },
        })
      : null;
  // Plain data on purpose: each worker thread of a parallel scan loads the detectors from it again.
  const content: ScanContentOptions = {
    rules: flags.rules,
    builtin: flags.builtin,
    sigma: flags.sigma,
    sigmaPipelines: flags.sigmaPipeline,
    sigmaExpand: parseExpand('--sigma-expand', flags.sigmaExpand),
    intel: flags.intel,
    store: flags.store ?? null,
  };
  const loaded = await loadScanDetectors(content);
  const yara = flags.yara.length > 0 || flags.yaraLogs.length > 0 ? await openYara(flags.yara, flags.yaraLogs) : null;
  const detectors = yara ? { ...loaded, errors: [...loaded.errors, ...yara.errors] } : loaded;
  const jsonlToStdout = flags.jsonl === '-';
  const report = !flags.quiet && !jsonlToStdout;
  const progress = createProgress({ stream: process.stderr, enabled: flags.progress && !flags.quiet && process.stderr.isTTY === true });

  const ruleProfile = flags.profileRules ? new Map<string, number>() : null;
  const result = await runScan({
    inputs: paths,
    ...(flags.host ? { host: flags.host } : {}),
    since,
    detectors,
    ...(yara?.scanner ? { fileScanners: [yara.scanner] } : {}),
    ...(yara?.lineScanner ? { lineScanners: [yara.lineScanner] } : {}),
    deep: flags.deep === true,
    ...(ruleProfile ? { ruleProfile } : {}),
    zip,
    progress,
    parallel: { threads, content, ...parallelThresholds() },
    sinks: ({ openEvidence }) => {
      const sinks: Sink[] = [];
      if (report) sinks.push(terminalSink({ stream: process.stdout, color: useColor(flags.color, process.stdout), verbose: flags.verbose === true }));
      if (flags.jsonl) sinks.push(jsonlToStdout ? jsonlSink({ stream: process.stdout }) : jsonlSink({ path: flags.jsonl }));
      if (flags.summaryJson) sinks.push(summaryJsonSink({ path: flags.summaryJson }));
      const overwrite = flags.force === true;
      if (flags.csv) sinks.push(proxyLogonCsvSink({ dir: flags.csv, overwrite }));
      if (flags.collect) sinks.push(collectSink({ dir: flags.collect, openEvidence, overwrite }));
      if (alertSink) sinks.push(alertSink);
      return sinks;
    },
  });

  yara?.close();
  if (ruleProfile) writeRuleProfile(ruleProfile, detectors.detectors);
  // Threads asked for by name but not used: say why (the default falls back silently).
  if (flags.threads !== undefined && threads > 1 && result.threads.serialReason !== null && !flags.quiet) {
    process.stderr.write(`exhunt: --threads ${threads}: scanned on one thread: ${escapeTerminal(result.threads.serialReason)}\n`);
  }
  const { summary } = result;
  if (jsonlToStdout && !flags.quiet) process.stderr.write(`exhunt: verdict ${summary.verdict.toUpperCase()} (${summary.findings} findings)\n`);
  const serious = result.findings.some((f) => severityRank(f.severity) >= severityRank('medium'));
  if (serious) return EXIT_FINDINGS;
  return summary.diagnostics.some((d) => d.level === 'error') ? EXIT_ERROR : EXIT_CLEAN;
}

/**
 * The smallest inputs scanned on several threads, from `EXHUNT_PARALLEL_MIN_FILES` and
 * `EXHUNT_PARALLEL_MIN_BYTES` when set: tests lower them to run small demo folders in parallel.
 */
function parallelThresholds(): { minFiles?: number; minBytes?: number } {
  const read = (name: string): number | undefined => {
    const v = process.env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name}: "${v}" is not a whole number`);
    return n;
  };
  const minFiles = read('EXHUNT_PARALLEL_MIN_FILES');
  const minBytes = read('EXHUNT_PARALLEL_MIN_BYTES');
  return { ...(minFiles !== undefined ? { minFiles } : {}), ...(minBytes !== undefined ? { minBytes } : {}) };
}

/**
 * Compiles the --yara and --yara-logs rules once for the run (loaded on demand: the YARA engine is
 * only paid for when asked). Rule files that do not compile become content diagnostics; the
 * others still run. File rules go to every swept file, log rules (LOG-tagged ones, CHIRP log
 * entries, --yara-logs) to every log line.
 */
async function openYara(
  paths: readonly string[],
  logPaths: readonly string[],
): Promise<{ scanner: FileScanner | null; lineScanner: LineScanner | null; errors: ContentError[]; close(): void }> {
  const { YaraScanner, DEFAULT_MAX_FILE_BYTES } = await import('../../detectors/yara/index.js');
  const scanner = YaraScanner.open({ rules: paths, logRules: logPaths });
  const errors = scanner.report.failures.map(
    (f) => new ContentError(`YARA: ${f.reason}`, { path: f.file, ...(f.line ? { line: f.line } : {}) }),
  );
  return {
    scanner: paths.length > 0 ? { name: 'yara', maxFileBytes: DEFAULT_MAX_FILE_BYTES, scanFile: (file) => scanner.scanFile(file) } : null,
    lineScanner: scanner.scansLines ? scanner : null,
    errors,
    close: () => scanner.close(),
  };
}

/** `--profile-rules`: the 25 slowest detectors with their share of the total matching time. */
function writeRuleProfile(profile: ReadonlyMap<string, number>, detectors: readonly { readonly id: string }[]): void {
  const total = [...profile.values()].reduce((a, b) => a + b, 0);
  const rows = [...profile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  const lines = [`rule matching: ${total.toFixed(0)} ms over ${profile.size} of ${detectors.length} detectors (slowest first)`];
  for (const [id, ms] of rows) lines.push(`${ms.toFixed(1).padStart(10)} ms ${((100 * ms) / (total || 1)).toFixed(1).padStart(5)}%  ${escapeTerminal(id)}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}
