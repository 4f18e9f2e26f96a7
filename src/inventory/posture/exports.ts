/**
 * @module Posture read from PowerShell exports a collector saved beside the files (text, CSV or
 * JSON, any of the forms tables.ts reads):
 * - Emergency Mitigation service: `Get-Service MSExchangeMitigation` (Status, StartType),
 *   `Get-ExchangeServer | fl MitigationsEnabled,MitigationsApplied,MitigationsBlocked`,
 *   `Get-OrganizationConfig | fl MitigationsEnabled` (HealthChecker: both settings true and the
 *   service running and automatic);
 * - `Get-SettingOverride` rows that switch off AMSI request filtering
 *   (`Cafe\HttpRequestFiltering Enabled=False`) or serialized data signing
 *   (`Data\EnableSerializationDataSigning Enabled=False`).
 */
import type { Evidence, PostureItem } from '../types.js';
import { field, type Row } from '../observe/tables.js';

export interface ExportRows {
  readonly path: string;
  readonly rows: readonly Row[];
}

function ev(path: string, row: Row, detail: string): Evidence {
  return { source: path, line: row.line, detail };
}

const isTrue = (v: string | undefined): boolean => v !== undefined && /^(true|1|\$true)$/i.test(v.trim());
const isFalse = (v: string | undefined): boolean => v !== undefined && /^(false|0|\$false)$/i.test(v.trim());

/** `host` limits Get-ExchangeServer rows to this server (short name or FQDN), when they name one. */
export function exportPosture(exports: readonly ExportRows[], host: string | null): PostureItem[] {
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  let serverEnabled: boolean | null = null;
  let orgEnabled: boolean | null = null;
  let running: boolean | null = null;
  let applied: string | null = null;
  const overrides: PostureItem[] = [];
  const short = host?.split('.')[0]?.toLowerCase() ?? null;

  for (const { path, rows } of exports) {
    for (const row of rows) {
      const name = field(row, 'Name', 'ServiceName');
      if (name !== undefined && /^MSExchangeMitigation$/i.test(name.trim())) {
        const status = field(row, 'Status') ?? '';
        const start = field(row, 'StartType') ?? field(row, 'StartMode') ?? '';
        running = /^running$/i.test(status.trim()) && (start === '' || /^auto/i.test(start.trim()));
        evidence.push(ev(path, row, `service MSExchangeMitigation Status=${status} StartType=${start}`));
        if (!running) problems.push(`service ${status || 'state unknown'}${start ? `/${start}` : ''}`);
        continue;
      }
      const enabled = field(row, 'MitigationsEnabled');
      if (enabled !== undefined) {
        const server = field(row, 'Name', 'Identity', 'Fqdn');
        const mine = server === undefined || short === null || server.split('.')[0]?.toLowerCase() === short;
        if (field(row, 'AdminDisplayVersion') !== undefined || field(row, 'MitigationsApplied') !== undefined) {
          if (!mine) continue;
          serverEnabled = isTrue(enabled) ? true : isFalse(enabled) ? false : serverEnabled;
          applied = field(row, 'MitigationsApplied') ?? applied;
          evidence.push(ev(path, row, `server MitigationsEnabled=${enabled}${applied ? ` MitigationsApplied=${applied}` : ''}`));
          if (isFalse(enabled)) problems.push('MitigationsEnabled is False on the server');
        } else {
          orgEnabled = isTrue(enabled) ? true : isFalse(enabled) ? false : orgEnabled;
          evidence.push(ev(path, row, `organization MitigationsEnabled=${enabled}`));
          if (isFalse(enabled)) problems.push('MitigationsEnabled is False for the organization');
        }
        continue;
      }
      const section = field(row, 'SectionName');
      const params = field(row, 'Parameters') ?? '';
      if (section !== undefined) {
        const component = field(row, 'ComponentName') ?? '';
        if (/^HttpRequestFiltering$/i.test(section) && /Enabled\s*=\s*False/i.test(params)) {
          overrides.push({
            id: 'amsi',
            title: 'AMSI request scanning disabled',
            state: 'absent',
            verdict: 'bad',
            detail: `SettingOverride ${component}\\${section} ${params} turns off AMSI scanning of requests (HealthChecker: AMSI Enabled)`,
            evidence: [ev(path, row, `SettingOverride ${field(row, 'Name') ?? ''}: ${component}\\${section} ${params}`)],
          });
        }
        if (/^EnableSerializationDataSigning$/i.test(section) && /Enabled\s*=\s*False/i.test(params)) {
          overrides.push({
            id: 'serialized-data-signing',
            title: 'Serialized data signing disabled',
            state: 'absent',
            verdict: 'bad',
            detail: `SettingOverride ${component}\\${section} ${params} turns off serialized data signing (CVE-2023-36050 family stays open)`,
            evidence: [ev(path, row, `SettingOverride ${field(row, 'Name') ?? ''}: ${component}\\${section} ${params}`)],
          });
        }
      }
    }
  }
  const items: PostureItem[] = [...overrides];
  if (evidence.length > 0) {
    const good = running !== false && serverEnabled !== false && orgEnabled !== false && (running === true || serverEnabled === true || orgEnabled === true);
    const complete = running !== null && (serverEnabled !== null || orgEnabled !== null);
    items.push({
      id: 'emergency-mitigation-service',
      title: 'Exchange Emergency Mitigation service',
      state: problems.length > 0 ? 'absent' : good && complete ? 'present' : 'partial',
      verdict: problems.length > 0 ? 'bad' : good ? 'good' : 'info',
      detail:
        problems.length > 0
          ? `not fully on: ${problems.join('; ')}`
          : `${good && complete ? 'on' : 'on as far as collected'}${applied ? `; mitigations applied: ${applied}` : ''} (exists from 2016 CU22 / 2019 CU11)`,
      evidence,
    });
  }
  return items;
}
