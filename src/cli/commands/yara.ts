/**
 * @module `exhunt yara`: check YARA rule sets (`yara check`) and scan files or log lines with
 * them directly (`yara scan`), outside the scan pipeline. Options → detectors/yara → output.
 */
import type { Command } from 'commander';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import { UsageError } from '../../core/errors.js';
import type { Hit } from '../../core/finding.js';
import { severityRank } from '../../core/severity.js';
import type { YaraCompileReport } from '../../detectors/yara/index.js';
import { YaraScanner, compileYara, formatEngineInfo } from '../../detectors/yara/index.js';
import { escapeTerminal } from '../../sinks/index.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-codes.js';
import { parsePositiveInt, parseSize } from '../options.js';

const collect = (v: string, acc: string[]): string[] => [...acc, v];

interface CheckFlags {
  logs: string[];
  json?: boolean;
}

interface ScanFlags {
  rules: string[];
  logs: string[];
  lines?: boolean;
  json?: boolean;
  maxSize: string;
  timeout: string;
}

export function registerYara(program: Command, setExit: (code: number) => void): void {
  const yara = program.command('yara').summary('check YARA rule sets and scan files with them');

  yara
    .command('check')
    .description(
      'Compile YARA rules (.yar/.yara files, folders of them, CISA CHIRP .yaml files) the way a scan does, ' +
        'and report how many files and rules compile and, for each that does not, its file, line and reason.',
    )
    .argument('<path...>', 'rule files or folders, CHIRP indicator files')
    .option('--logs <path>', 'rules that run on log lines only (as scan --yara-logs); repeatable', collect, [])
    .option('--json', 'print the report as one JSON object')
    .action((paths: string[], flags: CheckFlags) => {
      const compiled = compileYara({ rules: paths, logRules: flags.logs, checkEach: true });
      compiled.close();
      const r = compiled.report;
      if (flags.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else printReport(r);
      setExit(r.failed > 0 ? EXIT_ERROR : EXIT_CLEAN);
    });

  yara
    .command('scan')
    .description(
      'Scan files (or, with --lines, each line of log files) with YARA rules and print the matches. ' +
        'Exit code 1 when a match of medium severity or more is found.',
    )
    .argument('<path...>', 'files or folders to scan')
    .option('--rules <path>', 'YARA rule file or folder, or CHIRP file; repeatable', collect, [])
    .option('--logs <path>', 'rules for log lines only; repeatable', collect, [])
    .option('--lines', 'scan each line of the files with the log rules instead of whole files')
    .option('--json', 'one JSON object per match (the Hit fields)')
    .option('--max-size <size>', 'skip files larger than this', '64MiB')
    .option('--timeout <seconds>', 'time limit per file', '30')
    .action((paths: string[], flags: ScanFlags) => {
      if (flags.rules.length === 0 && flags.logs.length === 0) throw new UsageError('yara scan needs --rules or --logs');
      setExit(scanCommand(paths, flags));
    });
}

function printReport(r: YaraCompileReport): void {
  const out = process.stdout;
  out.write(`engine:   ${escapeTerminal(formatEngineInfo(r.engine))}\n`);
  out.write(`files:    ${r.files} (${r.sources} rule sources incl. CHIRP entries)\n`);
  out.write(`compiled: ${r.compiled} sources, ${r.rules} rules (file rules: ${r.sets.text} for text, ${r.sets.binary} for binaries; log rules: ${r.sets.logs})\n`);
  out.write(`failed:   ${r.failed}\n`);
  for (const f of r.failures) {
    const at = f.line === null ? '' : `:${f.line}${f.column === null ? '' : `:${f.column}`}`;
    out.write(`  ${escapeTerminal(f.file)}${at}: ${escapeTerminal(f.reason)}${f.code === 'error' || f.code === 'source' ? '' : ` [${f.code}]`}\n`);
  }
  out.write(`time:     ${(r.millis / 1000).toFixed(1)} s\n`);
}

function scanCommand(paths: readonly string[], flags: ScanFlags): number {
  const diagnostics: Diagnostic[] = [];
  const scanner = YaraScanner.open({
    rules: flags.rules,
    logRules: flags.logs,
    maxFileBytes: parseSize('--max-size', flags.maxSize),
    limits: { timeoutMs: parsePositiveInt('--timeout', flags.timeout) * 1000 },
    onDiagnostic: (d) => diagnostics.push(d),
  });
  for (const f of scanner.report.failures) {
    process.stderr.write(`exhunt: ${escapeTerminal(`${f.file}${f.line === null ? '' : `:${f.line}`}: ${f.reason}`)}\n`);
  }
  const hits: Hit[] = [];
  try {
    for (const root of paths) {
      for (const file of listFiles(root)) {
        const shown = relative(process.cwd(), file).split(sep).join('/') || file;
        const found = flags.lines ? scanLines(scanner, file, shown) : scanWhole(scanner, file, shown);
        for (const h of found) print(h, flags.json === true);
        hits.push(...found);
      }
    }
  } finally {
    scanner.close();
  }
  for (const d of diagnostics) process.stderr.write(`exhunt: ${d.level}: ${escapeTerminal(`${d.path}${d.line ? `:${d.line}` : ''}: ${d.message}`)}\n`);
  if (hits.some((h) => severityRank(h.severity) >= severityRank('medium'))) return EXIT_FINDINGS;
  return diagnostics.some((d) => d.level === 'error') || scanner.report.failed > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

function scanWhole(scanner: YaraScanner, file: string, shown: string): Hit[] {
  const size = statSync(file).size;
  return scanner.scanFile({ path: shown, localPath: file, size, time: statSync(file).mtime.toISOString() });
}

function scanLines(scanner: YaraScanner, file: string, shown: string): Hit[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const hits: Hit[] = [];
  const batch = 10_000;
  for (let i = 0; i < lines.length; i += batch) {
    hits.push(...scanner.scanLines(lines.slice(i, i + batch), { path: shown, firstLine: i + 1, kind: 'iis' }));
  }
  return hits;
}

function listFiles(root: string): string[] {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new UsageError(`not found: ${root}`);
  }
  if (!st.isDirectory()) return [root];
  const out: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

function print(h: Hit, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(h)}\n`);
    return;
  }
  const where = `${h.source.path}${h.source.line === null ? '' : `:${h.source.line}`}`;
  process.stdout.write(`${escapeTerminal(where)}  ${h.severity.padEnd(8)}  ${escapeTerminal(h.ruleId)}  ${escapeTerminal(h.title)}\n`);
  const ev = h.evidence;
  const parts = [ev.author ? `author: ${ev.author}` : null, ev.strings ? `strings: ${ev.strings}` : null].filter(Boolean).join('  ');
  if (parts) process.stdout.write(`    ${escapeTerminal(parts)}\n`);
}
