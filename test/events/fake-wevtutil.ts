/**
 * A fake `wevtutil` for the live-host tests (POSIX only): a small shell script written into a
 * temp folder that is put first on PATH. Asked `qe <channel> /f:xml /e:Events`, it prints one of
 * this suite's SYNTHETIC fixtures as the channel's events (without the fixture's comment line,
 * inside `<Events>` as `/e:Events` asks), answers Security with "access denied" (exit code 5)
 * and any other channel with "channel not found" (Windows exits 15007; a POSIX exit code keeps
 * the low byte, 159). Each run writes the arguments it got, one per line, to `run-<pid>.txt`, so
 * tests can check that no shell split or rewrote them (runs may overlap: the scan opens a few
 * entries ahead). The channel `Endless` prints events until it is killed.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { FIXTURES } from './support.js';

/** Channel → fixture file printed as its events. */
export const FAKE_CHANNELS: Readonly<Record<string, string>> = {
  'MSExchange Management': 'msexchange-management.xml',
  Application: 'application-um-crash.xml',
  'Microsoft-Windows-Sysmon/Operational': 'web-folder-files.xml',
};

export interface FakeWevtutil {
  readonly dir: string;
  /** This process's environment with the fake's folder first on PATH. */
  readonly env: Record<string, string | undefined>;
  /** Every run so far: its process id and the arguments it got. */
  runs(): { pid: number; args: string[] }[];
  remove(): void;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function installFakeWevtutil(): FakeWevtutil {
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-fake-wevtutil-'));
  const cases = Object.entries(FAKE_CHANNELS)
    .map(([channel, file]) => `  ${shellQuote(channel)}) printf '<Events>'; tail -n +2 ${shellQuote(join(FIXTURES, file))}; printf '</Events>\\r\\n' ;;`)
    .join('\n');
  const script = [
    '#!/bin/sh',
    '# Fake wevtutil written by exhunt\'s tests (test/events/fake-wevtutil.ts).',
    `d=${shellQuote(dir)}`,
    'printf "%s\\n" "$@" > "$d/run-$$.txt"',
    'if [ "$1" != qe ] || [ "$3" != /f:xml ] || [ "$4" != /e:Events ] || [ $# -ne 4 ]; then echo "The parameter is incorrect." >&2; exit 87; fi',
    'case "$2" in',
    cases,
    "  Security) echo 'Failed to read events. Access is denied.' >&2; exit 5 ;;",
    "  Endless) exec yes '<Event><System><EventID>1</EventID></System></Event>' ;;",
    "  *) echo 'Failed to read events. The specified channel could not be found. Check channel configuration.' >&2; exit 159 ;;",
    'esac',
    '',
  ].join('\n');
  const path = join(dir, 'wevtutil');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return {
    dir,
    env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    runs: () =>
      readdirSync(dir)
        .filter((f) => /^run-\d+\.txt$/.test(f))
        .map((f) => ({ pid: Number(f.slice(4, -4)), args: readFileSync(join(dir, f), 'utf8').replace(/\n$/, '').split('\n') })),
    remove: () => {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
