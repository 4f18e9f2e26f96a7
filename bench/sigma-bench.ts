/**
 * Sigma benchmark (not a test; `npm run bench` runs it): the cost of adding SigmaHQ's webserver
 * rules (every rule file with `category: webserver` in ../shared/data/sigma) to a scan of a
 * generated demo triage folder. Each variant runs in a child process under /usr/bin/time, several
 * times; the medians are reported as MB/s, CPU seconds and peak RSS, beside ripgrep reading the
 * same folder. Target (issue "Sigma"): the webserver rules cost at most 30% of throughput.
 *
 *   node dist/bench/sigma-bench.js [--size 200MB] [--runs 3] [--data DIR] [--sigma DIR] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemo, isDemoManifest, MANIFEST_NAME, parseSize } from '../src/demo/index.js';
import { fmt, median, row, timed } from './lib/timed.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const EXHUNT = join(REPO, 'bin', 'exhunt.js');

interface Args {
  readonly size: string;
  readonly runs: number;
  readonly data: string;
  readonly sigma: string;
  readonly json: string | null;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const size = get('--size') ?? '200MB';
  return {
    size,
    runs: Number(get('--runs') ?? 3),
    data: resolve(get('--data') ?? join(REPO, 'bench-data', size)),
    sigma: resolve(get('--sigma') ?? join(REPO, '..', 'shared', 'data', 'sigma')),
    json: get('--json') ?? null,
  };
}

/** Every rule file under `dir` whose logsource is `category: webserver`. */
function webserverRules(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['rules', 'rules-emerging-threats', 'rules-dfir', 'rules-threat-hunting']) {
    const root = join(dir, sub);
    if (!existsSync(root)) continue;
    for (const f of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!/\.ya?ml$/.test(f)) continue;
      const p = join(root, f);
      if (/^\s*category:\s*webserver\s*$/m.test(readFileSync(p, 'utf8'))) out.push(p);
    }
  }
  return out.sort();
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(join(dir, f));
    if (st.isFile()) n += st.size;
  }
  return n;
}

async function ensureData(a: Args): Promise<void> {
  const manifest = join(a.data, MANIFEST_NAME);
  if (existsSync(manifest) && (await isDemoManifest(manifest))) return;
  const sizeBytes = parseSize(a.size);
  if (sizeBytes === null) throw new Error(`--size: "${a.size}" is not a size`);
  process.stderr.write(`sigma-bench: generating ${a.size} demo triage folder in ${a.data}\n`);
  await generateDemo({ out: a.data, profile: 'compromised', sizeBytes, seed: 2021, force: true });
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (!existsSync(a.sigma)) {
    process.stderr.write(`sigma-bench: no Sigma rules at ${a.sigma} (needs ../shared/data); skipped\n`);
    return;
  }
  await ensureData(a);
  const rules = webserverRules(a.sigma);
  const bytes = folderBytes(a.data);
  const base = [EXHUNT, 'scan', a.data, '--jsonl', '/dev/null', '--quiet', '--no-progress', '--no-intel'];
  const variants = [
    { label: 'exhunt (built-in rules)', cmd: process.execPath, argv: base, okStatus: [0, 1] },
    { label: `exhunt + ${rules.length} SigmaHQ webserver rules`, cmd: process.execPath, argv: [...base, ...rules.flatMap((r) => ['--sigma', r])], okStatus: [0, 1] },
    { label: 'ripgrep (reads the same files)', cmd: 'rg', argv: ['-c', '-i', 'autodiscover', a.data], okStatus: [0, 1] },
  ];
  // Rounds alternate the variants, so that a change in the machine's load falls on all alike.
  const timings = variants.map(() => [] as ReturnType<typeof timed>[]);
  for (let r = 0; r < a.runs; r++) variants.forEach((v, i) => timings[i]!.push(timed(v.cmd, v.argv, { okStatus: v.okStatus })));
  const results = variants.map((v, i) => {
    const runs = timings[i]!;
    const bad = runs.find((r) => !r.ok);
    if (bad) throw new Error(`${v.label} failed (exit ${bad.status}): ${bad.stderr.slice(-500)}`);
    const wall = median(runs.map((r) => r.wall));
    return { label: v.label, wall, cpu: median(runs.map((r) => r.cpu)), rssMb: Math.max(...runs.map((r) => r.rssMb)), mbs: bytes / 1e6 / wall };
  });
  const cost = 1 - results[1]!.mbs / results[0]!.mbs;
  const cpuCost = results[1]!.cpu / results[0]!.cpu - 1;
  const out: string[] = [
    `## Sigma stage (${fmt(bytes / 1e6, 0)} MB demo triage folder, median of ${a.runs} runs, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`,
    '',
    row(['variant', 'wall s', 'CPU s', 'MB/s', 'peak RSS MB']),
    row(['---', '---:', '---:', '---:', '---:']),
    ...results.map((r) => row([r.label, fmt(r.wall, 2), fmt(r.cpu, 2), fmt(r.mbs), fmt(r.rssMb, 0)])),
    '',
    `Throughput cost of the Sigma webserver rules: ${fmt(cost * 100)}% (target ≤ 30%); CPU time +${fmt(cpuCost * 100)}%.`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  if (a.json) writeFileSync(a.json, `${JSON.stringify({ date: new Date().toISOString(), bytes, rules: rules.length, results, cost, cpuCost }, null, 2)}\n`);
  const rg = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (rg.status !== 0) process.stderr.write('sigma-bench: ripgrep not found (scripts/setup-system.sh installs it)\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`sigma-bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
