/**
 * Test helpers: whether the Debian tools a receiver test needs are installed. Without them the
 * test is skipped with the reason, except under CI (`CI` set), where it fails: CI installs them
 * through scripts/setup-system.sh, so a missing tool there is a broken set-up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin'];

/** Full path of a program, or null. */
export function findTool(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...SEARCH]) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

export interface Gate {
  /** Pass as the `skip` option of describe/test: the reason, or false. */
  readonly skip: string | false;
  /** Throw this in `before` (set only under CI when a tool is missing). */
  readonly failure: string | null;
}

/** `tools` are program names; `packages` the Debian packages that bring them. */
export function gate(tools: readonly string[], packages: string): Gate {
  const missing = tools.filter((t) => findTool(t) === null);
  if (missing.length === 0) return { skip: false, failure: null };
  const reason = `${missing.join(', ')} not installed (Debian packages: ${packages}; run scripts/setup-system.sh)`;
  return process.env.CI ? { skip: false, failure: reason } : { skip: reason, failure: null };
}

/** Whether this process runs as root (smtp-sink then needs -u). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function run(cmd: string, args: readonly string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}
