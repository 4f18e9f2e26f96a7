/**
 * YARA benchmark (not a test; `npm run bench` runs it): the whole signature-base over a generated
 * tree of synthetic files (default 20,000 files, 1 GB, in bench-data/yara-tree), by exhunt's
 * YaraScanner and by `yara -r` with the same rules precompiled by `yarac`, each in a child
 * process under `/usr/bin/time` for wall time, CPU time and peak RSS. Also log-line throughput
 * of the log rules over synthetic IIS lines. Prints a markdown table.
 *
 *   node dist/bench/yara-bench.js [--files N] [--bytes N] [--tree DIR] [--rules DIR] [--lines N]
 *                                 [--demo DIR] [--workers N] [--no-yara]
 *
 * The demo triage folder (bench-data/yara-demo) is generated with `exhunt demo`'s defaults when
 * missing. exhunt runs with 1 thread and with --workers (default: all cores) on the generated
 * tree; `yara -r` with 1 thread and its default thread count.
 *
 * The generated files are synthetic: ASP.NET/JS/HTML-like text and MZ-headed random binaries;
 * they contain no real malware or web shells.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXTERNALS } from '../src/detectors/yara/rule-class.js';
import { generateDemo } from '../src/demo/index.js';
import { YaraPool } from '../src/detectors/yara/pool.js';
import { YaraScanner } from '../src/detectors/yara/scan.js';
import { fmt, row, timed } from './lib/timed.js';

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
  child: 'scan' | 'lines' | null;
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
    child: argv.includes('--child-scan') ? 'scan' : argv.includes('--child-lines') ? 'lines' : null,
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

/** Child: log rules over synthetic IIS lines, then over every log line of the demo folder. */
function childLines(args: Args): void {
  const scanner = YaraScanner.open({ rules: [args.rules] });
  const rand = prng(7);
  const stems = ['/owa/auth/logon.aspx', '/ecp/default.aspx', '/mapi/emsmdb/', '/EWS/Exchange.asmx', '/Microsoft-Server-ActiveSync/default.eas', '/owa/service.svc'];
  const lines = Array.from({ length: args.lines }, (_, i) => {
    const stem = stems[i % stems.length] ?? '/';
    const method = rand() < 0.3 ? 'POST' : 'GET';
    return `2021-03-03 04:${String(i % 60).padStart(2, '0')}:06 10.0.0.5 ${method} ${stem} &CorrelationID=<empty>;&cafeReqId=${Math.floor(rand() * 1e9)}; 443 CONTOSO\\alice 192.168.1.${i % 250} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 ${Math.floor(rand() * 900)}`;
  });
  const run = (label: string, text: readonly string[]): void => {
    const bytes = text.reduce((n, l) => n + l.length + 1, 0);
    const before = scanner.stats.lineCandidates;
    const t = Date.now();
    let hits = 0;
    text.forEach((l, i) => (hits += scanner.scanLine(l, { path: 'x.log', line: i + 1, kind: 'iis' }).length));
    const ms = Date.now() - t;
    const candidates = scanner.stats.lineCandidates - before;
    process.stdout.write(`${JSON.stringify({ label, lines: text.length, bytes, ms, hits, candidates, logRules: scanner.report.sets.logs })}\n`);
  };
  run('synthetic IIS lines', lines);
  const demoLogs = listFiles(args.demo).filter((f) => /\.log$/i.test(f));
  run('demo triage logs', demoLogs.flatMap((f) => readFileSync(f, 'utf8').split(/\r?\n/)));
  scanner.close();
}


function yaraFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => /\.yara?$/i.test(f));
}

async function parent(args: Args): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('yara-bench needs /usr/bin/time (scripts/setup-system.sh installs it)');
  generateTree(args.tree, args.files, args.bytes);
  if (!existsSync(join(args.demo, 'DEMO-MANIFEST.json'))) {
    process.stderr.write(`yara-bench: generating the demo triage folder in ${args.demo}\n`);
    await generateDemo({ out: args.demo, force: true });
  }
  const targets = [
    { label: 'generated tree', dir: args.tree },
    { label: 'demo triage', dir: args.demo },
  ];
  const out: string[] = [];
  out.push(`YARA benchmark: ${yaraFiles(args.rules).length} rule files from ${args.rules}; ${availableParallelism()} cores`);
  out.push('');
  out.push(row(['input', 'engine', 'files', 'MB', 'compile s', 'scan s', 'files/s', 'MB/s', 'CPU s', 'peak RSS MB', 'matches']));
  out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));

  const yarac = spawnSync('which', ['yarac'], { encoding: 'utf8' }).stdout.trim();
  const yara = spawnSync('which', ['yara'], { encoding: 'utf8' }).stdout.trim();
  const defs = EXTERNALS.flatMap((n) => ['-d', `${n}=`]);
  let compiled: string | null = null;
  let yaracSeconds = NaN;
  if (args.yara && yarac && yara) {
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
  const lines = timed(process.execPath, [SELF, '--child-lines', '--rules', args.rules, '--lines', String(args.lines), '--demo', args.demo]);
  out.push('');
  out.push(row(['log lines', 'log rules', 'lines', 'MB', 'scan s', 'lines/s', 'MB/s', 'YARA-scanned lines', 'matches']));
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const text of lines.stdout.trim().split('\n').filter(Boolean)) {
    const l = JSON.parse(text) as { label?: string; lines?: number; bytes?: number; ms?: number; hits?: number; candidates?: number; logRules?: number };
    const ls = (l.ms ?? NaN) / 1000;
    out.push(row([l.label ?? '?', l.logRules ?? 0, l.lines ?? 0, fmt((l.bytes ?? 0) / 1e6), fmt(ls, 2), fmt((l.lines ?? 0) / ls, 0), fmt((l.bytes ?? 0) / 1e6 / ls), l.candidates ?? 0, l.hits ?? 0]));
  }
  out.push('');
  out.push(
    `compile s = until the rules are ready (compiled, or loaded from the rules cache; for workers, loaded in every worker). CPU s = user + system of the whole child process, compile included. "(cached)": the compiled sets came from the rules cache (EXHUNT_YARA_CACHE). ` +
      `exhunt scans each file once, with the text or the binary set; yara -r runs every rule on every file. ${process.platform} ${process.arch}, node ${process.version}, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

const args = parseArgs(process.argv.slice(2));
if (args.child === 'scan') await childScan(args);
else if (args.child === 'lines') childLines(args);
else await parent(args);
