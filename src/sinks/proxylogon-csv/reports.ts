/**
 * @module What Test-ProxyLogon.ps1 writes, as data: file name suffixes, CSV columns and where each
 * column's value comes from in a finding. Facts from `exchange-facts/test_proxylogon_output_files.csv`
 * and `test_proxylogon_checks.json` (CSS-Exchange Security/src/Test-ProxyLogon.ps1).
 */
import type { Finding } from '../../core/finding.js';
import type { Coverage } from '../../core/summary.js';

export interface Column {
  /** Header as Test-ProxyLogon writes it. */
  readonly name: string;
  /** Evidence keys to try, matched case-insensitively, first non-empty wins. */
  readonly from: readonly string[];
  /** Used when no evidence key has a value. */
  readonly fallback?: (f: Finding) => string | null;
}

export type ReportFile =
  | { readonly type: 'csv'; readonly report: string; readonly suffix: string; readonly columns: readonly Column[] }
  /** Plain text, one distinct value per line (Set-Content of a string array). */
  | { readonly type: 'log'; readonly report: string; readonly suffix: string; readonly line: (f: Finding, ev: (key: string) => string) => string };

/** The Import-Csv | Select-Object columns of the HttpProxy checks (26855 and 27065 ResetVDir). */
const HTTP_PROXY_COLUMNS: readonly Column[] = [
  { name: 'DateTime', from: ['DateTime'], fallback: (f) => f.time },
  { name: 'RequestId', from: ['RequestId'] },
  // Microsoft's scripts spell it ClientIPAddress; the log header says ClientIpAddress.
  { name: 'ClientIPAddress', from: ['ClientIPAddress'], fallback: (f) => f.clientIp },
  { name: 'UrlHost', from: ['UrlHost'] },
  { name: 'UrlStem', from: ['UrlStem'] },
  { name: 'RoutingHint', from: ['RoutingHint'] },
  { name: 'UserAgent', from: ['UserAgent'] },
  { name: 'AnchorMailbox', from: ['AnchorMailbox'] },
  { name: 'HttpStatus', from: ['HttpStatus'] },
];

/** The log file a finding came from, in the Windows form Test-ProxyLogon prints when known. */
function sourceFile(f: Finding, ev: (key: string) => string): string {
  return ev('WindowsPath') || f.source.path;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** In Test-ProxyLogon's order of checks. */
export const REPORT_FILES: readonly ReportFile[] = [
  { type: 'csv', report: 'Cve-2021-26855', suffix: 'Cve-2021-26855.csv', columns: HTTP_PROXY_COLUMNS },
  {
    type: 'csv',
    report: 'Cve-2021-26857',
    suffix: 'Cve-2021-26857.csv',
    columns: [
      { name: 'TimeCreated', from: ['TimeCreated'], fallback: (f) => f.time },
      { name: 'MachineName', from: ['MachineName', 'Computer'], fallback: (f) => f.host },
      { name: 'Message', from: ['Message'] },
    ],
  },
  { type: 'log', report: 'Cve-2021-26858', suffix: 'Cve-2021-26858.log', line: sourceFile },
  { type: 'log', report: 'Cve-2021-26858', suffix: 'Cve-2021-26858-DownloadPaths.log', line: (_f, ev) => ev('DownloadPath') },
  { type: 'log', report: 'Cve-2021-27065', suffix: 'Cve-2021-27065.log', line: sourceFile },
  { type: 'csv', report: 'Cve-2021-27065-ResetVDir', suffix: 'Cve-2021-27065-ResetVDir.csv', columns: HTTP_PROXY_COLUMNS },
  {
    type: 'csv',
    report: 'other',
    suffix: 'other.csv',
    columns: [
      { name: 'ComputerName', from: ['ComputerName'], fallback: (f) => f.host },
      { name: 'Type', from: ['Type'] },
      { name: 'Path', from: ['WindowsPath', 'Path'], fallback: (f) => f.source.path },
      { name: 'Name', from: ['Name'], fallback: (f) => baseName(f.evidence['WindowsPath'] ?? f.source.path) },
      // Test-ProxyLogon writes LastWriteTimeUtc under this name.
      { name: 'LastWrite', from: ['Modified', 'LastWrite', 'LastWriteTimeUtc'] },
    ],
  },
];

export const LOG_AGE_SUFFIX = 'LogAgeDays.csv';

/** LogAgeDays columns and the exhunt coverage label (compared case-insensitively) of each. */
export const LOG_AGE_COLUMNS: readonly (readonly [column: string, source: string])[] = [
  ['OabGen', 'OAB Generator'],
  ['Ecp', 'ECP Server'],
  ['AutoDProxy', 'HttpProxy/Autodiscover'],
  ['EasProxy', 'HttpProxy/Eas'],
  ['EcpProxy', 'HttpProxy/Ecp'],
  ['EwsProxy', 'HttpProxy/Ews'],
  ['MapiProxy', 'HttpProxy/Mapi'],
  ['OabProxy', 'HttpProxy/Oab'],
  ['OwaProxy', 'HttpProxy/Owa'],
  ['OwaCalendarProxy', 'HttpProxy/OwaCalendar'],
  ['PowershellProxy', 'HttpProxy/PowerShell'],
  ['RpcHttpProxy', 'HttpProxy/RpcHttp'],
];

/**
 * Days per LogAgeDays column, one decimal, empty when the source was not found (as
 * Test-ProxyLogon leaves it). Test-ProxyLogon measures the oldest file's age from now; exhunt
 * uses how many days the entries span, which is the same on a live server and still meaningful
 * for a triage copy scanned weeks later. Several coverage entries for one column: the longest.
 */
export function logAgeDays(coverage: readonly Coverage[]): string[] {
  return LOG_AGE_COLUMNS.map(([, source]) => {
    const want = source.toLowerCase();
    const days = coverage
      .filter((c) => c.source.replace(/\\/g, '/').toLowerCase() === want && c.days !== null)
      .map((c) => c.days ?? 0);
    return days.length > 0 ? Math.max(...days).toFixed(1) : '';
  });
}

/** Pattern of every file name this sink writes, to notice an earlier run's reports in the folder. */
export const REPORT_NAME = /-(Cve-2021-(26855|26857|27065-ResetVDir)\.csv|Cve-2021-(26858|26858-DownloadPaths|27065)\.log|other\.csv|LogAgeDays\.csv)$/i;
