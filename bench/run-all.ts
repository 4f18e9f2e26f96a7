/**
 * `npm run bench`: every benchmark of exhunt, one after the other, each in its own process so
 * that one's heap does not weigh on the next. Each prints a markdown section: MB/s or events/s
 * and peak RSS beside a reference tool on the same data (ripgrep, yara, evtxexport, rsyslog).
 *
 *   npm run bench [-- --only scan,sigma] [-- --quick]
 *
 * `--quick` runs each suite on small inputs (for a look, not for the record); without it the
 * suites use the sizes their issues set (1 GB triage folder, 20,000 files, 1,000,000 indicators).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Suite {
  readonly name: string;
  readonly file: string;
  readonly what: string;
  readonly args: readonly string[];
  readonly quick: readonly string[];
}

const SUITES: readonly Suite[] = [
  { name: 'scan', file: 'scan-bench.js', what: 'scan of a demo triage folder vs ripgrep', args: [], quick: ['--size', '200MB'] },
  { name: 'sigma', file: 'sigma-bench.js', what: "SigmaHQ's webserver rules added to a scan", args: ['--size', '1GB'], quick: ['--size', '100MB', '--runs', '1'] },
  { name: 'yara', file: 'yara-bench.js', what: 'signature-base over files and log lines vs yara -r', args: [], quick: ['--files', '2000', '--bytes', '100000000', '--lines', '50000'] },
  { name: 'evtx', file: 'evtx-bench.js', what: 'EVTX reader vs evtxexport', args: [], quick: ['--size', '200MB'] },
  { name: 'intel', file: 'intel-bench.js', what: '1,000,000 indicators: import, and scan throughput', args: [], quick: ['--indicators', '100000', '--size', '200MB', '--runs', '1'] },
  { name: 'watch', file: 'watch-bench.js', what: 'watch: line-to-alert latency at rsyslog, idle CPU', args: [], quick: ['--seconds', '5', '--idle', '10'] },
  { name: 'probe', file: 'probe-bench.js', what: '1,000 HTTPS hosts fingerprinted', args: [], quick: [] },
];

function main(argv: readonly string[]): number {
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null;
  const quick = argv.includes('--quick');
  if (only) for (const n of only) if (!SUITES.some((s) => s.name === n)) throw new Error(`--only: no suite "${n}" (suites: ${SUITES.map((s) => s.name).join(', ')})`);
  let failed = 0;
  for (const s of SUITES) {
    if (only && !only.has(s.name)) continue;
    const file = join(HERE, s.file);
    process.stdout.write(`\n# ${s.name}: ${s.what}\n\n`);
    if (!existsSync(file)) {
      process.stdout.write(`(not built: ${s.file})\n`);
      continue;
    }
    const r = spawnSync(process.execPath, ['--expose-gc', file, ...(quick ? s.quick : s.args)], { stdio: 'inherit' });
    if (r.status !== 0) {
      failed += 1;
      process.stdout.write(`\n(${s.name} benchmark failed with exit code ${r.status ?? r.signal ?? '?'})\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
