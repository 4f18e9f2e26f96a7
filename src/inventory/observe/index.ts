/**
 * @module Turning each `exhunt inventory` argument into observations of servers:
 * - a build string, short or long (`15.1.2176.9`, `15.01.2176.009`, three parts for a CU only),
 *   optionally named: `EXCH01=15.1.2176.9`;
 * - a file: a PE file (ExSetup.exe itself), an Exchange log (its `#Version:` and build columns),
 *   or PowerShell output / a servers list as text, CSV or JSON (see tables.ts, from-rows.ts);
 * - a folder or zip: a triage collection (triage.ts).
 * Problems are diagnostics; an argument that is neither a build nor a readable path is an
 * InputError (exit code 2).
 */
import fsp from 'node:fs/promises';
import { basename } from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import { InputError } from '../../core/errors.js';
import { formatShort, parseBuild } from '../build.js';
import type { Observation } from '../types.js';
import { observationsFromTable } from './from-rows.js';
import { parseLogHead, SightingCollector } from './log-builds.js';
import { readPeVersion } from './pe-version.js';
import { parseTable } from './tables.js';
import { decodeText, looksLikeText } from './text.js';
import { observeTriage } from './triage.js';

export interface ObserveResult {
  readonly observations: Observation[];
  readonly diagnostics: Diagnostic[];
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;

function buildObservation(arg: string, host: string, text: string): Observation | null {
  const b = parseBuild(text);
  if (!b) return null;
  const exact = b.revision !== null;
  return {
    host,
    input: arg,
    build: b,
    confidence: exact ? 'exact' : 'cu-only',
    method: exact ? 'build-argument' : 'build-argument-cu',
    evidence: [{ source: 'argument', detail: arg }],
    history: [],
    posture: null,
    notes: exact ? [] : [`${formatShort(b)} names the CU line only: the SU cannot be told`],
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Observations from one argument. `host` names a bare build (default: the build itself). */
export async function observeArgument(arg: string, options: { host?: string } = {}): Promise<ObserveResult> {
  if (!(await exists(arg))) {
    const named = /^([^=\s]+)=(.+)$/.exec(arg);
    const direct = buildObservation(arg, options.host ?? arg, arg);
    if (direct) return { observations: [direct], diagnostics: [] };
    if (named) {
      const o = buildObservation(arg, named[1] ?? arg, named[2] ?? '');
      if (o) return { observations: [o], diagnostics: [] };
    }
    throw new InputError('not a build number (15.1.2176.9, 15.01.2176.009) nor an existing file or folder', { path: arg });
  }
  const stats = await fsp.stat(arg);
  if (stats.isDirectory()) return observeTriage(arg);
  if (stats.size > MAX_FILE_BYTES) throw new InputError(`file too large for an inventory input (${stats.size} bytes)`, { path: arg });
  const bytes = await fsp.readFile(arg);
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) return observeTriage(arg);
  const label = basename(arg);
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) {
    const info = readPeVersion(bytes);
    const b = info ? parseBuild(info.fileVersion) : null;
    if (!info || !b) throw new InputError('a Windows executable without a readable Exchange version resource', { path: arg });
    return {
      observations: [
        {
          host: options.host ?? label,
          input: arg,
          build: b,
          confidence: 'exact',
          method: 'exsetup-version-resource',
          evidence: [{ source: label, detail: `version resource FileVersion ${info.fileVersion}${info.strings.ProductName ? `, ${info.strings.ProductName}` : ''}` }],
          history: [],
          posture: null,
          notes: [],
        },
      ],
      diagnostics: [],
    };
  }
  const head = parseLogHead(bytes.subarray(0, 64 * 1024));
  if (head && head.builds.length > 0) {
    const c = new SightingCollector();
    for (const b of head.builds) c.add(label, head.logType, b);
    const history = c.sightings();
    const newest = [...history].sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))[0];
    return {
      observations: [
        {
          host: options.host ?? head.serverName ?? label,
          input: arg,
          build: newest ? parseBuild(newest.build) : null,
          confidence: 'inferred-from-logs',
          method: 'exchange-logs',
          evidence: history.map((h) => ({ source: label, detail: `${h.build} (${h.how.join(', ')}) first seen ${h.firstSeen ?? '?'}` })),
          history,
          posture: null,
          notes: ['Build inferred from a log header: collect Bin/ExSetup.exe for the exact build.'],
        },
      ],
      diagnostics: [],
    };
  }
  const text = decodeText(bytes);
  if (!looksLikeText(text)) throw new InputError('not a text, CSV or JSON file, an Exchange log, a PE file or a zip', { path: arg });
  const table = parseTable(text);
  const observations = observationsFromTable(table, arg, label, options.host ?? label);
  const diagnostics: Diagnostic[] = [];
  if (observations.length === 0) {
    diagnostics.push({ level: 'error', code: 'no-build', message: `no Exchange build found in ${table.format} content (expected FileVersion, AdminDisplayVersion or a name,build list)`, path: arg, input: arg });
  }
  return { observations, diagnostics };
}
