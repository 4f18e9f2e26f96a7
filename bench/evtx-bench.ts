/**
 * EVTX benchmark (not a test; timings are reported, never asserted):
 *
 *   node dist/bench/evtx-bench.js [--size 1GB] [--sample FILE]... [--file FILE] [--runs 1]
 *                                 [--keep] [--no-evtxexport] [--json OUT]
 *
 * 1. Builds (or reuses) a corpus of the given size (default 1 GB) in `bench-data/evtx/`: the
 *    chunks of the sample files (default: ../shared/data/evtx-rs-samples security.evtx and
 *    sysmon.evtx, real Security and Sysmon logs) repeated one after another behind one file
 *    header whose chunk count, last chunk number and checksum are set for the whole file, so
 *    every reader sees every chunk. `--file` benchmarks an existing .evtx instead. The corpus is
 *    removed afterwards unless `--keep`.
 * 2. Runs each reader `--runs` times (default 1) in a child process under `/usr/bin/time` (wall
 *    time, CPU time, peak RSS of that process):
 *    - exhunt parse: `parseEvtx`, every record with all its fields (what `exhunt scan` reads);
 *    - exhunt parse + rules: the same, each record through the built-in pack's event rules;
 *    - exhunt parse + Sigma: the same, through SigmaHQ's Exchange-related Windows rules
 *      (`sigma/exchange-subset.txt` of ../shared/data), when present;
 *    - exhunt evtx dump --xml: the CLI rendering every event as XML (output discarded);
 *    - evtxexport -f xml (Debian libevtx-utils), output counted as it streams by.
 * 3. Prints a markdown table: events read, wall and CPU seconds, MB/s and events/s (by wall and
 *    by CPU time; CPU is the steadier figure on a busy machine), peak RSS, and the speed of each
 *    row relative to evtxexport by CPU time. `--json OUT` also writes the numbers as JSON.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import type { Detector } from '../src/core/detector.js';
import type { LogRecord } from '../src/core/record.js';
import { builtinContentDir } from '../src/content/package-root.js';
import { loadContent } from '../src/content/load.js';
import { formatSize, parseSize } from '../src/demo/index.js';
import { compileRules } from '../src/detectors/rules/index.js';
import { loadSigmaRules } from '../src/detectors/sigma/index.js';
import { CHUNK_BYTES, FILE_HEADER_BYTES, parseEvtx } from '../src/sources/evtx/index.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const SELF = fileURLToPath(import.meta.url);
const SHARED = join(REPO, '..', 'shared', 'data');
const TIME = '/usr/bin/time';
const HOST = { exchangeInstall: null };

type ChildMode = 'parse' | 'rules' | 'sigma';

interface Args {
  size: number;
  samples: string[];
  file: string | null;
  runs: number;
  keep: boolean;
  evtxexport: boolean;
  json: string | null;
  child: ChildMode | null;
  childFile: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { size: 1e9, samples: [], file: null, runs: 1, keep: false, evtxexport: true, json: null, child: null, childFile: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) fail(`${k ?? ''} needs a value`);
      return x;
    };
    if (k === '--size') {
      const t = v();
      const n = parseSize(t);
      if (n === null || n <= 0) fail(`--size: not a size: ${t}`);
      a.size = n;
    } else if (k === '--sample') a.samples.push(resolve(v()));
    else if (k === '--file') a.file = resolve(v());
    else if (k === '--runs') {
      a.runs = Number(v());
      if (!Number.isInteger(a.runs) || a.runs < 1) fail('--runs must be a positive integer');
    } else if (k === '--keep') a.keep = true;
    else if (k === '--no-evtxexport') a.evtxexport = false;
    else if (k === '--json') a.json = resolve(v());
    else if (k === '--child') {
      const m = v();
      if (m !== 'parse' && m !== 'rules' && m !== 'sigma') fail(`--child: unknown mode ${m}`);
      a.child = m;
      a.childFile = v();
    } else if (k === '--help' || k === '-h') {
      process.stdout.write('usage: node dist/bench/evtx-bench.js [--size 1GB] [--sample FILE]... [--file FILE] [--runs 1] [--keep] [--no-evtxexport] [--json OUT]\n');
      process.exit(0);
    } else fail(`unknown argument ${k ?? ''}`);
  }
  if (a.samples.length === 0) a.samples = ['security.evtx', 'sysmon.evtx'].map((f) => join(SHARED, 'evtx-rs-samples', f));
  return a;
}

function fail(msg: string): never {
  process.stderr.write(`evtx-bench: ${msg}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The corpus.

/** The chunks of an .evtx file that carry the `ElfChnk` signature (unused zero chunks left out). */
function chunksOf(file: string): Buffer[] {
  const buf = readFileSync(file);
  const out: Buffer[] = [];
  for (let at = FILE_HEADER_BYTES; at + CHUNK_BYTES <= buf.length; at += CHUNK_BYTES) {
    const c = buf.subarray(at, at + CHUNK_BYTES);
    if (c.toString('latin1', 0, 8) === 'ElfChnk\0') out.push(c);
  }
  return out;
}

/** Writes `size` bytes (rounded down to whole chunks) of the samples' chunks behind one header. */
function buildCorpus(samples: readonly string[], size: number, out: string): { chunks: number; bytes: number } {
  const pool = samples.flatMap((s) => {
    if (!existsSync(s)) fail(`sample not found: ${s} (give --sample or --file)`);
    return chunksOf(s);
  });
  if (pool.length === 0) fail('the samples hold no chunks');
  const count = Math.max(1, Math.floor((size - FILE_HEADER_BYTES) / CHUNK_BYTES));
  // The header's chunk count is 16 bits: 65,535 chunks (4.3 GB) at most.
  if (count > 0xffff) fail('--size: at most 4 GB (the file header counts chunks in 16 bits)');
  const header = Buffer.from(readFileSync(samples[0]!).subarray(0, FILE_HEADER_BYTES));
  header.writeBigUInt64LE(0n, 8); // first chunk number
  header.writeBigUInt64LE(BigInt(count - 1), 16); // last chunk number
  header.writeUInt16LE(count, 42); // chunk count
  header.writeUInt32LE(header.readUInt32LE(120) & ~0x1, 120); // not dirty
  header.writeUInt32LE(crc32(header.subarray(0, 120)) >>> 0, 124);
  mkdirSync(join(out, '..'), { recursive: true });
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, header);
    for (let i = 0; i < count; i++) writeSync(fd, pool[i % pool.length]!);
  } finally {
    closeSync(fd);
  }
  return { chunks: count, bytes: FILE_HEADER_BYTES + count * CHUNK_BYTES };
}

// ---------------------------------------------------------------------------------------------
// Child processes: one reader each, measured from outside.

function eventRules(): readonly Detector[] {
  const pack = loadContent([{ dir: builtinContentDir(), builtin: true }]);
  return compileRules(pack.rules, pack.indicatorSets).detectors.filter((d) => d.kinds.includes('event'));
}

function sigmaExchangeRules(): readonly Detector[] {
  const list = join(SHARED, 'sigma', 'exchange-subset.txt');
  if (!existsSync(list)) return [];
  const files = readFileSync(list, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => join(SHARED, 'sigma', l));
  return loadSigmaRules(files).detectors.filter((d) => d.kinds.includes('event'));
}

async function child(mode: ChildMode, file: string): Promise<void> {
  const t0 = performance.now();
  const detectors = mode === 'rules' ? eventRules() : mode === 'sigma' ? sigmaExchangeRules() : [];
  const loadMs = performance.now() - t0;
  let records = 0;
  let hits = 0;
  let diagnostics = 0;
  const onRecord =
    detectors.length === 0
      ? (): void => {
          records++;
        }
      : (r: LogRecord): void => {
          records++;
          for (const d of detectors) if (d.match(r, HOST) !== null) hits++;
        };
  const t1 = performance.now();
  await parseEvtx({ path: basename(file), open: () => Promise.resolve(createReadStream(file, { highWaterMark: 1 << 20 })) }, { literals: null, onRecord, onDiagnostic: () => diagnostics++ });
  process.stdout.write(`${JSON.stringify({ records, hits, diagnostics, rules: detectors.length, loadMs, readMs: performance.now() - t1 })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The parent: runs and measures.

interface Measured {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly code: number;
  readonly stdout: string;
  readonly events: number;
}

/**
 * Runs `cmd` under /usr/bin/time (to a file, so the tool's own stderr stays apart). Standard
 * output is kept (up to 64 KiB) and, when `countEvents` is given, fed to it as it streams by.
 */
async function timed(cmd: string, argv: readonly string[], countEvents?: (chunk: string) => void): Promise<Measured> {
  const timeFile = join(tmpdir(), `exhunt-evtx-bench-${process.pid}-${Date.now()}.time`);
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((res) => {
    const c = spawn(TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...argv], { stdio: ['ignore', 'pipe', 'ignore'], cwd: REPO });
    let out = '';
    c.stdout.setEncoding('utf8');
    c.stdout.on('data', (d: string) => {
      countEvents?.(d);
      if (out.length < 65536) out += d;
    });
    c.on('close', (x) => res({ code: x ?? -1, stdout: out }));
    c.on('error', () => res({ code: -1, stdout: out }));
  });
  const last = (existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '').trim().split('\n').pop() ?? '';
  rmSync(timeFile, { force: true });
  const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(last.trim());
  return {
    wall: m ? Number(m[1]) : NaN,
    cpu: m ? Number(m[2]) + Number(m[3]) : NaN,
    rssMb: m ? Number(m[4]) / 1024 : NaN,
    code,
    stdout,
    events: NaN,
  };
}

/** Counts `<Event` start tags in streamed XML (a tag may be split across chunks). */
function eventTagCounter(): { feed: (s: string) => void; count: () => number } {
  let n = 0;
  let tail = '';
  return {
    feed: (s: string): void => {
      const text = tail + s;
      const re = /<Event[\s>]/g;
      while (re.exec(text) !== null) n++;
      // Keep a short tail for a tag cut at the chunk end, but not one already counted.
      const cut = Math.max(0, text.length - 6);
      const rest = text.slice(cut);
      tail = /<Event[\s>]/.test(rest) ? '' : rest;
    },
    count: () => n,
  };
}

interface Row {
  readonly reader: string;
  readonly events: number;
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly note: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function measure(label: string, runs: number, once: () => Promise<Measured>, note: (m: Measured) => string): Promise<Row> {
  const all: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`evtx-bench: ${label} (run ${i + 1}/${runs})...\n`);
    all.push(await once());
  }
  const failed = all.find((m) => m.code !== 0);
  return {
    reader: label,
    events: all[all.length - 1]!.events,
    wall: median(all.map((m) => m.wall)),
    cpu: median(all.map((m) => m.cpu)),
    rssMb: Math.max(...all.map((m) => m.rssMb)),
    note: failed ? `exit code ${failed.code}` : note(all[all.length - 1]!),
  };
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

async function parent(args: Args): Promise<void> {
  if (!existsSync(TIME)) fail('needs /usr/bin/time (scripts/setup-system.sh installs it)');
  let file: string;
  let built = false;
  if (args.file) {
    if (!existsSync(args.file)) fail(`not found: ${args.file}`);
    file = args.file;
  } else {
    file = join(REPO, 'bench-data', 'evtx', `corpus-${Math.round(args.size / 1e6)}MB.evtx`);
    const want = FILE_HEADER_BYTES + Math.floor((args.size - FILE_HEADER_BYTES) / CHUNK_BYTES) * CHUNK_BYTES;
    if (!existsSync(file) || statSync(file).size !== want) {
      process.stderr.write(`evtx-bench: writing ${formatSize(want)} of chunks of ${args.samples.map((s) => basename(s)).join(', ')} to ${file}\n`);
      buildCorpus(args.samples, args.size, file);
    }
    built = !args.keep;
  }
  const bytes = statSync(file).size;
  const mb = bytes / 1e6;
  const rows: Row[] = [];
  const childRun = (mode: ChildMode) => async (): Promise<Measured> => {
    const m = await timed(process.execPath, [SELF, '--child', mode, file]);
    const r = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { records?: number; hits?: number; rules?: number; loadMs?: number; diagnostics?: number };
    return { ...m, events: r.records ?? NaN, stdout: JSON.stringify(r) };
  };
  const childNote = (m: Measured): string => {
    const r = JSON.parse(m.stdout) as { hits?: number; rules?: number; loadMs?: number; diagnostics?: number };
    const parts = [];
    if (r.rules) parts.push(`${r.rules} rules (loaded in ${fmt((r.loadMs ?? 0) / 1000, 2)} s), ${r.hits ?? 0} hits`);
    if (r.diagnostics) parts.push(`${r.diagnostics} diagnostics`);
    return parts.join('; ');
  };
  rows.push(await measure('exhunt parseEvtx (all fields)', args.runs, childRun('parse'), childNote));
  rows.push(await measure('exhunt parse + built-in event rules', args.runs, childRun('rules'), childNote));
  if (existsSync(join(SHARED, 'sigma', 'exchange-subset.txt'))) {
    rows.push(await measure('exhunt parse + SigmaHQ Exchange Windows rules', args.runs, childRun('sigma'), childNote));
  }
  rows.push(
    await measure(
      'exhunt evtx dump --xml',
      args.runs,
      async () => {
        const c = eventTagCounter();
        const m = await timed(process.execPath, [join(REPO, 'bin', 'exhunt.js'), 'evtx', 'dump', '--xml', file], c.feed);
        return { ...m, events: c.count() };
      },
      () => 'XML to a pipe, counted',
    ),
  );
  const evtxexport = ['/usr/bin/evtxexport', '/usr/local/bin/evtxexport'].find((p) => existsSync(p));
  let version = '';
  if (args.evtxexport && evtxexport) {
    rows.push(
      await measure(
        'evtxexport -f xml (libevtx)',
        args.runs,
        async () => {
          const c = eventTagCounter();
          const m = await timed(evtxexport, ['-f', 'xml', file], c.feed);
          if (!version) version = /evtxexport (\S+)/.exec(m.stdout)?.[1] ?? '';
          return { ...m, events: c.count() };
        },
        () => 'XML to a pipe, counted',
      ),
    );
  }

  const ref = rows.find((r) => r.reader.startsWith('evtxexport'));
  const out: string[] = [];
  out.push(`EVTX benchmark: ${basename(file)}, ${fmt(mb, 0)} MB (${(bytes - FILE_HEADER_BYTES) / CHUNK_BYTES} chunks); node ${process.version}; ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}${version ? `; evtxexport ${version}` : ''}; median of ${args.runs} run(s)`);
  out.push('');
  out.push('| reader | events | wall s | CPU s | MB/s (wall) | MB/s (CPU) | events/s (CPU) | peak RSS MB | vs evtxexport (CPU) | note |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const speedup = ref && r !== ref ? `${fmt(ref.cpu / r.cpu)}x` : '';
    out.push(`| ${r.reader} | ${Number.isFinite(r.events) ? r.events : 'n/a'} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt(mb / r.wall)} | ${fmt(mb / r.cpu)} | ${fmt(r.events / r.cpu, 0)} | ${fmt(r.rssMb, 0)} | ${speedup} | ${r.note} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ file: basename(file), bytes, runs: args.runs, rows }, null, 2)}\n`);
  if (built) rmSync(file, { force: true });
}

const args = parseArgs(process.argv.slice(2));
if (args.child) await child(args.child, args.childFile);
else await parent(args);
