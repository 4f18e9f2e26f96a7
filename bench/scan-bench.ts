/**
 * Scan benchmark (not a test; `npm run bench` runs it after the build):
 *
 *   node dist/bench/scan-bench.js [--size 1GB] [--keep] [--runs 3] [--seed 2021]
 *
 * 1. Generates a `compromised` demo triage folder of the given size (default 1 GB) under
 *    `bench-data/<size>/`, or reuses the one there when its DEMO-MANIFEST.json matches. The folder
 *    is removed afterwards unless `--keep` (so `--keep` is what makes the next run start at once).
 * 2. Warms the page cache with one untimed pass, then times, `--runs` rounds (default 3), each
 *    round running every tool once in turn (so that a change in the machine's load falls on all
 *    of them alike):
 *    - exhunt: `node bin/exhunt.js scan <dir> --jsonl /dev/null --no-color --quiet --no-progress`
 *      (exit 1, "findings", is the expected outcome), with its default threads (the cores, at
 *      most 4, for folders of 384 MiB or more: the table names how many), and the same with
 *      `--threads 1` (serial) beside it when that differs;
 *    - exhunt without YARA, when `exhunt scan --help` offers `--no-yara`;
 *    - ripgrep: `rg -F -i -c -f <literals> <dir>`, the literals being exhunt's own prefilter
 *      (`exhunt rules literals`), or a fixed list of ProxyLogon-era literals when that command is
 *      missing or prints nothing (the table says which).
 *    Each run goes through `/usr/bin/time -f '%e %M %U %S'` (scripts/setup-system.sh installs it)
 *    for wall time, peak RSS and CPU time (user + system); without it, wall time is taken here and
 *    RSS and CPU time are unknown.
 * 3. Prints a markdown table (median wall time, MB/s over the folder's bytes, median CPU seconds,
 *    peak RSS, wall and CPU time relative to ripgrep) and writes bench/results.json. Timings are
 *    reported, never asserted. On a shared machine compare the CPU ratio as well as the wall
 *    ratio: ripgrep and exhunt both search with several cores, so the wall ratio also moves with
 *    how many cores the other load leaves free (the load average is recorded).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemo, formatSize, isDemoManifest, parseSize, MANIFEST_NAME } from '../src/demo/index.js';
import { defaultThreads, MIN_PARALLEL_BYTES, MIN_PARALLEL_FILES } from '../src/engine/parallel/policy.js';
import type { DemoManifest } from '../src/demo/index.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const EXHUNT = join(REPO, 'bin', 'exhunt.js');
const TIME = '/usr/bin/time';

/** Used when `exhunt rules literals` is not available: what the ProxyLogon-era rules key on. */
const FALLBACK_LITERALS = [
  'serverinfo~',
  'server~',
  'resetoabvirtualdirectory',
  'set-oabvirtualdirectory',
  'virtualdirectory',
  'download failed and temporary file',
  '/ecp/default.flt',
  '/ecp/main.css',
  '.js',
  'autodiscover.json',
  '/powershell',
  '/aspnet_client/',
  '/owa/auth/',
  'exchangeservicesclient/0.0.0.0',
  'python-requests',
  'antsword',
  'baiduspider',
  '<script',
];

interface Args {
  sizeText: string;
  size: number;
  keep: boolean;
  runs: number;
  seed: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { sizeText: '1GB', size: 1e9, keep: false, runs: 3, seed: '2021' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) fail(`${k} needs a value`);
      return x;
    };
    if (k === '--size') {
      a.sizeText = v();
      const n = parseSize(a.sizeText);
      if (n === null || n <= 0) fail(`--size: not a size: ${a.sizeText}`);
      a.size = n;
    } else if (k === '--keep') a.keep = true;
    else if (k === '--runs') {
      a.runs = Number(v());
      if (!Number.isInteger(a.runs) || a.runs < 1) fail('--runs must be a positive integer');
    } else if (k === '--seed') a.seed = v();
    else if (k === '--help' || k === '-h') {
      process.stdout.write('usage: node dist/bench/scan-bench.js [--size 1GB] [--keep] [--runs 3] [--seed 2021]\n');
      process.exit(0);
    } else fail(`unknown argument ${k}`);
  }
  return a;
}

function fail(msg: string): never {
  process.stderr.write(`scan-bench: ${msg}\n`);
  process.exit(2);
}

interface Run {
  readonly wallSeconds: number;
  /** CPU time (user + system) in seconds, null when /usr/bin/time is missing. */
  readonly cpuSeconds: number | null;
  /** Peak resident set in KiB, null when /usr/bin/time is missing. */
  readonly maxRssKiB: number | null;
  readonly exitCode: number;
}

interface ToolResult {
  readonly tool: string;
  readonly command: string;
  readonly note: string | null;
  readonly runs: readonly Run[];
  readonly medianWallSeconds: number | null;
  readonly medianCpuSeconds: number | null;
  readonly mbPerSecond: number | null;
  readonly peakRssMb: number | null;
  readonly timeVsRipgrep: number | null;
  readonly cpuVsRipgrep: number | null;
  readonly error: string | null;
}

/** Runs `cmd args` (stdout discarded) and measures it. */
async function timed(cmd: string, args: readonly string[]): Promise<Run & { stderr: string }> {
  const useTime = existsSync(TIME);
  const timeFile = join(tmpdir(), `exhunt-bench-${process.pid}-${Date.now()}.time`);
  const argv = useTime ? ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args] : [...args];
  const t0 = performance.now();
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((res) => {
    const child = spawn(useTime ? TIME : cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 8192) err += d.toString('utf8');
    });
    child.on('close', (c) => res({ code: c ?? -1, stderr: err }));
    child.on('error', (e) => res({ code: -1, stderr: String(e) }));
  });
  const wall = (performance.now() - t0) / 1000;
  if (!useTime) return { wallSeconds: wall, cpuSeconds: null, maxRssKiB: null, exitCode: code, stderr };
  const out = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  rmSync(timeFile, { force: true });
  // GNU time puts "Command exited with non-zero status N" before the format line.
  const last = out.trim().split('\n').pop() ?? '';
  const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last.trim());
  return {
    wallSeconds: m ? Number(m[1]) : wall,
    cpuSeconds: m ? Number(m[3]) + Number(m[4]) : null,
    maxRssKiB: m ? Number(m[2]) : null,
    exitCode: code,
    stderr,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function folderBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    bytes += statSync(join(e.parentPath, e.name)).size;
    files++;
  }
  return { bytes, files };
}

/** The cached demo folder, generated when missing or made with other settings. */
async function demoFolder(a: Args): Promise<{ dir: string; generated: { seconds: number; mbPerSecond: number } | null }> {
  const dir = join(REPO, 'bench-data', a.sizeText.replace(/[^A-Za-z0-9.]/g, ''));
  const manifestPath = join(dir, MANIFEST_NAME);
  if (existsSync(manifestPath) && (await isDemoManifest(manifestPath))) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<DemoManifest>;
    if (m.sizeBytes === a.size && m.seed === a.seed && m.profile === 'compromised') {
      process.stderr.write(`scan-bench: reusing ${dir}\n`);
      return { dir, generated: null };
    }
  }
  process.stderr.write(`scan-bench: generating a ${formatSize(a.size)} compromised demo in ${dir} ...\n`);
  const t0 = performance.now();
  const m = await generateDemo({ out: dir, profile: 'compromised', sizeBytes: a.size, seed: a.seed, force: true });
  const seconds = (performance.now() - t0) / 1000;
  const mbPerSecond = m.totals.bytes / 1e6 / seconds;
  process.stderr.write(`scan-bench: generated ${formatSize(m.totals.bytes)} in ${m.totals.files} files, ${seconds.toFixed(1)} s (${mbPerSecond.toFixed(0)} MB/s)\n`);
  return { dir, generated: { seconds, mbPerSecond } };
}

/** exhunt's prefilter literals, or the fallback list; written to a file for `rg -f`. */
function literalsFile(dir: string): { path: string; source: string; count: number } {
  const r = spawnSync(process.execPath, [EXHUNT, 'rules', 'literals'], { cwd: REPO, encoding: 'utf8' });
  let lits = r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  let source = '`exhunt rules literals`';
  if (lits.length === 0) {
    lits = FALLBACK_LITERALS;
    source = `fixed fallback list (exhunt rules literals ${r.status === 0 ? 'printed nothing' : 'is not available'})`;
  }
  const path = `${dir}.literals.txt`;
  writeFileSync(path, `${lits.join('\n')}\n`);
  return { path, source, count: lits.length };
}

function supportsNoYara(): boolean {
  const r = spawnSync(process.execPath, [EXHUNT, 'scan', '--help'], { cwd: REPO, encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('--no-yara');
}

/** One tool to measure: its command, the exit codes that mean it ran fine, and a note for the table. */
interface ToolSpec {
  readonly tool: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly okCodes: readonly number[];
  readonly note: string | null;
}

/** Runs every tool once per round, `runs` rounds; a tool that fails is not run again. */
async function measureAll(specs: readonly ToolSpec[], runs: number, bytes: number): Promise<ToolResult[]> {
  const all = specs.map(() => [] as Run[]);
  const errors: (string | null)[] = specs.map(() => null);
  for (let i = 0; i < runs; i++) {
    for (const [k, spec] of specs.entries()) {
      if (errors[k] !== null) continue;
      const r = await timed(spec.cmd, spec.args);
      all[k]!.push({ wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, maxRssKiB: r.maxRssKiB, exitCode: r.exitCode });
      const cpu = r.cpuSeconds === null ? '' : `, ${r.cpuSeconds.toFixed(2)} s CPU`;
      process.stderr.write(`scan-bench: ${spec.tool} run ${i + 1}/${runs}: ${r.wallSeconds.toFixed(2)} s${cpu}, exit ${r.exitCode}\n`);
      if (!spec.okCodes.includes(r.exitCode)) errors[k] = `exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
    }
  }
  return specs.map((spec, k) => {
    const error = errors[k] ?? null;
    const good = error ? [] : all[k]!;
    const wall = good.length ? median(good.map((r) => r.wallSeconds)) : null;
    const cpuTimes = good.map((r) => r.cpuSeconds).filter((x): x is number => x !== null);
    const rss = good.map((r) => r.maxRssKiB).filter((x): x is number => x !== null);
    return {
      tool: spec.tool,
      command: [spec.cmd === process.execPath ? 'node' : spec.cmd, ...spec.args.map((x) => (x.startsWith(REPO) ? x.slice(REPO.length + 1) : x))].join(' '),
      note: spec.note,
      runs: all[k]!,
      medianWallSeconds: wall,
      medianCpuSeconds: cpuTimes.length ? median(cpuTimes) : null,
      mbPerSecond: wall ? bytes / 1e6 / wall : null,
      peakRssMb: rss.length ? Math.max(...rss) / 1024 : null,
      timeVsRipgrep: null,
      cpuVsRipgrep: null,
      error,
    };
  });
}

function table(results: readonly ToolResult[]): string {
  const f = (x: number | null, d: number): string => (x === null ? 'n/a' : x.toFixed(d));
  const x = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  const rows = results.map(
    (r) =>
      `| ${r.tool}${r.error ? ` (failed: ${r.error.replace(/\|/g, '/')})` : ''} | ${f(r.mbPerSecond, 1)} | ${f(r.medianWallSeconds, 2)} | ${f(r.medianCpuSeconds, 2)} | ${f(r.peakRssMb, 0)} | ${x(r.timeVsRipgrep)} | ${x(r.cpuVsRipgrep)} |`,
  );
  return [
    '| tool | MB/s | wall s (median) | CPU s (median) | peak RSS MB | time vs ripgrep | CPU vs ripgrep |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  mkdirSync(join(REPO, 'bench-data'), { recursive: true });
  const { dir, generated } = await demoFolder(a);
  try {
    const { bytes, files } = folderBytes(dir);
    const lits = literalsFile(dir);
    const hasRg = spawnSync('rg', ['--version']).status === 0;

    // Warm the page cache so every tool reads from memory.
    if (hasRg) spawnSync('rg', ['-c', '-F', 'x-never-there-x', dir], { stdio: 'ignore' });
    else for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) readFileSync(join(e.parentPath, e.name));

    const scanArgs = [EXHUNT, 'scan', dir, '--jsonl', '/dev/null', '--no-color', '--quiet', '--no-progress'];
    // The rules exhunt applies when --threads is not given (src/engine/parallel/policy.ts): the
    // cores, at most 4, and one thread for folders below the size thresholds.
    const cores = defaultThreads();
    const threads = bytes >= MIN_PARALLEL_BYTES && files >= MIN_PARALLEL_FILES ? cores : 1;
    const specs: ToolSpec[] = [
      { tool: `exhunt (default: ${threads} thread${threads === 1 ? '' : 's'})`, cmd: process.execPath, args: scanArgs, okCodes: [1], note: 'exit 1 (findings) expected' },
    ];
    if (threads > 1) specs.push({ tool: 'exhunt --threads 1', cmd: process.execPath, args: [...scanArgs, '--threads', '1'], okCodes: [1], note: 'serial, for comparison' });
    if (supportsNoYara()) specs.push({ tool: 'exhunt --no-yara', cmd: process.execPath, args: [...scanArgs, '--no-yara'], okCodes: [1], note: 'file sweep without YARA' });
    if (hasRg) specs.push({ tool: 'ripgrep', cmd: 'rg', args: ['-F', '-i', '-c', '-f', lits.path, dir], okCodes: [0, 1], note: `literals: ${lits.source}, ${lits.count}` });
    const load = loadavg();
    const results = await measureAll(specs, a.runs, bytes);
    const rg = results.find((r) => r.tool === 'ripgrep');
    const ratio = (mine: number | null, theirs: number | null | undefined): number | null => (mine && theirs ? mine / theirs : null);
    const final = results.map((r) => ({
      ...r,
      timeVsRipgrep: ratio(r.medianWallSeconds, rg?.medianWallSeconds),
      cpuVsRipgrep: ratio(r.medianCpuSeconds, rg?.medianCpuSeconds),
    }));

    const md = table(final);
    const loadText = load.map((l) => l.toFixed(1)).join(' ');
    process.stdout.write(`\n${formatSize(bytes)} in ${files} files (${dir.slice(REPO.length + 1)}), ${a.runs} runs each, warm page cache, load average ${loadText}\n`);
    process.stdout.write(`ripgrep literals: ${lits.source} (${lits.count})${hasRg ? '' : '; ripgrep not installed (scripts/setup-system.sh)'}\n\n${md}\n`);
    if (!existsSync(TIME)) process.stdout.write('\n/usr/bin/time missing: wall time measured by the benchmark, peak RSS unknown (run scripts/setup-system.sh)\n');

    const out = {
      date: new Date().toISOString(),
      size: a.sizeText,
      bytes,
      files,
      runs: a.runs,
      seed: a.seed,
      node: process.version,
      cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
      exhuntThreads: threads,
      loadAverage: load,
      generation: generated,
      literals: { source: lits.source, count: lits.count },
      results: final,
      table: md,
    };
    writeFileSync(join(REPO, 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write('\nwrote bench/results.json\n');
    rmSync(lits.path, { force: true });
  } finally {
    if (!a.keep) {
      rmSync(dir, { recursive: true, force: true });
      process.stderr.write(`scan-bench: removed ${dir} (pass --keep to reuse it next time)\n`);
    }
  }
}

await main();
