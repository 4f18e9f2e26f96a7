/**
 * YARA benchmark (not a test; `npm run bench` runs it): the whole signature-base over a generated
 * tree of synthetic files (default 20,000 files, 1 GB, in bench-data/yara-tree), by exhunt's
 * YaraScanner and by `yara -r` with the same rules precompiled by `yarac`, each in a child
 * process under `/usr/bin/time` for wall time, CPU time and peak RSS. Then the log rules over log
 * lines, three ways: the pass a scan makes over each log file (`scanLogLines`: batches, the gate,
 * exact scans of the lines it leaves), the same line by line as before issue 8 (literal prefilter,
 * then one engine call per line), and `yara` over the same files whole (reference). Last, what
 * the log rules cost a whole scan: `exhunt scan` of the demo folder without YARA, with exactly
 * signature-base's log rules (`--yara-logs`), and with all of signature-base against the same
 * without its log rules (`--yara`), in alternating rounds. Prints markdown tables.
 *
 *   node dist/bench/yara-bench.js [--files N] [--bytes N] [--tree DIR] [--rules DIR] [--lines N]
 *                                 [--demo DIR] [--scan-demo DIR] [--scan-runs N] [--workers N]
 *                                 [--no-yara] [--only-lines]
 *
 * The demo triage folder (bench-data/yara-demo) is generated with `exhunt demo`'s defaults when
 * missing; `--scan-demo` (default: the same) is the folder the whole scans read (a larger one,
 * e.g. `exhunt demo DIR --size 200MB`, gives steadier figures). exhunt runs with 1 thread and with
 * --workers (default: all cores) on the generated tree; `yara -r` with 1 thread and its default
 * thread count. `--only-lines` skips the file sweep.
 *
 * The generated files are synthetic: ASP.NET/JS/HTML-like text and MZ-headed random binaries;
 * they contain no real malware or web shells.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { compileYara, subsetText } from '../src/detectors/yara/compile.js';
import { scanLogLines } from '../src/detectors/yara/log-lines.js';
import { EXTERNALS, binaryOnly, isLogRule } from '../src/detectors/yara/rule-class.js';
import { collectUnits } from '../src/detectors/yara/sources.js';
import { generateDemo } from '../src/demo/index.js';
import { YaraPool } from '../src/detectors/yara/pool.js';
import { YaraScanner } from '../src/detectors/yara/scan.js';
import { fmt, median, row, timed } from './lib/timed.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const SELF = fileURLToPath(import.meta.url);

interface Args {
  files: number;
  bytes: number;
  tree: string;
  rules: string;
  lines: number;
  demo: string;
  yara: boolean;
  workers: number;
  scanDemo: string;
  scanRuns: number;
  onlyLines: boolean;
  child: 'scan' | 'lines' | null;
  /** Child `lines`: batched (the scan's pass) or line by line (as before issue 8). */
  linesMode: 'batched' | 'per-line';
  logRules: string;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    files: Number(get('--files') ?? 20_000),
    bytes: Number(get('--bytes') ?? 1_000_000_000),
    tree: resolve(get('--tree') ?? join(REPO, 'bench-data', 'yara-tree')),
    rules: resolve(get('--rules') ?? join(REPO, '..', 'shared', 'data', 'signature-base', 'yara-all')),
    lines: Number(get('--lines') ?? 200_000),
    demo: resolve(get('--demo') ?? join(REPO, 'bench-data', 'yara-demo')),
    yara: !argv.includes('--no-yara'),
    workers: Number(get('--workers') ?? availableParallelism()),
    scanDemo: resolve(get('--scan-demo') ?? get('--demo') ?? join(REPO, 'bench-data', 'yara-demo')),
    scanRuns: Number(get('--scan-runs') ?? 3),
    onlyLines: argv.includes('--only-lines'),
    child: argv.includes('--child-scan') ? 'scan' : argv.includes('--child-lines') ? 'lines' : null,
    linesMode: get('--child-lines') === 'per-line' ? 'per-line' : 'batched',
    logRules: resolve(get('--log-rules') ?? join(REPO, 'bench-data', 'yara-rules-logs')),
  };
}

/** mulberry32: a small deterministic PRNG, so every run generates the same tree. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is for on with as by at from this that mailbox server exchange owa ecp auth logon user password ' +
  'var function return if else for while new null true false this document window element value length index count ' +
  'div span class id style href src type name content table row cell form input button label select option script ' +
  'Page Language C# Inherits CodeBehind AutoEventWireup Import Namespace System Web UI Control Register Assembly ' +
  'public private protected static void string int bool object override event args sender Load Init Render ' +
  'width height margin padding border color background font size display none block inline left right top bottom'
).split(' ');
const PUNCT = [' ', ' ', ' ', ' ', '.', ',', ';', '(', ')', '{', '}', '"', '=', '<', '>', '/', '\n', '\n', '\t', ': '];

function textCorpus(rand: () => number, size: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const w = WORDS[Math.floor(rand() * WORDS.length)] ?? 'x';
    const p = PUNCT[Math.floor(rand() * PUNCT.length)] ?? ' ';
    parts.push(w, p);
    n += w.length + p.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, size);
}

const TEXT_EXT = ['.aspx', '.js', '.css', '.htm', '.config', '.xml', '.txt', '.ps1', '.ashx', '.json'];
const BIN_EXT = ['.dll', '.exe', '.png', '.dat', '.zip'];
const ZONES = [
  'C/inetpub/wwwroot/aspnet_client/system_web',
  'C/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/owa/auth/Current/themes',
  'C/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/ecp/auth',
  'C/Program Files/Microsoft/Exchange Server/V15/ClientAccess/Owa/scripts',
  'C/Windows/Temp',
  'C/ProgramData/Microsoft/Crypto',
  'C/root',
];

/** Writes the synthetic tree unless one with the same parameters is there. */
function generateTree(dir: string, files: number, bytes: number): void {
  const marker = join(dir, '.exhunt-bench.json');
  const params = JSON.stringify({ files, bytes, version: 1 });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === params) return;
  rmSync(dir, { recursive: true, force: true });
  const rand = prng(20210302);
  const text = textCorpus(rand, 8 << 20);
  const noise = Buffer.alloc(8 << 20);
  for (let i = 0; i < noise.length; i++) noise[i] = rand() < 0.3 ? 0 : Math.floor(rand() * 256);
  // Sizes: log-uniform between 1 KiB and 300 KiB, scaled so that they add up to `bytes`.
  const raw = Array.from({ length: files }, () => 2 ** (10 + rand() * 8.2));
  const scale = bytes / raw.reduce((a, b) => a + b, 0);
  process.stderr.write(`yara-bench: generating ${files} files (${(bytes / 1e9).toFixed(2)} GB) in ${dir}\n`);
  raw.forEach((r, i) => {
    const size = Math.max(16, Math.min(Math.round(r * scale), text.length - 1));
    const binary = rand() < 0.3;
    const zone = ZONES[i % ZONES.length] ?? 'C/x';
    const sub = join(dir, zone, `d${Math.floor(i / 100)}`);
    const ext = binary ? BIN_EXT[i % BIN_EXT.length] : TEXT_EXT[i % TEXT_EXT.length];
    mkdirSync(sub, { recursive: true });
    const pool = binary ? noise : text;
    const at = Math.floor(rand() * (pool.length - size));
    const body = Buffer.from(pool.subarray(at, at + size));
    if (binary && ext !== '.png' && body.length > 2) body.write('MZ', 0, 'latin1');
    writeFileSync(join(sub, `f${i}${ext ?? ''}`), body);
  });
  writeFileSync(marker, params);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/**
 * Child: compile (or load from the cache) once, scan every file of the tree, print one JSON line.
 * One worker: YaraScanner on this thread; more: YaraPool with a few files in flight per worker.
 */
async function childScan(args: Args): Promise<void> {
  const t0 = Date.now();
  const files = listFiles(args.tree);
  let hits = 0;
  let bytes = 0;
  let compileMs: number;
  let t1: number;
  let report;
  if (args.workers <= 1) {
    const scanner = YaraScanner.open({ rules: [args.rules] });
    // Sets from the cache load on first use: count that as compile time, not scan time.
    scanner.scanFile({ path: 'warm-up', bytes: Buffer.from('warm-up'), size: 7 });
    scanner.scanFile({ path: 'warm-up', bytes: Buffer.from('MZ\0'), size: 3 });
    compileMs = Date.now() - t0;
    t1 = Date.now();
    for (const f of files) {
      const data = readFileSync(f);
      bytes += data.length;
      hits += scanner.scanFile({ path: relative(args.tree, f), bytes: data, size: data.length }).length;
    }
    report = scanner.report;
    scanner.close();
  } else {
    const pool = YaraPool.open({ rules: [args.rules], workers: args.workers });
    await pool.ready();
    compileMs = Date.now() - t0;
    t1 = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (const f of files) {
      const size = statSync(f).size;
      bytes += size;
      const p: Promise<void> = pool.scanFile({ path: relative(args.tree, f), localPath: f, size }).then((h) => {
        hits += h.length;
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= 4 * pool.workers) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    report = pool.report;
    await pool.close();
  }
  const scanMs = Date.now() - t1;
  process.stdout.write(`${JSON.stringify({ compileMs, scanMs, files: files.length, bytes, hits, rules: report.rules, engine: report.engine, cacheHits: report.cacheHits })}\n`);
}

/** Synthetic benign IIS lines (no log rule matches them; many hold literals of the rules). */
function syntheticIisLines(n: number): Buffer {
  const rand = prng(7);
  const stems = ['/owa/auth/logon.aspx', '/ecp/default.aspx', '/mapi/emsmdb/', '/EWS/Exchange.asmx', '/Microsoft-Server-ActiveSync/default.eas', '/owa/service.svc', '/autodiscover/autodiscover.json', '/powershell'];
  const lines = Array.from({ length: n }, (_, i) => {
    const stem = stems[i % stems.length] ?? '/';
    const method = rand() < 0.3 ? 'POST' : 'GET';
    return `2021-03-03 04:${String(i % 60).padStart(2, '0')}:06 10.0.0.5 ${method} ${stem} &CorrelationID=<empty>;&cafeReqId=${Math.floor(rand() * 1e9)}; 443 CONTOSO\\alice 192.168.1.${i % 250} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 ${Math.floor(rand() * 900)}\r\n`;
  });
  return Buffer.from(lines.join(''));
}

function demoLogs(dir: string): string[] {
  return listFiles(dir).filter((f) => /\.log$/i.test(f));
}

/**
 * Writes signature-base's log rules (each file's, with what they need: the log set a scan with
 * `--yara` compiles) to `logsDir`, one file per namespace, and the same files without their log
 * rules to `filesDir`. Returns the number of log rules.
 */
function splitRules(rules: string, logsDir: string, filesDir: string): number {
  rmSync(logsDir, { recursive: true, force: true });
  rmSync(filesDir, { recursive: true, force: true });
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(filesDir, { recursive: true });
  let logRules = 0;
  for (const u of collectUnits([rules], 'auto').units) {
    const sub = subsetText(u, 'logs');
    if (sub) {
      writeFileSync(join(logsDir, `${u.namespace}.yar`), sub.text);
      logRules += sub.picked?.length ?? 0;
    }
    const drop = u.parsed.complete ? u.parsed.rules.filter((r) => isLogRule(r) && !binaryOnly(r) && !r.isPrivate) : [];
    let text = u.text;
    for (const r of [...drop].sort((a, b) => b.start - a.start)) text = text.slice(0, r.start) + text.slice(r.end);
    writeFileSync(join(filesDir, `${u.namespace}.yar`), text);
  }
  return logRules;
}

/**
 * Child: the log rules (`--log-rules`) over synthetic IIS lines and over every log of the demo
 * folder, as a scan's second pass does it (each file read and handed to `scanLogLines`), batched
 * or line by line. One JSON line per input: CPU and wall time of the pass alone (start-up and
 * loading the rules excluded), lines, lines scanned exactly, matches.
 */
async function childLines(args: Args): Promise<void> {
  const compiled = compileYara({ logRules: [args.logRules] });
  const scanner = new YaraScanner(args.linesMode === 'batched' ? compiled : { ...compiled, logGate: null });
  // Sets from the rules cache load on first use: not part of the pass.
  scanner.scanLines(['warm-up /ecp/y.js autodiscover/autodiscover.json'], { path: 'warm-up', firstLine: 1, kind: 'iis' });
  const synthetic = syntheticIisLines(args.lines);
  const inputs: { label: string; files: (() => Buffer)[] }[] = [
    { label: 'synthetic IIS lines', files: [() => synthetic] },
    { label: 'demo triage logs', files: demoLogs(args.demo).map((f) => () => readFileSync(f)) },
  ];
  for (const input of inputs) {
    const before = { ...scanner.stats };
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    let bytes = 0;
    let hits = 0;
    for (const [i, read] of input.files.entries()) {
      const data = read();
      bytes += data.length;
      hits += (await scanLogLines(scanner, () => Promise.resolve(Readable.from([data])), { path: `${i}.log`, kind: 'iis' })).length;
    }
    const cpu = process.cpuUsage(cpu0);
    const line = {
      label: input.label,
      bytes,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: Date.now() - t0,
      lines: scanner.stats.lines - before.lines,
      exact: scanner.stats.lineCandidates - before.lineCandidates,
      hits,
      logRules: compiled.report.sets.logs,
      gate: compiled.report.lineGate,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  scanner.close();
}

interface LinesResult {
  label?: string;
  bytes?: number;
  cpuMs?: number;
  wallMs?: number;
  lines?: number;
  exact?: number;
  hits?: number;
  logRules?: number;
  gate?: boolean;
}

/** The log-line tables: exhunt batched and line by line, `yara` over the same files whole. */
function linesSection(args: Args, yara: string, yarac: string, yaraVersion: string): string[] {
  const logRules = splitRules(args.rules, args.logRules, join(REPO, 'bench-data', 'yara-rules-files'));
  const out: string[] = [];
  out.push(`Log lines: signature-base's ${logRules} log rules (bench-data/yara-rules-logs), as a scan's second pass reads each log file. MB/s and lines/s are per CPU second of the pass; peak RSS is the whole child's.`);
  out.push('');
  out.push(row(['input', 'how', 'lines', 'MB', 'CPU s', 'MB/s', 'lines/s', 'peak RSS MB', 'lines scanned exactly', 'matches']));
  out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  const byInput = new Map<string, { lines: number; bytes: number }>();
  for (const mode of ['batched', 'per-line'] as const) {
    const r = timed(process.execPath, [SELF, '--child-lines', mode, '--log-rules', args.logRules, '--lines', String(args.lines), '--demo', args.demo]);
    const how = mode === 'batched' ? 'exhunt: gate over batches, exact scans of the lines it leaves' : 'exhunt: line by line (literal prefilter, one engine call per candidate; before issue 8)';
    for (const text of r.stdout.trim().split('\n').filter(Boolean)) {
      const l = JSON.parse(text) as LinesResult;
      const cpu = (l.cpuMs ?? NaN) / 1000;
      byInput.set(l.label ?? '?', { lines: l.lines ?? 0, bytes: l.bytes ?? 0 });
      out.push(row([l.label ?? '?', how, l.lines ?? 0, fmt((l.bytes ?? 0) / 1e6), fmt(cpu, 2), fmt((l.bytes ?? 0) / 1e6 / cpu, 0), fmt((l.lines ?? 0) / cpu, 0), fmt(r.rssMb, 0), l.exact ?? 0, l.hits ?? 0]));
    }
  }
  if (args.yara && yara && yarac) {
    const compiled = join(REPO, 'bench-data', 'signature-base-logs.yarc');
    const defs = EXTERNALS.flatMap((n) => ['-d', `${n}=`]);
    const c = timed(yarac, ['-w', ...defs, ...yaraFiles(args.logRules).map((f, i) => `ns${i}:${f}`), compiled]);
    const list = join(REPO, 'bench-data', 'yara-lines-list.txt');
    const synthetic = join(REPO, 'bench-data', 'yara-synthetic-iis.log');
    writeFileSync(synthetic, syntheticIisLines(args.lines));
    const targets = [
      { label: 'synthetic IIS lines', files: [synthetic] },
      { label: 'demo triage logs', files: demoLogs(args.demo) },
    ];
    for (const t of c.ok ? targets : []) {
      writeFileSync(list, `${t.files.join('\n')}\n`);
      const y = timed(yara, ['-w', '-p', '1', '--scan-list', '-C', ...defs, compiled, list]);
      const seen = byInput.get(t.label) ?? { lines: 0, bytes: 0 };
      const matches = y.stdout.split('\n').filter(Boolean).length;
      out.push(row([t.label, `yara ${yaraVersion} -p 1, whole files (reference; matches are files, not lines)`, seen.lines, fmt(seen.bytes / 1e6), fmt(y.cpu, 2), fmt(seen.bytes / 1e6 / y.cpu, 0), fmt(seen.lines / y.cpu, 0), fmt(y.rssMb, 0), '', matches]));
    }
  }
  return out;
}

/**
 * What the log rules cost a whole scan, in alternating rounds (the load of a shared machine falls
 * on every configuration alike): plain, plus exactly the log rules, file rules only, all rules.
 * Serial scans (`--threads 1`, where the scan has it): scans with YARA run on one thread.
 */
function scanSection(args: Args): string[] {
  const exhunt = join(REPO, 'bin', 'exhunt.js');
  const help = spawnSync(process.execPath, [exhunt, 'scan', '--help'], { encoding: 'utf8' }).stdout;
  const serial = help.includes('--threads') ? ['--threads', '1'] : [];
  const filesOnly = join(REPO, 'bench-data', 'yara-rules-files');
  const configs = [
    { label: 'exhunt scan', extra: [] as string[] },
    { label: `+ --yara-logs: signature-base's log rules`, extra: ['--yara-logs', args.logRules] },
    { label: '--yara: signature-base without its log rules', extra: ['--yara', filesOnly] },
    { label: '--yara: all of signature-base', extra: ['--yara', args.rules] },
  ];
  const mb = listFiles(args.scanDemo).reduce((n, f) => n + statSync(f).size, 0) / 1e6;
  const run = (extra: readonly string[]) =>
    timed(process.execPath, [exhunt, 'scan', args.scanDemo, '--jsonl', '/dev/null', '--quiet', '--no-progress', '--no-color', ...serial, ...extra], { okStatus: [0, 1] });
  // A first run of each fills the compiled-rules cache; it is not counted.
  for (const c of configs) run(c.extra);
  const results = configs.map(() => ({ cpu: [] as number[], wall: [] as number[], rss: 0 }));
  for (let i = 0; i < args.scanRuns; i++) {
    configs.forEach((c, k) => {
      const r = run(c.extra);
      const acc = results[k];
      if (!acc) return;
      acc.cpu.push(r.cpu);
      acc.wall.push(r.wall);
      acc.rss = Math.max(acc.rss, r.rssMb);
    });
  }
  const cpu = results.map((r) => median(r.cpu));
  const out: string[] = [];
  out.push(`Whole scans of ${args.scanDemo} (${fmt(mb)} MB)${serial.length > 0 ? ', --threads 1' : ''}, medians of ${args.scanRuns} alternating rounds. Cost = 1 - throughput with the log rules / throughput without them (CPU).`);
  out.push('');
  out.push(row(['scan', 'CPU s', 'MB/s (CPU)', 'wall s', 'peak RSS MB', 'cost of the log rules']));
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:']));
  configs.forEach((c, k) => {
    const r = results[k];
    const base = k === 1 ? cpu[0] : k === 3 ? cpu[2] : undefined;
    const mine = cpu[k] ?? NaN;
    const cost = base === undefined ? '' : `${fmt(100 * (1 - base / mine), 0)}% (vs the row above)`;
    out.push(row([c.label, fmt(mine, 2), fmt(mb / mine, 0), fmt(median(r?.wall ?? [NaN]), 2), fmt(r?.rss ?? NaN, 0), cost]));
  });
  return out;
}

function yaraFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => /\.yara?$/i.test(f));
}

async function parent(args: Args): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('yara-bench needs /usr/bin/time (scripts/setup-system.sh installs it)');
  if (!args.onlyLines) generateTree(args.tree, args.files, args.bytes);
  if (!existsSync(join(args.demo, 'DEMO-MANIFEST.json'))) {
    process.stderr.write(`yara-bench: generating the demo triage folder in ${args.demo}\n`);
    await generateDemo({ out: args.demo, force: true });
  }
  if (args.scanRuns > 0 && !existsSync(join(args.scanDemo, 'DEMO-MANIFEST.json'))) {
    throw new Error(`--scan-demo ${args.scanDemo}: not a demo folder (make one with: exhunt demo ${args.scanDemo} --size 200MB)`);
  }
  const targets = args.onlyLines
    ? []
    : [
        { label: 'generated tree', dir: args.tree },
        { label: 'demo triage', dir: args.demo },
      ];
  const out: string[] = [];
  out.push(`YARA benchmark: ${yaraFiles(args.rules).length} rule files from ${args.rules}; ${availableParallelism()} cores`);
  out.push('');
  if (!args.onlyLines) {
    out.push(row(['input', 'engine', 'files', 'MB', 'compile s', 'scan s', 'files/s', 'MB/s', 'CPU s', 'peak RSS MB', 'matches']));
    out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  }

  const yarac = spawnSync('which', ['yarac'], { encoding: 'utf8' }).stdout.trim();
  const yara = spawnSync('which', ['yara'], { encoding: 'utf8' }).stdout.trim();
  const defs = EXTERNALS.flatMap((n) => ['-d', `${n}=`]);
  let compiled: string | null = null;
  let yaracSeconds = NaN;
  if (args.yara && yarac && yara && !args.onlyLines) {
    compiled = join(REPO, 'bench-data', 'signature-base.yarc');
    mkdirSync(join(REPO, 'bench-data'), { recursive: true });
    const nsFiles = yaraFiles(args.rules).map((f, i) => `ns${i}:${f}`);
    const c = timed(yarac, ['-w', ...defs, ...nsFiles, compiled]);
    yaracSeconds = c.wall;
    if (!c.ok) {
      process.stderr.write(`yara-bench: yarac failed: ${c.stderr.slice(0, 500)}\n`);
      compiled = null;
    }
  }
  const yaraVersion = yara ? spawnSync(yara, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';

  for (const t of targets) {
    const files = listFiles(t.dir);
    const mb = files.reduce((n, f) => n + statSync(f).size, 0) / 1e6;
    const workerCounts = t.label === 'generated tree' ? [1, args.workers] : [args.workers];
    for (const w of [...new Set(workerCounts)]) {
      const ex = timed(process.execPath, [SELF, '--child-scan', '--tree', t.dir, '--rules', args.rules, '--workers', String(w)]);
      const r = JSON.parse(ex.stdout.trim().split('\n').pop() ?? '{}') as { compileMs?: number; scanMs?: number; files?: number; hits?: number; cacheHits?: number; engine?: { kind: string; version: string } };
      const scanS = (r.scanMs ?? NaN) / 1000;
      const how = w <= 1 ? '1 thread' : `${w} workers`;
      const cached = (r.cacheHits ?? 0) > 0 ? ' (cached)' : '';
      out.push(row([t.label, `exhunt ${r.engine?.kind ?? '?'} ${r.engine?.version ?? ''}, ${how}`, r.files ?? 0, fmt(mb), `${fmt((r.compileMs ?? NaN) / 1000)}${cached}`, fmt(scanS), fmt((r.files ?? 0) / scanS, 0), fmt(mb / scanS), fmt(ex.cpu), fmt(ex.rssMb, 0), r.hits ?? 0]));
    }
    if (!compiled) continue;
    for (const threads of t.label === 'generated tree' ? ['1', ''] : ['']) {
      const y = timed(yara, ['-r', '-w', ...(threads ? ['-p', threads] : []), '-C', ...defs, compiled, t.dir]);
      const matches = y.stdout.split('\n').filter(Boolean).length;
      const how = threads ? `-p ${threads}` : 'default threads';
      out.push(row([t.label, `yara -r ${yaraVersion}, ${how}`, files.length, fmt(mb), fmt(yaracSeconds), fmt(y.wall), fmt(files.length / y.wall, 0), fmt(mb / y.wall), fmt(y.cpu), fmt(y.rssMb, 0), matches]));
    }
  }
  if (!args.onlyLines) out.push('');
  out.push(...linesSection(args, yara, yarac, yaraVersion));
  if (args.scanRuns > 0) {
    out.push('');
    out.push(...scanSection(args));
  }
  out.push('');
  if (args.onlyLines) out.push(`${process.platform} ${process.arch}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}.`);
  else out.push(
    `compile s = until the rules are ready (compiled, or loaded from the rules cache; for workers, loaded in every worker). CPU s = user + system of the whole child process, compile included. "(cached)": the compiled sets came from the rules cache (EXHUNT_YARA_CACHE). ` +
      `exhunt scans each file once, with the text or the binary set; yara -r runs every rule on every file. ${process.platform} ${process.arch}, node ${process.version}, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

const args = parseArgs(process.argv.slice(2));
if (args.child === 'scan') await childScan(args);
else if (args.child === 'lines') await childLines(args);
else await parent(args);
