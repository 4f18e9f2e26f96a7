/**
 * @module Observations from rows of PowerShell output or a servers list: which field holds the
 * server's name, which its build, and how sure that build is.
 *
 * - `FileVersion`/`ProductVersion` (FileVersionInfo of ExSetup.exe, `Get-Command ExSetup.exe |
 *   ForEach-Object { $_.FileVersionInfo }`) or `FileMajorPart`…`FilePrivatePart`: the exact
 *   build, SU included;
 * - `AdminDisplayVersion` (`Get-ExchangeServer`): `Version 15.1 (Build 2176.2)` is the CU's build
 *   only; SUs do not change it, so exhunt says the SU cannot be told;
 * - a servers list (`name,build`): exact with four parts, CU-only with three.
 * `ExchangeVersion` (`0.1 (8.0.535.0)`, the object schema version) is never taken for a build.
 */
import { parseBuild, findBuild, type Build } from '../build.js';
import type { Confidence, Observation } from '../types.js';
import { field, type Row, type Table } from './tables.js';

const HOST_FIELDS = ['PSComputerName', 'ComputerName', 'Server', 'ServerName', 'Host', 'HostName', 'Fqdn', 'Name', 'Identity', 'Column1'];
const BUILD_FIELDS = ['Build', 'BuildNumber', 'ExchangeBuild', 'Version', 'ExSetupVersion', 'Column2'];

export interface RowObservation {
  readonly host: string | null;
  readonly build: Build;
  readonly confidence: Confidence;
  readonly method: string;
  readonly detail: string;
  readonly line: number;
}

function fromRow(row: Row): RowObservation | null {
  const host = HOST_FIELDS.map((f) => field(row, f)).find((v) => v !== undefined && v.trim() !== '' && parseBuild(v) === null)?.trim() ?? null;
  const fileName = field(row, 'FileName') ?? '';
  const isExSetup = fileName === '' || /exsetup\.exe$/i.test(fileName);
  for (const name of ['FileVersion', 'ProductVersion']) {
    const v = field(row, name);
    const b = v ? parseBuild(v) : null;
    if (b && b.revision !== null && isExSetup) return { host, build: b, confidence: 'exact', method: 'exsetup-fileversioninfo', detail: `${name} ${v?.trim() ?? ''}`, line: row.line };
  }
  const parts = ['FileMajorPart', 'FileMinorPart', 'FileBuildPart', 'FilePrivatePart'].map((f) => field(row, f));
  if (parts.every((p) => p !== undefined && /^\d+$/.test(p.trim())) && isExSetup) {
    const b = parseBuild(parts.map((p) => (p ?? '').trim()).join('.'));
    if (b) return { host, build: b, confidence: 'exact', method: 'exsetup-fileversioninfo', detail: `File*Part ${parts.join('.')}`, line: row.line };
  }
  const adv = field(row, 'AdminDisplayVersion');
  if (adv !== undefined) {
    const b = parseBuild(adv);
    if (b) return { host, build: b, confidence: 'cu-only', method: 'admin-display-version', detail: `AdminDisplayVersion ${adv.trim()}`, line: row.line };
  }
  for (const name of BUILD_FIELDS) {
    const v = field(row, name);
    const b = v ? parseBuild(v) : null;
    if (b) {
      const exact = b.revision !== null && !/\(Build/i.test(v ?? '');
      return { host, build: b, confidence: exact ? 'exact' : 'cu-only', method: exact ? 'servers-list' : 'servers-list-cu', detail: `${name} ${v?.trim() ?? ''}`, line: row.line };
    }
  }
  const text = field(row, 'Line');
  if (text !== undefined) {
    const b = findBuild(text);
    if (b) {
      const rest = text.replace(/\d+\.\d+\.\d+\.\d+/, ' ').replace(/[,;:\t]/g, ' ').trim().split(/\s+/)[0] ?? '';
      return { host: rest || null, build: b, confidence: 'exact', method: 'servers-list', detail: text.trim(), line: row.line };
    }
  }
  return null;
}

/**
 * One observation per row that has a build. `fallbackHost` names rows without a host field (a
 * FileVersionInfo export of one server).
 */
export function observationsFromTable(table: Table, input: string, sourceLabel: string, fallbackHost: string): Observation[] {
  const out: Observation[] = [];
  for (const row of table.rows) {
    const o = fromRow(row);
    if (!o) continue;
    const notes: string[] = [];
    if (o.method === 'admin-display-version') {
      notes.push('AdminDisplayVersion shows the CU only: security updates do not change it, so the SU cannot be told. Run `Get-Command ExSetup.exe | ForEach-Object { $_.FileVersionInfo }` on the server for the exact build.');
    }
    out.push({
      host: o.host ?? fallbackHost,
      input,
      build: o.build,
      confidence: o.confidence,
      method: o.method,
      evidence: [{ source: sourceLabel, line: o.line, detail: o.detail }],
      history: [],
      posture: null,
      notes,
    });
  }
  return out;
}
