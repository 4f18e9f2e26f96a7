/**
 * Watch benchmark (not a test): `exhunt watch` as a user runs it (a child process, default
 * settings: CPU cap 50%, fs.watch plus 1 s polling), on a SYNTHETIC triage mirror (the demo
 * generator's tree, 20 MB) whose IIS and HttpProxy logs grow, alerting to a real rsyslogd on
 * 127.0.0.1 over TCP (CEF). Measures:
 *
 * - latency from a line appended to its alert written by rsyslog, p50 and p99, at 1,000 and
 *   5,000 lines per second (1% attack lines; time taken when the bench sees the line in
 *   rsyslog's file, polled every 5 ms);
 * - the watcher's CPU time (user + system, /proc) when idle and at 100 lines per second.
 *
 * Targets (issue 7): p99 under 1 s at 5,000 lines/s; idle CPU under 1% of a core.
 *
 *   npm run build && node dist/bench/watch-bench.js [--seconds 20] [--idle 60] [--rates 1000,5000] [--json]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../src/demo/index.js';
import { makePki } from '../test/alerts/helpers/openssl.js';
import { startRsyslog } from '../test/alerts/helpers/rsyslog.js';
import { findTool } from '../test/alerts/helpers/tools.js';
import { REPO } from '../test/helpers/cli.js';
import { HTTPPROXY_ECP_DIR, IIS_DIR, SyntheticLogs, append, write } from '../test/watch/helpers/logs.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a process so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name; clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Follows rsyslog's raw.log: the first arrival time of each `path:line`. */
class Arrivals {
  readonly #file: string;
  #pos = 0;
  #rest = '';
  readonly seen = new Map<string, number>();
  messages = 0;

  constructor(file: string) {
    this.#file = file;
  }

  poll(): void {
    let size: number;
    try {
      size = statSync(this.#file).size;
    } catch {
      return;
    }
    if (size <= this.#pos) return;
    const fd = openSync(this.#file, 'r');
    const buf = Buffer.alloc(size - this.#pos);
    readSync(fd, buf, 0, buf.length, this.#pos);
    closeSync(fd);
    this.#pos = size;
    const now = performance.now();
    const text = this.#rest + buf.toString('utf8');
    const lines = text.split('\n');
    this.#rest = lines.pop() ?? '';
    for (const l of lines) {
      this.messages++;
      const path = /filePath=(\S+)/.exec(l)?.[1];
      const line = /cn1=(\d+)/.exec(l)?.[1];
      if (path && line && !this.seen.has(`${path}:${line}`)) this.seen.set(`${path}:${line}`, now);
    }
  }
}

interface Stream {
  readonly iis: string;
  readonly hp: string;
  iisLines: number;
  hpLines: number;
}

/** Appends `rate` lines per second for `seconds` (every 10 ms), 1% attacks; returns the attack lines' append times. */
async function feed(root: string, s: Stream, g: SyntheticLogs, rate: number, seconds: number, attackEvery: number): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  let owed = 0;
  let n = 0;
  const start = performance.now();
  for (let tick = 0; performance.now() - start < seconds * 1000; tick++) {
    owed += perTick;
    let a = '';
    let b = '';
    const attacks: string[] = [];
    while (owed >= 1) {
      owed -= 1;
      const attack = n % attackEvery === 0;
      if (n % 2 === 0) {
        a += attack ? g.iisAttack(n) : g.iisBenign();
        s.iisLines++;
        if (attack) attacks.push(`${s.iis}:${s.iisLines}`);
      } else {
        b += attack ? g.httpProxyAttack(n) : g.httpProxyBenign();
        s.hpLines++;
        if (attack) attacks.push(`${s.hp}:${s.hpLines}`);
      }
      n++;
    }
    if (a) append(root, s.iis, a);
    if (b) append(root, s.hp, b);
    const at = performance.now();
    for (const k of attacks) sent.set(k, at);
    const next = start + (tick + 1) * tickMs;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return sent;
}

async function main(): Promise<void> {
  if (!findTool('rsyslogd') || !findTool('openssl')) throw new Error('needs rsyslogd and openssl (scripts/setup-system.sh)');
  if (process.platform !== 'linux') throw new Error('reads CPU times from /proc: Linux only');
  const seconds = Number(arg('seconds', '20'));
  const idleSeconds = Number(arg('idle', '60'));
  const rates = arg('rates', '1000,5000').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-watch-bench-'));
  const pkiDir = join(dir, 'pki');
  mkdirSync(pkiDir);
  const rs = await startRsyslog(pkiDir, makePki(pkiDir));
  let child: ChildProcess | null = null;
  try {
    // A synthetic server's tree (SYNTHETIC data from `exhunt demo`), plus the two logs that grow.
    const root = join(dir, 'EXCH01');
    await generateDemo({ out: root, sizeBytes: 20_000_000, host: 'EXCH01', profile: 'clean' });
    const g = new SyntheticLogs('bench');
    const s: Stream = { iis: `${IIS_DIR}/u_ex260101.log`, hp: `${HTTPPROXY_ECP_DIR}/HttpProxy_2026010100-1.LOG`, iisLines: 0, hpLines: 0 };
    const iisHead = g.iisHeader();
    const hpHead = g.httpProxyHeader();
    write(root, s.iis, iisHead);
    write(root, s.hp, hpHead);
    s.iisLines = iisHead.split('\n').length - 1;
    s.hpLines = hpHead.split('\n').length - 1;
    const files = (await import('node:fs')).readdirSync(root, { recursive: true }).length;

    child = spawn(
      process.execPath,
      [join(REPO, 'bin', 'exhunt.js'), 'watch', root, '--state', join(dir, 'state'), '--alert', `syslog+tcp://127.0.0.1:${rs.tcpPort}?name=bench&minSeverity=info`, '--host', 'EXCH01', '--no-intel', '-q'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 600 && !err.includes('watching'); i++) await sleep(50);
    if (!err.includes('watching')) throw new Error(`the watcher did not start: ${err}`);
    const pid = child.pid ?? 0;
    // Start-up work (V8 compiling and collecting in the background) is over after a while.
    await sleep(20_000);

    // Idle: nothing is written.
    const idle0 = cpuSeconds(pid);
    await sleep(idleSeconds * 1000);
    const idleCpu = ((cpuSeconds(pid) - idle0) / idleSeconds) * 100;

    const arrivals = new Arrivals(join(pkiDir, 'raw.log'));
    const poller = setInterval(() => arrivals.poll(), 5);
    const results: { rate: number; lines: number; alerts: number; arrived: number; p50: number; p99: number; max: number; cpu: number }[] = [];
    // 100 lines/s for the CPU figure, then the latency rates.
    for (const rate of [100, ...rates]) {
      const c0 = cpuSeconds(pid);
      const t0 = performance.now();
      const sent = await feed(root, s, g, rate, rate === 100 ? idleSeconds : seconds, 100);
      const cpu = ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
      // Wait for the stragglers (at most 10 s).
      for (let i = 0; i < 200 && [...sent.keys()].some((k) => !arrivals.seen.has(k)); i++) await sleep(50);
      const lat = [...sent.entries()].filter(([k]) => arrivals.seen.has(k)).map(([k, at]) => (arrivals.seen.get(k) ?? at) - at).sort((a, b) => a - b);
      results.push({ rate, lines: Math.round(rate * (rate === 100 ? idleSeconds : seconds)), alerts: sent.size, arrived: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.at(-1) ?? NaN, cpu });
      await sleep(2000);
    }
    clearInterval(poller);

    const out = { files, idleSeconds, idleCpuPercent: idleCpu, results, uptime: readFileSync('/proc/loadavg', 'utf8').trim() };
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      process.stdout.write(`exhunt watch benchmark: ${files} files in the watched tree, load average ${out.uptime}\n`);
      process.stdout.write(`idle CPU: ${idleCpu.toFixed(2)}% of a core over ${idleSeconds} s (target < 1%)\n`);
      process.stdout.write('rate (lines/s) | attack lines | arrived | p50 ms | p99 ms | max ms | CPU % of a core\n');
      for (const r of results) {
        process.stdout.write(`${r.rate} | ${r.alerts} | ${r.arrived} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.cpu.toFixed(1)}\n`);
      }
    }
  } finally {
    child?.kill('SIGTERM');
    await sleep(500);
    await rs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`watch-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
