/**
 * @module Benign client traffic: one simulated request at a time (OWA, EWS, MAPI, ActiveSync,
 * Autodiscover, RPC over HTTP, ECP, OAB, remote PowerShell, published calendars), independent of
 * the log it ends up in. The HttpProxy and IIS templates format these requests as rows.
 *
 * Decoys that a careless rule would flag live here on purpose: GETs of ECP `.js` resources,
 * Outlook mobile's `/autodiscover/autodiscover.json/v1.0/<user>@...` lookups, the EWS Managed
 * API user agent `ExchangeServicesClient/15.00.0913.015`, unauthenticated OWA logon pages.
 */
import type { DemoContext, DemoUser } from './context.js';
import type { Rng } from './random.js';
import { WeightedTable } from './random.js';

export const PROTOCOLS = ['Owa', 'Ews', 'Mapi', 'Eas', 'Autodiscover', 'RpcHttp', 'Ecp', 'Oab', 'PowerShell', 'OwaCalendar'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface Request {
  readonly protocol: Protocol;
  readonly method: string;
  /** Path as the client sent it (front end). */
  readonly stem: string;
  /** Path on the back-end site (port 444). */
  readonly backEndStem: string;
  /** Query without the leading `?`; '' when none. */
  readonly query: string;
  readonly action: string;
  readonly authType: string;
  /** `CONTOSO\sam`, a UPN, or '' when unauthenticated. */
  readonly user: string;
  readonly anchor: string;
  readonly userAgent: string;
  readonly clientIp: string;
  readonly status: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** Milliseconds. */
  readonly latency: number;
  readonly databaseGuid: string;
  readonly userGuid: string;
  /** True when the request went on to a back end (false for 401 challenges, static files). */
  readonly proxied: boolean;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.82 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.90 Safari/537.36 Edg/89.0.774.57',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:86.0) Gecko/20100101 Firefox/86.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0.3 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
];
const OUTLOOK = [
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13801; Pro)',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13628; Pro)',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.5122; Pro)',
  'Microsoft Office/15.0 (Windows NT 6.1; Microsoft Outlook 15.0.5319; Pro)',
];
const MAC_OUTLOOK = 'MacOutlook/16.46.21021202 (Intelx64 Mac OS X 10.15.7 (Build 19H524))';
const EWS_API = 'ExchangeServicesClient/15.00.0913.015';
const MOBILE = [
  'Apple-iPhone12C1/1803.126',
  'Apple-iPhone11C8/1804.120',
  'Apple-iPad8C1/1803.126',
  'Android-SAMSUNG-SM-G991B/101.100',
  'Outlook-iOS/709.2226530.prod.iphone (4.2109.0)',
  'Outlook-Android/2.0',
];
const PROBE_UA = 'AMProbe/Local/ClientAccess';

const OWA_ACTIONS = ['GetItem', 'FindItem', 'FindConversation', 'GetConversationItems', 'CreateItem', 'UpdateItem', 'GetFolderMruConfiguration', 'GetOwaUserConfiguration', 'SubscribeToNotification', 'GetAttachmentDownloadToken'];
const EWS_ACTIONS = ['GetFolder', 'FindItem', 'SyncFolderItems', 'SyncFolderHierarchy', 'GetItem', 'GetUserAvailability', 'GetStreamingEvents', 'Subscribe', 'GetUserOofSettings', 'ConvertId'];
const MAPI_ACTIONS = ['Execute', 'Execute', 'Execute', 'NotificationWait', 'NotificationWait', 'Connect', 'Disconnect', 'PING'];
const NSPI_ACTIONS = ['Bind', 'QueryRows', 'GetMatches', 'DNToMId', 'ResolveNames', 'Unbind'];
const EAS_COMMANDS = ['Ping', 'Ping', 'Sync', 'Sync', 'Sync', 'FolderSync', 'ItemOperations', 'SendMail', 'Settings', 'GetItemEstimate'];
/** ActiveSync device type and the user agents such a device sends. */
const EAS_DEVICES: readonly (readonly [string, readonly string[]])[] = [
  ['iPhone', ['Apple-iPhone12C1/1803.126', 'Apple-iPhone11C8/1804.120']],
  ['iPad', ['Apple-iPad8C1/1803.126']],
  ['Android', ['Android-SAMSUNG-SM-G991B/101.100']],
  ['Outlook', ['Outlook-iOS-Android/1.0']],
];
const ECP_SCHEMAS = ['MailboxService', 'RecipientService', 'DistributionGroupService', 'MessageTrace', 'InboxRules', 'OrgConfigurationService', 'ServerService'];

export const PROTOCOL_WEIGHTS: Readonly<Record<Protocol, number>> = {
  Owa: 0.16,
  Ews: 0.19,
  Mapi: 0.23,
  Eas: 0.13,
  Autodiscover: 0.11,
  RpcHttp: 0.05,
  Ecp: 0.05,
  Oab: 0.03,
  PowerShell: 0.03,
  OwaCalendar: 0.02,
};

const PROTOCOL_TABLE = new WeightedTable<Protocol>(PROTOCOLS.map((p) => [p, PROTOCOL_WEIGHTS[p]] as const));

/** Picks a protocol in proportion to its share of traffic. */
export function randomProtocol(rng: Rng): Protocol {
  return PROTOCOL_TABLE.sample(rng);
}

/** `msExchEcpCanary`-shaped token: 75 URL-safe characters and a dot. */
export function ecpCanary(rng: Rng): string {
  return `${rng.alnum(43)}_${rng.alnum(31)}.`;
}

interface Draft {
  method: string;
  stem: string;
  backEndStem?: string;
  query: string;
  action: string;
  authType: string;
  ua: string;
  status?: number;
  anonymous?: boolean;
  remote?: boolean;
  admin?: boolean;
  bytesIn?: number;
  bytesOut?: number;
  latency?: number;
}

function draft(rng: Rng, ctx: DemoContext, protocol: Protocol, u: DemoUser): Draft {
  switch (protocol) {
    case 'Owa': {
      const r = rng.next();
      if (r < 0.62) {
        const action = rng.pick(OWA_ACTIONS);
        return { method: 'POST', stem: '/owa/service.svc', query: `action=${action}&EP=1&ID=-${rng.range(1, 80)}&AC=1`, action, authType: 'Negotiate', ua: rng.pick(BROWSERS), bytesOut: rng.range(800, 60000) };
      }
      if (r < 0.8)
        return { method: 'POST', stem: '/owa/ev.owa2', query: `ns=PendingRequest&ev=PendingNotificationRequest&UA=0&cid=${rng.guid()}`, action: 'PendingNotificationRequest', authType: 'Negotiate', ua: rng.pick(BROWSERS), latency: rng.range(20000, 120000) };
      if (r < 0.86) return { method: 'GET', stem: '/owa/', query: '', action: '', authType: 'Negotiate', ua: rng.pick(BROWSERS), bytesOut: rng.range(40000, 90000) };
      if (r < 0.9) return { method: 'GET', stem: '/owa/sessiondata.ashx', query: 'appcacheclient=0', action: 'SessionData', authType: 'Negotiate', ua: rng.pick(BROWSERS) };
      if (r < 0.95)
        return { method: 'GET', stem: '/owa/auth/logon.aspx', query: `url=https%3a%2f%2f${ctx.mailHost}%2fowa%2f&reason=0`, action: '', authType: '', ua: rng.pick(BROWSERS), anonymous: true, remote: true, bytesOut: rng.range(9000, 12000) };
      return { method: 'POST', stem: '/owa/auth.owa', query: '', action: '', authType: '', ua: rng.pick(BROWSERS), status: 302, anonymous: true, remote: true };
    }
    case 'Ews': {
      const action = rng.pick(EWS_ACTIONS);
      const ua = rng.chance(0.06) ? EWS_API : rng.chance(0.2) ? MAC_OUTLOOK : rng.pick(OUTLOOK);
      if (rng.chance(0.08)) return { method: 'POST', stem: '/EWS/Exchange.asmx', query: '', action: '', authType: '', ua, status: 401, anonymous: true, bytesOut: 0 };
      return { method: 'POST', stem: '/EWS/Exchange.asmx', query: '', action, authType: 'Negotiate', ua, latency: action === 'GetStreamingEvents' ? rng.range(30000, 1800000) : undefined };
    }
    case 'Mapi': {
      const nspi = rng.chance(0.15);
      const action = nspi ? rng.pick(NSPI_ACTIONS) : rng.pick(MAPI_ACTIONS);
      const stem = nspi ? '/mapi/nspi/' : '/mapi/emsmdb/';
      return { method: 'POST', stem, query: `MailboxId=${u.mailboxGuid}@${ctx.domain}`, action, authType: 'Negotiate', ua: rng.pick(OUTLOOK), latency: action === 'NotificationWait' ? rng.range(60000, 900000) : undefined };
    }
    case 'Eas': {
      const cmd = rng.pick(EAS_COMMANDS);
      const [dev, uas] = rng.pick(EAS_DEVICES);
      return {
        method: rng.chance(0.03) ? 'OPTIONS' : 'POST',
        stem: '/Microsoft-Server-ActiveSync/default.eas',
        backEndStem: '/Microsoft-Server-ActiveSync/Proxy/default.eas',
        query: `Cmd=${cmd}&User=${u.sam}&DeviceId=${dev.toUpperCase()}${u.mailboxGuid.slice(0, 8).toUpperCase()}&DeviceType=${dev}`,
        action: cmd,
        authType: 'Basic',
        ua: rng.pick(uas),
        remote: true,
        latency: cmd === 'Ping' ? rng.range(400000, 900000) : undefined,
      };
    }
    case 'Autodiscover': {
      const r = rng.next();
      if (r < 0.55) return { method: 'POST', stem: '/Autodiscover/Autodiscover.xml', query: '', action: '', authType: 'Negotiate', ua: rng.pick(OUTLOOK) };
      if (r < 0.8)
        return { method: 'GET', stem: `/autodiscover/autodiscover.json/v1.0/${u.upn}`, query: `Protocol=${rng.chance(0.5) ? 'ActiveSync' : 'Rest'}&RedirectCount=1`, action: '', authType: '', ua: rng.pick(MOBILE), anonymous: true, remote: true };
      if (r < 0.9) return { method: 'POST', stem: '/autodiscover/autodiscover.svc', query: '', action: 'GetUserSettings', authType: 'Negotiate', ua: rng.pick(OUTLOOK) };
      return { method: 'POST', stem: '/Autodiscover/Autodiscover.xml', query: '', action: '', authType: '', ua: rng.pick(OUTLOOK), status: 401, anonymous: true, bytesOut: 0 };
    }
    case 'RpcHttp':
      return { method: rng.chance(0.5) ? 'RPC_IN_DATA' : 'RPC_OUT_DATA', stem: '/rpc/rpcproxy.dll', query: `${u.mailboxGuid}@${ctx.domain}:6001`, action: '', authType: 'NTLM', ua: 'MSRPC', latency: rng.range(100000, 3600000) };
    case 'Ecp': {
      if (rng.chance(0.45)) {
        const schema = rng.pick(ECP_SCHEMAS);
        return { method: 'POST', stem: '/ecp/DDI/DDIService.svc/GetList', query: `schema=${schema}&msExchEcpCanary=${ecpCanary(rng)}`, action: 'GetList', authType: 'Negotiate', ua: rng.pick(BROWSERS), admin: true };
      }
      if (rng.chance(0.4))
        return { method: 'GET', stem: `/ecp/${ctx.build.short}/scripts/${rng.pick(['common.js', 'microsoftajax.js', 'wizard.js', 'rulesEditor.js'])}`, query: '', action: '', authType: 'Negotiate', ua: rng.pick(BROWSERS) };
      return { method: 'GET', stem: rng.pick(['/ecp/', '/ecp/PersonalSettings/HomePage.aspx', '/ecp/Organize/InboxRules.slab', '/ecp/?rfr=owa']), query: '', action: '', authType: 'Negotiate', ua: rng.pick(BROWSERS) };
    }
    case 'Oab': {
      const file = rng.chance(0.7) ? 'oab.xml' : `${rng.guid()}-data-${rng.range(1, 120)}.lzx`;
      return { method: 'GET', stem: `/OAB/${ctx.oabGuid}/${file}`, query: '', action: '', authType: 'Negotiate', ua: rng.pick(OUTLOOK), status: rng.chance(0.3) ? 304 : 200 };
    }
    case 'PowerShell':
      return {
        method: 'POST',
        stem: '/powershell',
        query: `serializationLevel=Full;ExchClientVer=${ctx.build.short};clientApplication=ManagementShell;TargetServer=;PSVersion=5.1.14393.4467`,
        action: '',
        authType: 'Kerberos',
        ua: 'Microsoft WinRM Client',
        admin: true,
      };
    case 'OwaCalendar':
      return {
        method: 'GET',
        stem: `/owa/calendar/${u.mailboxGuid.replace(/-/g, '')}@contoso.com/${rng.hex(16)}/${rng.chance(0.7) ? 'reachcalendar.ics' : 'calendar.html'}`,
        query: '',
        action: '',
        authType: '',
        ua: rng.chance(0.6) ? 'Google-Calendar-Importer' : rng.pick(BROWSERS),
        anonymous: true,
        remote: true,
      };
  }
}

/** One benign request of `protocol` at some time (the caller owns the time). */
export function benignRequest(rng: Rng, ctx: DemoContext, protocol: Protocol): Request {
  // About 2% of requests are Managed Availability probes from the server itself.
  if (protocol !== 'OwaCalendar' && protocol !== 'PowerShell' && rng.chance(0.02)) return probeRequest(rng, ctx, protocol);
  const u = rng.pick(ctx.users);
  const d = draft(rng, ctx, protocol, u);
  const status = d.status ?? (rng.chance(0.01) ? rng.pick([400, 404, 500, 503]) : 200);
  const admin = d.admin === true;
  const sam = admin ? rng.pick(ctx.admins) : u.sam;
  const user = d.anonymous ? '' : protocol === 'Eas' || protocol === 'OwaCalendar' ? u.upn : `${ctx.netbios}\\${sam}`;
  const ip = admin ? `10.10.5.${21 + rng.int(4)}` : d.remote || (protocol === 'Mapi' && rng.chance(0.15)) ? u.remoteIp : u.desktopIp;
  return {
    protocol,
    method: d.method,
    stem: d.stem,
    backEndStem: d.backEndStem ?? d.stem,
    query: d.query,
    action: d.action,
    authType: d.authType,
    user,
    anchor: d.anonymous ? '' : anchorFor(rng, ctx, u, protocol, admin),
    userAgent: d.ua,
    clientIp: ip,
    status,
    requestBytes: d.method === 'GET' ? 0 : rng.range(180, 6000),
    responseBytes: d.bytesOut ?? rng.range(300, 24000),
    latency: d.latency ?? rng.range(8, 900),
    databaseGuid: d.anonymous ? '' : u.database,
    userGuid: d.anonymous ? '' : u.adGuid,
    proxied: status !== 401 && !d.stem.includes('/scripts/'),
  };
}

function anchorFor(rng: Rng, ctx: DemoContext, u: DemoUser, protocol: Protocol, admin: boolean): string {
  if (admin) return `Smtp~${rng.pick(ctx.admins)}@${ctx.domain}`;
  const r = rng.next();
  if (protocol === 'Mapi' || protocol === 'RpcHttp') return r < 0.7 ? `DatabaseGuid~${u.database}` : `Smtp~${u.upn}`;
  if (protocol === 'Oab') return `Smtp~${u.upn}`;
  return r < 0.55 ? `Smtp~${u.upn}` : r < 0.9 ? `Sid~${u.sid}` : `DatabaseGuid~${u.database}`;
}

function probeRequest(rng: Rng, ctx: DemoContext, protocol: Protocol): Request {
  const mailbox = `HealthMailbox${rng.hex(4)}${rng.hex(12).slice(0, 7)}`;
  const stem: Record<Protocol, string> = {
    Owa: '/owa/',
    Ews: '/EWS/Exchange.asmx',
    Mapi: '/mapi/emsmdb/',
    Eas: '/Microsoft-Server-ActiveSync/default.eas',
    Autodiscover: '/Autodiscover/Autodiscover.xml',
    RpcHttp: '/rpc/rpcproxy.dll',
    Ecp: '/ecp/',
    Oab: `/OAB/${ctx.oabGuid}/oab.xml`,
    PowerShell: '/powershell',
    OwaCalendar: '/owa/calendar/',
  };
  return {
    protocol,
    method: protocol === 'Owa' || protocol === 'Ecp' || protocol === 'Oab' ? 'GET' : 'POST',
    stem: stem[protocol],
    backEndStem: stem[protocol],
    query: '',
    action: '',
    authType: 'Basic',
    user: `${mailbox}@${ctx.domain}`,
    anchor: `Smtp~${mailbox}@${ctx.domain}`,
    userAgent: PROBE_UA,
    clientIp: ctx.serverIp,
    status: 200,
    requestBytes: rng.range(0, 900),
    responseBytes: rng.range(200, 4000),
    latency: rng.range(10, 300),
    databaseGuid: rng.pick(ctx.databases),
    userGuid: rng.guid(),
    proxied: true,
  };
}
