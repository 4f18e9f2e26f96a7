/**
 * @module IIS W3C template (`C:\inetpub\logs\LogFiles\W3SVC<n>\u_exyyMMdd.log`), with the field
 * set Exchange servers use by default (the same as the real IIS log
 * evtx-attack-samples/Command and Control/Tunna_rdp_tunnel_IIS.log):
 * `date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent)
 * cs(Referer) sc-status sc-substatus sc-win32-status time-taken`. Empty values are `-`, spaces in
 * the user agent are `+`. Directives repeat mid-file after an IIS restart, as on real servers.
 *
 * W3SVC1 is the front end (Default Web Site, 443), W3SVC2 the back end (Exchange Back End, 444,
 * requests from the front end on the same server).
 */
import type { DemoContext } from './context.js';
import { w3cDateTime } from './clock.js';
import type { Rng } from './random.js';
import { SYNTHETIC_NOTE, w3cField, w3cFieldCached } from './text.js';
import type { Request } from './traffic.js';

export const IIS_FIELDS = [
  'date', 'time', 's-ip', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 's-port', 'cs-username', 'c-ip',
  'cs(User-Agent)', 'cs(Referer)', 'sc-status', 'sc-substatus', 'sc-win32-status', 'time-taken',
] as const;

/** Directive block IIS writes at the top of a file and after each restart. */
export function iisDirectives(start: number): string[] {
  return [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Version: 1.0',
    `#Date: ${w3cDateTime(start)}`,
    `#Fields: ${IIS_FIELDS.join(' ')}`,
  ];
}

/** Lines before the first row: the notice goes right after `#Software` so line 1 stays real. */
export function iisPreamble(start: number): string[] {
  const d = iisDirectives(start);
  return [d[0]!, `# ${SYNTHETIC_NOTE}`, ...d.slice(1)];
}

export interface IisEntry {
  readonly time: number;
  readonly serverIp: string;
  readonly method: string;
  readonly stem: string;
  /** Without `?`; '' for none. */
  readonly query: string;
  readonly port: number;
  readonly user: string;
  readonly clientIp: string;
  readonly userAgent: string;
  readonly referer: string;
  readonly status: number;
  readonly substatus: number;
  readonly win32: number;
  readonly timeTaken: number;
}

export function iisRow(e: IisEntry): string {
  return `${w3cDateTime(e.time)} ${e.serverIp} ${e.method} ${w3cField(e.stem)} ${w3cField(e.query)} ${e.port} ${w3cField(e.user)} ${e.clientIp} ${w3cFieldCached(e.userAgent)} ${w3cField(e.referer)} ${e.status} ${e.substatus} ${e.win32} ${e.timeTaken}`;
}

/** The `CorrelationID`/`cafeReqId` suffix Exchange appends to every logged query. */
export function cafeSuffix(rng: Rng): string {
  return `&CorrelationID=<empty>;&cafeReqId=${rng.guid()};`;
}

const STATIC = ['logon.css', 'owafont.css', 'clear1x1.gif', 'lgntopl.gif', 'lgntopr.gif', 'favicon.ico'];

/** A front-end (W3SVC1) row for a benign request, or a static file, or a load-balancer check. */
export function frontEndRow(rng: Rng, ctx: DemoContext, r: Request, time: number): string {
  const x = rng.next();
  if (x < 0.04) {
    return iisRow({
      time, serverIp: ctx.serverIp, method: 'GET', stem: rng.pick(['/owa/healthcheck.htm', '/ews/healthcheck.htm', '/mapi/healthcheck.htm', '/Microsoft-Server-ActiveSync/healthcheck.htm']),
      query: '', port: 443, user: '', clientIp: ctx.loadBalancerIp, userAgent: '', referer: '', status: 200, substatus: 0, win32: 0, timeTaken: rng.range(1, 9),
    });
  }
  if (x < 0.1) {
    return iisRow({
      time, serverIp: ctx.serverIp, method: 'GET', stem: `/owa/auth/${ctx.build.owaFolder}/themes/resources/${rng.pick(STATIC)}`,
      query: '', port: 443, user: '', clientIp: r.clientIp, userAgent: r.userAgent, referer: `https://${ctx.mailHost}/owa/auth/logon.aspx`, status: rng.chance(0.6) ? 304 : 200, substatus: 0, win32: 0, timeTaken: rng.range(0, 12),
    });
  }
  const challenge = r.status === 401;
  return iisRow({
    time,
    serverIp: ctx.serverIp,
    method: r.method,
    stem: r.stem,
    query: r.query + cafeSuffix(rng),
    port: 443,
    user: r.user,
    clientIp: r.clientIp,
    userAgent: r.userAgent,
    referer: r.protocol === 'Owa' || r.protocol === 'Ecp' ? `https://${ctx.mailHost}${r.protocol === 'Owa' ? '/owa/' : '/ecp/'}` : '',
    status: r.status,
    substatus: challenge ? rng.pick([1, 2]) : 0,
    win32: challenge ? rng.pick([0, 2148074254]) : r.status >= 500 ? 64 : 0,
    timeTaken: Math.min(r.latency, 3_600_000),
  });
}

/** A back-end (W3SVC2, port 444) row for the proxied part of a benign request. */
export function backEndRow(rng: Rng, ctx: DemoContext, r: Request, time: number): string {
  return iisRow({
    time,
    serverIp: ctx.serverIp,
    method: r.method,
    stem: r.backEndStem,
    query: r.query + cafeSuffix(rng),
    port: 444,
    user: r.user,
    clientIp: ctx.serverIp,
    userAgent: r.userAgent,
    referer: '',
    status: r.status === 401 ? 200 : r.status,
    substatus: 0,
    win32: 0,
    timeTaken: Math.max(0, Math.min(r.latency, 3_600_000) - rng.int(5)),
  });
}
