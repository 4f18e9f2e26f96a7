/**
 * @module What each profile plants: log lines (with the stream and time they belong to) and
 * files, plus the decoys every log profile gets. This is the demo's story, in one place:
 *
 * 2021-03-03, from Volexity-listed addresses (volexity-threat-intel, Operation Exchange
 * Marauder indicators.csv) with the HAFNIUM user agents (MS HAFNIUM blog, via
 * exchange-facts/hafnium_user_agents.csv): SSRF through `/ecp/y.js` (CVE-2021-26855: the
 * Autodiscover step, the BackEndCookie variant against `/mapi/emsmdb`, `proxyLogon.ecp`, the
 * OAB virtual directory read), the OAB ExternalUrl set to a JScript `eval` (CVE-2021-27065) and
 * the directory reset that writes it to `aspnet_client\system_web\discover.aspx` (the OAB
 * generator logs the write: CVE-2021-26858), web shell use with AntSword, a second shell
 * `owa\auth\OutlookZH.aspx` (name from the MSTIC feed) used with a Baiduspider user agent, an
 * assembly loader in `ecp\auth\help.aspx`, lsass dumps and a staging archive. A scanner's
 * nmap-style localhost probe follows on 2021-03-06. Later waves hit the front end on their
 * historical dates: ProxyShell 2021-08-13, ProxyNotShell 2022-10-03, OWASSRF 2022-12-20, from
 * documentation addresses (192.0.2.0/24), which is why IIS W3SVC1 holds three days after the
 * Exchange logs end.
 *
 * `attempted` gets the items with `inAttempted`: the reconnaissance-only SSRF steps and the IIS
 * requests, with failing statuses.
 */
import type { Severity } from '../core/severity.js';
import type { RecordKind } from '../core/origin.js';
import { DAY } from './clock.js';
import type { TimeRange } from './clock.js';
import type { DemoContext } from './context.js';
import { ecpRow } from './ecp.js';
import type { HttpProxyExtras } from './httpproxy.js';
import { benignExtras, httpProxyRow } from './httpproxy.js';
import { cafeSuffix, iisRow } from './iis.js';
import { benignDownloadFailed, oabRow } from './oab.js';
import type { Rng } from './random.js';
import type { Protocol, Request } from './traffic.js';
import { benignRequest, ecpCanary } from './traffic.js';
import type { DemoProfile } from './types.js';
import { OAB_SCRIPT, base64Loader, chopperShell, fake7z, fakeMinidump, oabConfigDump } from './web-files.js';

export interface PlantedMeta {
  readonly id: string;
  readonly description: string;
  readonly expectRule: string;
  readonly expectedSeverityAtLeast: Severity;
  readonly cves: readonly string[];
  readonly match: string;
  readonly inAttempted: boolean;
}

export interface DecoyMeta {
  readonly id: string;
  readonly description: string;
  readonly match: string;
}

/** A line to place in a stream at a time. */
export interface LogEvent {
  /** Stream label (`HttpProxy/Ecp`, `IIS W3SVC1`...). */
  readonly stream: string;
  readonly kind: RecordKind;
  readonly time: number;
  readonly render: (rng: Rng) => string;
  readonly planted?: PlantedMeta;
  readonly decoy?: DecoyMeta;
}

export interface PlantedFile {
  readonly path: string;
  readonly content: Buffer;
  readonly mtime: number;
  readonly meta: PlantedMeta;
}

/** Addresses from volexity-threat-intel 2021-03-02 indicators.csv. */
const SSRF_IP = '103.77.192.219';
const SHELL_IP = '5.254.43.18';
const SCANNER_IP = '80.92.205.81';
/** Later waves: RFC 5737 documentation addresses, not indicators. */
const PROXYSHELL_IP = '192.0.2.41';
const PROXYNOTSHELL_IP = '192.0.2.87';
const OWASSRF_IP = '192.0.2.150';

const UA_PYTHON = 'python-requests/2.25.1';
const UA_EWS_TOOL = 'ExchangeServicesClient/0.0.0.0';
const UA_ANTSWORD = 'antSword/v2.1';
const UA_BAIDU = 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)';
const UA_NMAP = 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)';

const CVE_SSRF = ['CVE-2021-26855'];
const CVE_WRITE = ['CVE-2021-26855', 'CVE-2021-27065'];
const CVE_PROXYSHELL = ['CVE-2021-34473', 'CVE-2021-34523', 'CVE-2021-31207'];
const CVE_PROXYNOTSHELL = ['CVE-2022-41040', 'CVE-2022-41082'];
const CVE_OWASSRF = ['CVE-2022-41080', 'CVE-2022-41082'];

const at = (iso: string): number => Date.parse(iso);

interface SsrfRow {
  readonly protocol: Protocol;
  readonly time: number;
  readonly stem: string;
  readonly anchor: string;
  readonly cookie: string;
  readonly ua: string;
  readonly ip: string;
  readonly status: number;
  readonly method: string;
}

/** An HttpProxy row of an unauthenticated exploit request. */
function attackHttpProxyRow(ctx: DemoContext, rng: Rng, s: SsrfRow): string {
  const base = benignRequest(rng, ctx, s.protocol);
  const r: Request = {
    ...base,
    method: s.method,
    stem: s.stem,
    backEndStem: s.stem,
    query: '',
    action: '',
    authType: '',
    user: '',
    anchor: s.anchor,
    userAgent: s.ua,
    clientIp: s.ip,
    status: s.status,
    requestBytes: rng.range(200, 2400),
    responseBytes: rng.range(100, 9000),
    latency: rng.range(30, 900),
    databaseGuid: '',
    userGuid: '',
    proxied: true,
  };
  const x: HttpProxyExtras = {
    ...benignExtras(rng, ctx, r, s.time),
    clientRequestId: '',
    urlHost: ctx.mailHost,
    backEndCookie: s.cookie,
    routingType: s.cookie !== '' ? 'BackEndCookie' : 'ServerInfo',
    routingHint: s.cookie !== '' ? 'BackEndCookie' : 'AnchorMailboxHeader-ServerInfo',
    backEndStatus: String(s.status),
    errorCode: '',
  };
  return httpProxyRow(ctx, r, x, rng);
}

interface IisAttack {
  readonly time: number;
  readonly method: string;
  readonly stem: string;
  readonly query: string;
  readonly ip: string;
  readonly ua: string;
  readonly status: number;
  readonly user?: string;
}

function attackIisRow(ctx: DemoContext, rng: Rng, a: IisAttack): string {
  return iisRow({
    time: a.time,
    serverIp: ctx.serverIp,
    method: a.method,
    stem: a.stem,
    query: a.query + cafeSuffix(rng),
    port: 443,
    user: a.user ?? '',
    clientIp: a.ip,
    userAgent: a.ua,
    referer: '',
    status: a.status,
    substatus: 0,
    win32: 0,
    timeTaken: rng.range(15, 2200),
  });
}

/** `X-Rps-CAT` token shaped like ProxyShell's (version, type, user, SID, groups), base64. */
function rpsCat(ctx: DemoContext): string {
  const str = (tag: string, s: string): Buffer => Buffer.concat([Buffer.from(tag, 'ascii'), Buffer.from([s.length]), Buffer.from(s, 'ascii')]);
  const token = Buffer.concat([
    Buffer.from([0x56, 0x01, 0x00]),
    str('T', 'Windows'),
    Buffer.from([0x43, 0x00]),
    str('A', 'Kerberos'),
    str('L', `Administrator@${ctx.domain}`),
    str('U', `${ctx.domainSid}-500`),
    Buffer.from([0x47, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00]),
    str('', 'S-1-5-32-544'),
    Buffer.from([0x45, 0x00, 0x00, 0x00, 0x00]),
  ]);
  return encodeURIComponent(token.toString('base64'));
}

/** Planted and decoy log lines of a profile, in timeline order. */
export function logEvents(ctx: DemoContext, profile: DemoProfile, range: TimeRange): LogEvent[] {
  const events: LogEvent[] = [];
  const all = profile === 'compromised';
  const attempted = profile === 'attempted';
  const target = `a]@${ctx.fqdn}:444`;
  const add = (e: LogEvent): void => {
    if (e.planted && !(all || (attempted && e.planted.inAttempted))) return;
    events.push(e);
  };
  const hp = (stream: Protocol, meta: PlantedMeta, s: Omit<SsrfRow, 'protocol'>): void =>
    add({ stream: `HttpProxy/${stream}`, kind: 'httpproxy', time: s.time, planted: meta, render: (rng) => attackHttpProxyRow(ctx, rng, { ...s, protocol: stream }) });
  const iis = (meta: PlantedMeta, a: IisAttack): void => add({ stream: 'IIS W3SVC1', kind: 'iis', time: a.time, planted: meta, render: (rng) => attackIisRow(ctx, rng, a) });

  if (all || attempted) {
    // A fixed canary keeps the rendered lines independent of the noise generator.
    const canary = 'hqJ9wzF3W0ymUl2dGfU5kQxRZbJ7vKtCq8sE_1LrAoYp6nTgXhMiVcB4aDePjNyOu0sQkWfIxHlZ2.';
    hp('Autodiscover', { id: 'httpproxy-autodiscover-ssrf', description: 'SSRF to /autodiscover/autodiscover.xml through /ecp/y.js: the first ProxyLogon step; alone it means the attacker had no mailbox address', expectRule: 'ssrf-autodiscover', expectedSeverityAtLeast: 'low', cves: CVE_SSRF, match: `ServerInfo~${target}/autodiscover/autodiscover.xml?#`, inAttempted: true }, { time: at('2021-03-03T05:14:01.211Z'), stem: '/ecp/y.js', anchor: `ServerInfo~${target}/autodiscover/autodiscover.xml?#`, cookie: '', ua: UA_PYTHON, ip: SSRF_IP, status: 200, method: 'POST' });
    iis({ id: 'iis-ecp-y-js-post', description: 'POST to a one-letter .js under /ecp/ (SSRF request, MS HAFNIUM blog)', expectRule: 'iis-ssrf-post', expectedSeverityAtLeast: attempted ? 'low' : 'medium', cves: CVE_SSRF, match: 'POST /ecp/y.js', inAttempted: true }, { time: at('2021-03-03T05:13:58Z'), method: 'POST', stem: '/ecp/y.js', query: '', ip: SSRF_IP, ua: UA_PYTHON, status: attempted ? 404 : 200 });
    hp('Mapi', { id: 'httpproxy-mapi-backendcookie-ssrf', description: 'SSRF visible only in BackEndCookie (Server~.../mapi/emsmdb?~...), the variant of Microsoft\'s updated query', expectRule: 'ssrf-backendcookie', expectedSeverityAtLeast: 'high', cves: CVE_SSRF, match: `Server~${target}/mapi/emsmdb?~1942062522`, inAttempted: true }, { time: at('2021-03-03T05:14:06.482Z'), stem: '/ecp/y.js', anchor: '', cookie: `Server~${target}/mapi/emsmdb?~1942062522`, ua: UA_EWS_TOOL, ip: SSRF_IP, status: 200, method: 'POST' });
    hp('Ecp', { id: 'httpproxy-ecp-ssrf-proxylogon', description: 'SSRF to /ecp/proxyLogon.ecp (session established, status 241)', expectRule: 'ssrf-anchor', expectedSeverityAtLeast: 'high', cves: CVE_SSRF, match: `ServerInfo~${target}/ecp/proxyLogon.ecp?#`, inAttempted: false }, { time: at('2021-03-03T05:14:08.730Z'), stem: '/ecp/y.js', anchor: `ServerInfo~${target}/ecp/proxyLogon.ecp?#`, cookie: '', ua: UA_PYTHON, ip: SSRF_IP, status: 241, method: 'POST' });
    hp('Ecp', { id: 'httpproxy-ecp-ssrf-getobject', description: 'SSRF reading the OAB virtual directory through DDIService GetObject', expectRule: 'ssrf-anchor', expectedSeverityAtLeast: 'high', cves: CVE_SSRF, match: `ServerInfo~${target}/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory`, inAttempted: false }, { time: at('2021-03-03T05:14:10.118Z'), stem: '/ecp/y.js', anchor: `ServerInfo~${target}/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory&msExchEcpCanary=${canary}#`, cookie: '', ua: UA_EWS_TOOL, ip: SSRF_IP, status: 200, method: 'POST' });
    add({
      stream: 'ECP Server', kind: 'ecp', time: at('2021-03-03T05:14:12.406Z'),
      planted: { id: 'ecp-set-oab-vdir-script', description: 'Set-OabVirtualDirectory with a JScript eval in ExternalUrl (CVE-2021-27065; CISA AA21-062A CHIRP rule)', expectRule: 'ecp-set-vdir-script', expectedSeverityAtLeast: 'critical', cves: CVE_WRITE, match: "S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/<script", inAttempted: false },
      render: (rng) => ecpRow(ctx, { time: at('2021-03-03T05:14:12.406Z'), user: `${ctx.netbios}\\Administrator`, cmd: `Set-OabVirtualDirectory.ExternalUrl='http://f/${OAB_SCRIPT}'.Identity='${rng.guid()}'`, url: `/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&msExchEcpCanary=${canary}`, activityId: rng.guid(), sessionId: rng.guid(), elapsedMs: 311 }),
    });
    hp('Ecp', { id: 'httpproxy-ecp-ssrf-reset-vdir', description: 'SSRF resetting the OAB virtual directory (writes the shell; Test-ProxyLogon resetVDirHits)', expectRule: 'reset-vdir', expectedSeverityAtLeast: 'critical', cves: CVE_WRITE, match: `ServerInfo~${target}/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory`, inAttempted: false }, { time: at('2021-03-03T05:14:14.950Z'), stem: '/ecp/y.js', anchor: `ServerInfo~${target}/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=${canary}#`, cookie: '', ua: UA_EWS_TOOL, ip: SSRF_IP, status: 200, method: 'POST' });
    const unc = '\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\system_web\\discover.aspx';
    add({
      stream: 'OAB Generator', kind: 'oab', time: at('2021-03-03T05:14:15.602Z'),
      planted: { id: 'oab-download-unc', description: 'OAB download to a UNC path outside ClientAccess\\OAB (CVE-2021-26858)', expectRule: 'oab-download-outside', expectedSeverityAtLeast: 'high', cves: ['CVE-2021-26858'], match: `Download failed and temporary file '${unc}' needs to be removed`, inAttempted: false },
      render: () => oabRow(at('2021-03-03T05:14:15.602Z'), 37, 'Warning', `Download failed and temporary file '${unc}' needs to be removed`),
    });
    if (all) {
      add({
        stream: 'ECP Server', kind: 'ecp', time: at('2021-03-03T05:14:18.210Z'),
        decoy: { id: 'decoy-ecp-reset-oab-url', description: 'The attacker puts ExternalUrl back to a normal value: a Set-OabVirtualDirectory without markup, must not be flagged', match: `Set-OabVirtualDirectory.ExternalUrl='https://${ctx.mailHost}/OAB'` },
        render: (rng) => ecpRow(ctx, { time: at('2021-03-03T05:14:18.210Z'), user: `${ctx.netbios}\\Administrator`, cmd: `Set-OabVirtualDirectory.ExternalUrl='https://${ctx.mailHost}/OAB'.Identity='${rng.guid()}'`, url: `/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&msExchEcpCanary=${canary}`, activityId: rng.guid(), sessionId: rng.guid(), elapsedMs: 204 }),
      });
    }
    iis({ id: 'iis-ecp-default-flt-post', description: 'POST to /ecp/default.flt (SSRF request, MS HAFNIUM blog)', expectRule: 'iis-ssrf-post', expectedSeverityAtLeast: attempted ? 'low' : 'medium', cves: CVE_SSRF, match: 'POST /ecp/default.flt', inAttempted: true }, { time: at('2021-03-03T05:15:02Z'), method: 'POST', stem: '/ecp/default.flt', query: '', ip: SSRF_IP, ua: UA_PYTHON, status: attempted ? 400 : 200 });
    iis({ id: 'iis-ecp-main-css-post', description: 'POST to /ecp/main.css (SSRF request, MS HAFNIUM blog)', expectRule: 'iis-ssrf-post', expectedSeverityAtLeast: attempted ? 'low' : 'medium', cves: CVE_SSRF, match: 'POST /ecp/main.css', inAttempted: true }, { time: at('2021-03-03T05:15:05Z'), method: 'POST', stem: '/ecp/main.css', query: '', ip: SSRF_IP, ua: UA_PYTHON, status: attempted ? 404 : 200 });
    iis({ id: 'iis-webshell-antsword', description: 'AntSword POST to an .aspx in aspnet_client (web shell use)', expectRule: 'iis-webshell-post', expectedSeverityAtLeast: 'high', cves: [], match: 'POST /aspnet_client/system_web/discover.aspx', inAttempted: false }, { time: at('2021-03-03T05:16:40Z'), method: 'POST', stem: '/aspnet_client/system_web/discover.aspx', query: '', ip: SHELL_IP, ua: UA_ANTSWORD, status: 200 });
    const local = `${ctx.installWin}FrontEnd\\HttpProxy\\owa\\auth\\OutlookZH.aspx`;
    add({
      stream: 'OAB Generator', kind: 'oab', time: at('2021-03-03T05:41:12.077Z'),
      planted: { id: 'oab-download-local', description: 'OAB download to owa\\auth, outside ClientAccess\\OAB (CVE-2021-26858)', expectRule: 'oab-download-outside', expectedSeverityAtLeast: 'high', cves: ['CVE-2021-26858'], match: `Download failed and temporary file '${local}' needs to be removed`, inAttempted: false },
      render: () => oabRow(at('2021-03-03T05:41:12.077Z'), 41, 'Warning', `Download failed and temporary file '${local}' needs to be removed`),
    });
    iis({ id: 'iis-webshell-baiduspider', description: 'POST to an .aspx in owa/auth with a crawler user agent (MS HAFNIUM blog)', expectRule: 'iis-webshell-post', expectedSeverityAtLeast: 'high', cves: [], match: 'POST /owa/auth/OutlookZH.aspx', inAttempted: false }, { time: at('2021-03-03T05:43:30Z'), method: 'POST', stem: '/owa/auth/OutlookZH.aspx', query: '', ip: SHELL_IP, ua: UA_BAIDU, status: 200 });
    hp('Owa', { id: 'httpproxy-owa-localhost-probe', description: 'nmap NSE-style probe: ServerInfo~localhost via /owa/auth/x.js (scanner; Test-ProxyLogon ignores it)', expectRule: 'ssrf-localhost', expectedSeverityAtLeast: 'info', cves: CVE_SSRF, match: 'ServerInfo~localhost/owa/auth/logon.aspx?~3', inAttempted: true }, { time: at('2021-03-06T09:12:44.318Z'), stem: '/owa/auth/x.js', anchor: 'ServerInfo~localhost/owa/auth/logon.aspx?~3', cookie: '', ua: UA_NMAP, ip: SCANNER_IP, status: 500, method: 'GET' });

    const psQuery = '@evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.corp';
    iis({ id: 'iis-proxyshell-nspi', description: 'ProxyShell path confusion reaching /mapi/nspi through autodiscover.json', expectRule: 'proxyshell', expectedSeverityAtLeast: attempted ? 'low' : 'high', cves: CVE_PROXYSHELL, match: psQuery, inAttempted: true }, { time: at('2021-08-13T14:22:31Z'), method: 'GET', stem: '/autodiscover/autodiscover.json', query: psQuery, ip: PROXYSHELL_IP, ua: 'python-requests/2.26.0', status: attempted ? 404 : 200 });
    const psPowershell = `@evil.corp/powershell/?X-Rps-CAT=${rpsCat(ctx)}&Email=autodiscover/autodiscover.json%3F@evil.corp`;
    iis({ id: 'iis-proxyshell-powershell', description: 'ProxyShell remote PowerShell with an X-Rps-CAT token through autodiscover.json', expectRule: 'proxyshell', expectedSeverityAtLeast: attempted ? 'low' : 'high', cves: CVE_PROXYSHELL, match: '@evil.corp/powershell/?X-Rps-CAT=', inAttempted: true }, { time: at('2021-08-13T14:22:40Z'), method: 'POST', stem: '/autodiscover/autodiscover.json', query: psPowershell, ip: PROXYSHELL_IP, ua: 'python-requests/2.26.0', status: attempted ? 404 : 200 });
    const pnsQuery = '@evil.corp/owa/&Email=autodiscover/autodiscover.json%3F@evil.corp&Protocol=XYZ&FooProtocol=Powershell';
    iis({ id: 'iis-proxynotshell', description: 'ProxyNotShell autodiscover.json request reaching remote PowerShell (Protocol=XYZ&FooProtocol=Powershell)', expectRule: 'proxynotshell', expectedSeverityAtLeast: attempted ? 'low' : 'high', cves: CVE_PROXYNOTSHELL, match: pnsQuery, inAttempted: true }, { time: at('2022-10-03T09:41:07Z'), method: 'POST', stem: '/autodiscover/autodiscover.json', query: pnsQuery, ip: PROXYNOTSHELL_IP, ua: 'python-requests/2.28.1', status: attempted ? 401 : 200 });
    iis({ id: 'iis-owassrf', description: 'OWASSRF: remote PowerShell through an OWA path with a mailbox address', expectRule: 'owassrf', expectedSeverityAtLeast: attempted ? 'low' : 'high', cves: CVE_OWASSRF, match: 'POST /owa/mastermailbox%40outlook.com/powershell', inAttempted: true }, { time: at('2022-12-20T21:03:55Z'), method: 'POST', stem: '/owa/mastermailbox%40outlook.com/powershell', query: '', ip: OWASSRF_IP, ua: 'python-requests/2.28.1', status: attempted ? 401 : 200, user: attempted ? '' : `${ctx.netbios}\\${ctx.users[7]?.sam ?? 'user'}` });
  }

  // Decoys in every profile with logs: look suspicious, are benign.
  const d = range.from + 20 * DAY;
  const admin = `${ctx.netbios}\\${ctx.admins[0] ?? 'exadmin'}`;
  add({
    stream: 'ECP Server', kind: 'ecp', time: d + 10 * 3_600_000 + 22 * 60_000 + 5_000,
    decoy: { id: 'decoy-ecp-set-owa-vdir', description: 'An administrator sets OWA URLs: Set-*VirtualDirectory without markup (flagged by Test-ProxyLogon before 2021-03-18)', match: `Set-OwaVirtualDirectory.Identity='${ctx.host}\\owa (Default Web Site)'` },
    render: (rng) => ecpRow(ctx, { time: d + 10 * 3_600_000 + 22 * 60_000 + 5_000, user: admin, cmd: `Set-OwaVirtualDirectory.Identity='${ctx.host}\\owa (Default Web Site)'.ExternalUrl='https://${ctx.mailHost}/owa'.InternalUrl='https://${ctx.fqdn}/owa'`, url: `/ecp/DDI/DDIService.svc/SetObject?schema=VirtualDirectory&msExchEcpCanary=${ecpCanary(rng)}`, activityId: rng.guid(), sessionId: rng.guid(), elapsedMs: 950 }),
  });
  add({
    stream: 'OAB Generator', kind: 'oab', time: d + 2 * 3_600_000 + 31_000,
    decoy: { id: 'decoy-oab-download-inside', description: "OAB 'Download failed' for a temporary file inside ClientAccess\\OAB (benign since Test-ProxyLogon 2021-03-18)", match: `Download failed and temporary file '${ctx.installWin}ClientAccess\\OAB\\` },
    render: (rng) => oabRow(d + 2 * 3_600_000 + 31_000, 12, 'Warning', benignDownloadFailed(ctx, rng)),
  });
  const u = ctx.users[3]!;
  add({
    stream: 'IIS W3SVC1', kind: 'iis', time: d + DAY + 8 * 3_600_000 + 3 * 60_000 + 12_000,
    decoy: { id: 'decoy-iis-autodiscover-json-v1', description: 'Outlook mobile autodiscover.json/v1.0/<address> lookup: autodiscover.json with @, not ProxyShell', match: `GET /autodiscover/autodiscover.json/v1.0/${u.upn}` },
    render: (rng) => iisRow({ time: d + DAY + 8 * 3_600_000 + 3 * 60_000 + 12_000, serverIp: ctx.serverIp, method: 'GET', stem: `/autodiscover/autodiscover.json/v1.0/${u.upn}`, query: `Protocol=ActiveSync&RedirectCount=1${cafeSuffix(rng)}`, port: 443, user: '', clientIp: u.remoteIp, userAgent: 'Outlook-iOS/709.2226530.prod.iphone (4.2109.0)', referer: '', status: 200, substatus: 0, win32: 0, timeTaken: 46 }),
  });
  add({
    stream: 'IIS W3SVC1', kind: 'iis', time: d + DAY + 8 * 3_600_000 + 4 * 60_000 + 40_000,
    decoy: { id: 'decoy-iis-ecp-js-get', description: 'GET of a script of the control panel: a .js under /ecp/, but a GET by a signed-in user', match: `GET /ecp/${ctx.build.short}/scripts/common.js` },
    render: (rng) => iisRow({ time: d + DAY + 8 * 3_600_000 + 4 * 60_000 + 40_000, serverIp: ctx.serverIp, method: 'GET', stem: `/ecp/${ctx.build.short}/scripts/common.js`, query: cafeSuffix(rng).slice(1), port: 443, user: admin, clientIp: '10.10.5.21', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.82 Safari/537.36', referer: `https://${ctx.mailHost}/ecp/`, status: 200, substatus: 0, win32: 0, timeTaken: 15 }),
  });
  add({
    stream: 'HttpProxy/Ews', kind: 'httpproxy', time: d + DAY + 9 * 3_600_000 + 10 * 60_000,
    decoy: { id: 'decoy-httpproxy-ews-managed-api', description: 'EWS Managed API client (ExchangeServicesClient/15.00.0913.015), not the HAFNIUM ExchangeServicesClient/0.0.0.0', match: 'ExchangeServicesClient/15.00.0913.015' },
    render: (rng) => {
      const r: Request = { ...benignRequest(rng, ctx, 'Ews'), userAgent: 'ExchangeServicesClient/15.00.0913.015', status: 200, user: `${ctx.netbios}\\svc.crm`, anchor: `Smtp~svc.crm@${ctx.domain}`, proxied: true, clientIp: '10.10.5.40' };
      return httpProxyRow(ctx, r, benignExtras(rng, ctx, r, d + DAY + 9 * 3_600_000 + 10 * 60_000), rng);
    },
  });
  return events.sort((a, b) => a.time - b.time);
}

/** Files planted by the `compromised` profile. */
export function plantedFiles(ctx: DemoContext, profile: DemoProfile): PlantedFile[] {
  if (profile !== 'compromised') return [];
  const http = `${ctx.installRel}/FrontEnd/HttpProxy`;
  return [
    {
      path: 'C/inetpub/wwwroot/aspnet_client/system_web/discover.aspx', content: Buffer.from(chopperShell(), 'ascii'), mtime: at('2021-03-03T05:14:15Z'),
      meta: { id: 'file-chopper-discover', description: 'China Chopper one-liner in aspnet_client\\system_web', expectRule: 'file-chopper', expectedSeverityAtLeast: 'critical', cves: CVE_WRITE, match: 'eval(Request.Item["Ananas"],"unsafe")', inAttempted: false },
    },
    {
      path: `${http}/owa/auth/OutlookZH.aspx`, content: Buffer.from(oabConfigDump(ctx), 'ascii'), mtime: at('2021-03-03T05:41:12Z'),
      meta: { id: 'file-oab-dump-outlookzh', description: 'OAB virtual directory dump with a JScript eval in ExternalUrl, in owa\\auth (name from the MSTIC feed)', expectRule: 'file-oab-dump', expectedSeverityAtLeast: 'critical', cves: CVE_WRITE, match: `http://f/${OAB_SCRIPT}`, inAttempted: false },
    },
    {
      path: `${http}/ecp/auth/help.aspx`, content: Buffer.from(base64Loader(), 'ascii'), mtime: at('2021-03-03T06:02:51Z'),
      meta: { id: 'file-b64-loader-help', description: 'Page loading a base64 .NET assembly, in ecp\\auth (only TimeoutLogoff.aspx belongs there; help.aspx is a HAFNIUM shell name)', expectRule: 'file-b64-loader', expectedSeverityAtLeast: 'high', cves: [], match: 'System.Reflection.Assembly.Load(Convert.FromBase64String("TVqQ', inAttempted: false },
    },
    {
      path: 'C/root/lsass.dmp', content: fakeMinidump(4096), mtime: at('2021-03-03T07:11:09Z'),
      meta: { id: 'file-lsass-dump-root', description: 'lsass memory dump in C:\\root (Test-ProxyLogon LsassDump)', expectRule: 'lsass-dump', expectedSeverityAtLeast: 'high', cves: [], match: 'MDMP', inAttempted: false },
    },
    {
      path: 'C/Windows/Temp/lsass_3112.dmp', content: fakeMinidump(6144), mtime: at('2021-03-03T07:12:44Z'),
      meta: { id: 'file-lsass-dump-temp', description: 'lsass memory dump in %WINDIR%\\Temp (Test-ProxyLogon LsassDump)', expectRule: 'lsass-dump', expectedSeverityAtLeast: 'high', cves: [], match: 'MDMP', inAttempted: false },
    },
    {
      path: 'C/ProgramData/VSPerfMon/ProgramData.7z', content: fake7z(), mtime: at('2021-03-03T07:30:02Z'),
      meta: { id: 'file-staging-archive', description: '7-Zip archive (signature 37 7A BC AF 27 1C) in ProgramData (Test-ProxyLogon SuspiciousArchive; staging for exfiltration)', expectRule: 'staging-archive', expectedSeverityAtLeast: 'low', cves: [], match: '7z', inAttempted: false },
    },
  ];
}
