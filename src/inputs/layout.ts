/**
 * @module Layout: what each file of one host's tree is to exhunt, decided from paths alone.
 *
 * `detectLayout` finds the Exchange install folder and the drive folders once (anchors.ts), and
 * returns `classify`, which places a path, case-insensitively, by the first rule that fits:
 * 1. install logs: `<install>/Logging/HttpProxy/<Protocol>/**` (source `HttpProxy/<Protocol>`, the
 *    folder name as on disk), `<install>/Logging/ECP/Server/**` (`ECP Server`),
 *    `<install>/Logging/OABGeneratorLog/**` (`OAB Generator`);
 * 2. sweep zones (see placement.ts) below the install (`FrontEnd/HttpProxy/{owa,ecp}/auth`,
 *    `FrontEnd/HttpProxy/OAB`, `ClientAccess/OAB`) and below a drive folder
 *    (`inetpub/wwwroot[/aspnet_client]`, `root`, `Windows/Temp`, `ProgramData`); an `inetpub`
 *    folder at the top of a tree without drive folders counts as `%SystemDrive%\inetpub`;
 * 3. the same log folders anywhere else (logs an admin moved off the install, or a collector
 *    copied without it), and IIS logs: any `W3SVC<n>/*.log` (`IIS W3SVC<n>`). On Exchange,
 *    W3SVC1 is the front-end "Default Web Site" and W3SVC2 the "Exchange Back End" site;
 * 4. for files outside every drive folder and the install (loose logs): file-name hints,
 *    `HttpProxy_*.log`, `ECPServer*.log`, `OABGen*` or an `OABGeneratorLog` folder, `u_ex*.log`.
 * Anything else is null; the engine then sniffs its content.
 *
 * `windowsPath` of a swept file is its path on the server: from the drive folder when there is
 * one, `%ExchangeInstallPath%\...` for install files of a tree without a drive.
 */
import type { LogKind } from '../sources/source.js';
import { findAnchors, type DriveFolder } from './anchors.js';
import type { Placement, SweepZone } from './placement.js';

export interface Layout {
  /** Host root the layout was detected under ('' or a prefix ending in `/`). */
  readonly root: string;
  readonly drives: readonly DriveFolder[];
  /**
   * Windows form of the install folder with a trailing backslash
   * (`C:\Program Files\Microsoft\Exchange Server\V15\`); null when no install was found or its
   * drive is unknown (the tree is the install folder alone).
   */
  readonly exchangeInstall: string | null;
  /** Tree path of the install folder without trailing `/` ('' when it is the tree root), or null. */
  readonly installTreePrefix: string | null;
  /** Placement of a tree path, or null when its path says nothing. Case-insensitive. */
  classify(path: string): Placement | null;
  /** The path on the server of any file of the tree, as well as the layout tells it. */
  windowsPathOf(path: string): string;
}

/** Stands for the install folder when its location on the server is unknown. */
export const INSTALL_PLACEHOLDER = '%ExchangeInstallPath%\\';
const SYSTEM_DRIVE_PLACEHOLDER = '%SystemDrive%\\';

const W3SVC = /^w3svc(\d+)$/;

function log(kind: LogKind, source: string): Placement {
  return { type: 'log', kind, source };
}

function sweep(zone: SweepZone, windowsBase: string, segs: readonly string[]): Placement {
  return { type: 'sweep', zone, windowsPath: windowsBase + segs.join('\\') };
}

/** Exchange log folders, with `lower[at]` being the `Logging` folder. */
function logsBelowLogging(segs: readonly string[], lower: readonly string[], at: number): Placement | null {
  if (lower[at] !== 'logging') return null;
  const below = segs.length - at; // segments from `Logging` to the file name, inclusive
  if (lower[at + 1] === 'httpproxy' && below >= 4) return log('httpproxy', `HttpProxy/${segs[at + 2] ?? ''}`);
  if (lower[at + 1] === 'ecp' && lower[at + 2] === 'server' && below >= 4) return log('ecp', 'ECP Server');
  if (lower[at + 1] === 'oabgeneratorlog' && below >= 3) return log('oab', 'OAB Generator');
  return null;
}

/** Sweep zones relative to the install folder (`segs[0]` is its first child). */
function installZone(segs: readonly string[], lower: readonly string[], base: string): Placement | null {
  const n = segs.length;
  if (lower[0] === 'frontend' && lower[1] === 'httpproxy') {
    if (lower[2] === 'owa' && lower[3] === 'auth' && n >= 5) return sweep('owa-auth', base, segs);
    if (lower[2] === 'ecp' && lower[3] === 'auth' && n >= 5) return sweep('ecp-auth', base, segs);
    if (lower[2] === 'oab' && n >= 4) return sweep('oab', base, segs);
  }
  if (lower[0] === 'clientaccess' && lower[1] === 'oab' && n >= 3) return sweep('oab', base, segs);
  return null;
}

/** Sweep zones relative to a volume root (`segs[0]` is a top folder of the drive). */
function volumeZone(segs: readonly string[], lower: readonly string[], base: string): Placement | null {
  const n = segs.length;
  if (lower[0] === 'inetpub' && lower[1] === 'wwwroot' && n >= 3) {
    return sweep(lower[2] === 'aspnet_client' && n >= 4 ? 'aspnet-client' : 'wwwroot', base, segs);
  }
  if (lower[0] === 'root' && n >= 2) return sweep('staging', base, segs);
  if (lower[0] === 'windows' && lower[1] === 'temp' && n >= 3) return sweep('staging', base, segs);
  if (lower[0] === 'programdata' && n >= 2) return sweep('programdata', base, segs);
  return null;
}

function anywhereLog(segs: readonly string[], lower: readonly string[]): Placement | null {
  for (let i = 0; i < lower.length - 2; i++) {
    const found = logsBelowLogging(segs, lower, i);
    if (found) return found;
  }
  const n = lower.length;
  const site = n >= 2 ? W3SVC.exec(lower[n - 2] ?? '') : null;
  if (site && (lower[n - 1] ?? '').endsWith('.log')) return log('iis', `IIS W3SVC${site[1] ?? ''}`);
  return null;
}

function nameHint(segs: readonly string[], lower: readonly string[]): Placement | null {
  const name = lower.at(-1) ?? '';
  const parent = segs.length >= 2 ? (segs.at(-2) ?? '') : '';
  if (/^httpproxy_.*\.log$/.test(name)) {
    return log('httpproxy', parent !== '' && parent.toLowerCase() !== 'httpproxy' ? `HttpProxy/${parent}` : 'HttpProxy');
  }
  if (/^ecpserver.*\.log$/.test(name)) return log('ecp', 'ECP Server');
  if (name.startsWith('oabgen') || lower.slice(0, -1).includes('oabgeneratorlog')) return log('oab', 'OAB Generator');
  if (/^u_ex.*\.log$/.test(name)) return log('iis', 'IIS');
  return null;
}

function startsWithSegments(lower: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length < lower.length && prefix.every((s, i) => lower[i] === s);
}

/**
 * Detects the layout of the host whose files are `paths` (full tree paths, as the tree yields
 * them) below `root` ('' for the whole tree, or a host root from detectHosts).
 */
export function detectLayout(paths: readonly string[], root = ''): Layout {
  const { drives, installs } = findAnchors(paths, root);
  const driveByFolder = new Map(drives.map((d) => [d.folder, d.letter]));
  const install = installs[0]?.prefix ?? null;

  // Install segments relative to the root, for matching; '' (root is the install) → [].
  const rootFolder = root.replace(/\/$/, '');
  const installRel = install === null ? null : install === rootFolder ? [] : install.slice(root.length).split('/');
  const installLower = installRel?.map((s) => s.toLowerCase()) ?? null;

  let exchangeInstall: string | null = null;
  const installDrive = installRel?.[0] === undefined ? undefined : driveByFolder.get(installRel[0]);
  if (installRel && installDrive !== undefined) {
    exchangeInstall = `${installDrive}:\\${installRel.slice(1).map((s) => `${s}\\`).join('')}`;
  }
  const installBase = exchangeInstall ?? INSTALL_PLACEHOLDER;

  function classify(path: string): Placement | null {
    if (!path.startsWith(root)) return null;
    const segs = path.slice(root.length).split('/');
    const lower = segs.map((s) => s.toLowerCase());

    const inInstall = installLower !== null && startsWithSegments(lower, installLower);
    if (inInstall) {
      const n = installLower.length;
      const found = logsBelowLogging(segs.slice(n), lower.slice(n), 0) ?? installZone(segs.slice(n), lower.slice(n), installBase);
      if (found) return found;
    }

    const letter = driveByFolder.get(segs[0] ?? '');
    const onDrive = letter !== undefined && segs.length >= 2;
    if (onDrive) {
      const found = volumeZone(segs.slice(1), lower.slice(1), `${letter}:\\`);
      if (found) return found;
    } else if (drives.length === 0 && lower[0] === 'inetpub') {
      const found = volumeZone(segs, lower, SYSTEM_DRIVE_PLACEHOLDER);
      if (found) return found;
    }

    return anywhereLog(segs, lower) ?? (onDrive || inInstall ? null : nameHint(segs, lower));
  }

  function windowsPathOf(path: string): string {
    const segs = path.slice(path.startsWith(root) ? root.length : 0).split('/');
    const letter = driveByFolder.get(segs[0] ?? '');
    if (letter !== undefined && segs.length >= 2) return `${letter}:\\${segs.slice(1).join('\\')}`;
    if (installLower !== null && startsWithSegments(segs.map((s) => s.toLowerCase()), installLower)) {
      return installBase + segs.slice(installLower.length).join('\\');
    }
    return segs.join('\\');
  }

  return { root, drives, exchangeInstall, installTreePrefix: install, classify, windowsPathOf };
}
