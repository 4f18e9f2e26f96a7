/**
 * Shared by the benchmarks: runs a command in a child process under `/usr/bin/time` and reads
 * back wall time, CPU time (user + system) and peak RSS. Timings are only ever reported, never
 * asserted: this machine is shared and its load varies.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Timed {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
  readonly ok: boolean;
}

/** Runs `cmd argv...` under /usr/bin/time (scripts/setup-system.sh installs it). */
export function timed(cmd: string, argv: readonly string[], options: { okStatus?: readonly number[] } = {}): Timed {
  if (!existsSync('/usr/bin/time')) throw new Error('benchmarks need /usr/bin/time (scripts/setup-system.sh installs it)');
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  return {
    wall: Number(m?.[1] ?? NaN),
    cpu: Number(m?.[2] ?? NaN) + Number(m?.[3] ?? NaN),
    rssMb: Number(m?.[4] ?? NaN) / 1024,
    stdout: r.stdout,
    stderr: r.stderr,
    status: r.status,
    ok: (options.okStatus ?? [0]).includes(r.status ?? -1),
  };
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}
