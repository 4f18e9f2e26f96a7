/**
 * @module The live Windows Exchange server as an input tree. Kept thin on purpose (nothing here
 * can run in CI): it finds the install folder, lists the folders exhunt reads, and presents them
 * through mapped-tree.ts as the drive mirror a triage collection has (`C/Program Files/...`), so
 * every later step treats the live server exactly like a collection of it.
 *
 * Folders read (what Test-ProxyLogon and the HAFNIUM guidance look at, nothing more): the
 * install's `Logging`, `FrontEnd\HttpProxy` and `ClientAccess\OAB`; `%SystemDrive%\inetpub\logs\
 * LogFiles` (IIS's default log folder; a log folder moved in applicationHost.config is not
 * followed) and `inetpub\wwwroot`; `%WINDIR%\Temp`; `C:\root`; `%ProgramData%`.
 *
 * Event logs: the channels the rules need (LIVE_EVENT_CHANNELS) are read through
 * `wevtutil qe <channel> /f:xml /e:Events`, never from the .evtx files Windows holds open. Each
 * channel is one entry of the tree, `<WINDIR>/System32/winevt/Logs/<channel>.xml` in the drive
 * mirror (`/` in a channel name written `%4`, as Windows names the .evtx files), whose `open()`
 * starts wevtutil and whose placement says "wevtutil XML of event log <channel>".
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import type { DiagnosticSink } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { LIVE_EVENT_CHANNELS, openWevtutilChannel } from '../sources/event-exports/wevtutil.js';
import { openMappedTree, type MappedRoot } from './mapped-tree.js';
import type { InputTree, TreeEntry } from './tree.js';
import { compareTreePaths } from './tree-path.js';
import { expandWindowsEnv, joinWindowsPath, windowsPathToTree, withTrailingBackslash, type WindowsEnv } from './winpath.js';

/** Where Exchange 2013 and later record their install folder (value `MsiInstallPath`). */
export const EXCHANGE_SETUP_KEY = 'HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup';

export interface RegValue {
  readonly type: string;
  readonly data: string;
}

/**
 * Reads one value from the text `reg query <key> /v <name>` prints:
 *
 *     HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ExchangeServer\v15\Setup
 *         MsiInstallPath    REG_SZ    C:\Program Files\Microsoft\Exchange Server\V15\
 *
 * reg.exe separates its columns with four spaces; the data may contain spaces itself.
 */
export function parseRegQueryValue(output: string, name: string): RegValue | null {
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s+(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (m?.[1]?.toLowerCase() === name.toLowerCase() && m[2]) return { type: m[2], data: (m[3] ?? '').trimEnd() };
  }
  return null;
}

function envValue(env: WindowsEnv, name: string): string | undefined {
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : env[key];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The install folder with a trailing backslash: the registry value first (what Setup wrote and
 * Test-ProxyLogon reads), then `%ExchangeInstallPath%`; null when neither is set.
 */
export async function findExchangeInstallPath(env: WindowsEnv, runRegQuery: () => Promise<string | null>): Promise<string | null> {
  const output = await runRegQuery();
  const value = output === null ? null : parseRegQueryValue(output, 'MsiInstallPath');
  if (value && value.data.trim() !== '') {
    return withTrailingBackslash(value.type === 'REG_EXPAND_SZ' ? expandWindowsEnv(value.data, env) : value.data);
  }
  const fromEnv = envValue(env, 'ExchangeInstallPath');
  return fromEnv === undefined ? null : withTrailingBackslash(fromEnv);
}

/** The folders to read on a live server, each with the tree prefix it is presented under. */
export function planLiveRoots(installPath: string | null, env: WindowsEnv): MappedRoot[] {
  const systemDrive = envValue(env, 'SystemDrive') ?? 'C:';
  const windir = envValue(env, 'WINDIR') ?? envValue(env, 'SystemRoot') ?? `${systemDrive}\\Windows`;
  const programData = envValue(env, 'ProgramData') ?? `${systemDrive}\\ProgramData`;
  const folders = [
    `${systemDrive}\\inetpub\\logs\\LogFiles`,
    `${systemDrive}\\inetpub\\wwwroot`,
    joinWindowsPath(windir, 'Temp'),
    // Test-ProxyLogon looks in c:\root literally; the system drive's is read too when it differs.
    'C:\\root',
    `${systemDrive}\\root`,
    programData,
  ];
  if (installPath !== null) {
    folders.push(
      joinWindowsPath(installPath, 'Logging'),
      joinWindowsPath(installPath, 'FrontEnd', 'HttpProxy'),
      joinWindowsPath(installPath, 'ClientAccess', 'OAB'),
    );
  }
  const roots: MappedRoot[] = [];
  for (const folder of folders) {
    const prefix = windowsPathToTree(folder);
    // A UNC or relative folder has no place in a drive mirror; such values are misconfiguration.
    if (prefix !== null) roots.push({ dir: folder, prefix });
  }
  return roots;
}

export interface LiveEventLogOptions {
  /** The program to run (default `%SystemRoot%\System32\wevtutil.exe`, never a `wevtutil` found on PATH). */
  readonly command?: string;
  /** Environment of the wevtutil processes (default: this process's). */
  readonly childEnv?: WindowsEnv;
  /** Channels to read (default LIVE_EVENT_CHANNELS). */
  readonly channels?: readonly string[];
  readonly onDiagnostic?: DiagnosticSink;
}

/**
 * One tree entry per event log channel, under `<WINDIR>/System32/winevt/Logs/` of the drive
 * mirror, sorted by path. Size 0 (unknown until read); `open()` starts wevtutil for the channel
 * (each call a new run) and never rejects: a channel that cannot be read is a warning naming it
 * and reads as empty. The coverage label is `Event log/<channel>`, as for the channel's .evtx file.
 */
export function liveEventLogEntries(env: WindowsEnv, options: LiveEventLogOptions = {}): TreeEntry[] {
  const systemDrive = envValue(env, 'SystemDrive') ?? 'C:';
  const windir = envValue(env, 'WINDIR') ?? envValue(env, 'SystemRoot') ?? `${systemDrive}\\Windows`;
  const folder = windowsPathToTree(joinWindowsPath(windir, 'System32', 'winevt', 'Logs')) ?? 'C/Windows/System32/winevt/Logs';
  const command = options.command ?? joinWindowsPath(envValue(env, 'SystemRoot') ?? windir, 'System32', 'wevtutil.exe');
  const entries = (options.channels ?? LIVE_EVENT_CHANNELS).map((channel): TreeEntry => {
    const path = `${folder}/${channel.replace(/\//g, '%4')}.xml`;
    return {
      path,
      size: 0,
      mtime: null,
      placement: { type: 'log', kind: 'event', source: `Event log/${channel}`, format: 'wevtutil-xml' },
      open: () =>
        Promise.resolve(
          openWevtutilChannel(channel, {
            command,
            path,
            ...(options.childEnv ? { env: options.childEnv } : {}),
            ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
          }),
        ),
    };
  });
  return entries.sort((a, b) => compareTreePaths(a.path, b.path));
}

/** `tree` with `extra` entries merged in, in tree-path order (both are sorted). */
export function withEntries(tree: InputTree, extra: readonly TreeEntry[]): InputTree {
  const sorted = [...extra].sort((a, b) => compareTreePaths(a.path, b.path));
  async function* entries(): AsyncGenerator<TreeEntry> {
    let i = 0;
    for await (const e of tree.entries()) {
      while (i < sorted.length && compareTreePaths(sorted[i]!.path, e.path) < 0) yield sorted[i++]!;
      yield e;
    }
    while (i < sorted.length) yield sorted[i++]!;
  }
  return { input: tree.input, label: tree.label, entries, close: () => tree.close() };
}

function regQuery(env: WindowsEnv): Promise<string | null> {
  // Full path: never run whatever `reg` comes first on PATH. /reg:64 reads the 64-bit view even
  // from a 32-bit node.exe, where the key would otherwise be redirected to WOW6432Node.
  const systemRoot = envValue(env, 'SystemRoot') ?? 'C:\\Windows';
  const reg = joinWindowsPath(systemRoot, 'System32', 'reg.exe');
  return new Promise((resolve) => {
    execFile(reg, ['query', EXCHANGE_SETUP_KEY, '/v', 'MsiInstallPath', '/reg:64'], { windowsHide: true, timeout: 15_000 }, (error, stdout) =>
      resolve(error ? null : stdout),
    );
  });
}

export interface LiveHostOptions {
  readonly onDiagnostic?: DiagnosticSink;
  /**
   * Overrides for tests: the platform, the environment (also given to wevtutil when set), the
   * registry query and the wevtutil program.
   */
  readonly platform?: NodeJS.Platform;
  readonly env?: WindowsEnv;
  readonly runRegQuery?: () => Promise<string | null>;
  readonly wevtutil?: string;
  /** Read the event log channels through wevtutil (default true). */
  readonly eventLogs?: boolean;
}

/**
 * Opens the live server this process runs on. Rejects with a UsageError anywhere but Windows:
 * there, a PATH to a collection is required. Without an Exchange install, reports
 * `exchange-not-found` and still reads the IIS and system folders and the event logs.
 */
export async function openLiveHostTree(options: LiveHostOptions = {}): Promise<InputTree> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'win32') {
    throw new UsageError(`a PATH is required: scanning the live host works only on a Windows Exchange server (this is ${platform})`);
  }
  const env = options.env ?? process.env;
  const onDiagnostic = options.onDiagnostic ?? (() => undefined);
  const installPath = await findExchangeInstallPath(env, options.runRegQuery ?? (() => regQuery(env)));
  if (installPath === null) {
    onDiagnostic({
      level: 'warning',
      code: 'exchange-not-found',
      message: `Exchange 2013 or later not found (no MsiInstallPath under ${EXCHANGE_SETUP_KEY}, no %ExchangeInstallPath%); only IIS and system folders are read`,
      path: '',
    });
  }
  const files = openMappedTree(planLiveRoots(installPath, env), { input: '', label: hostname(), onDiagnostic });
  if (options.eventLogs === false) return files;
  return withEntries(
    files,
    liveEventLogEntries(env, {
      onDiagnostic,
      ...(options.wevtutil !== undefined ? { command: options.wevtutil } : {}),
      ...(options.env !== undefined ? { childEnv: options.env } : {}),
    }),
  );
}
