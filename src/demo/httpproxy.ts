/**
 * @module HttpProxy log template (`Logging\HttpProxy\<Protocol>\HttpProxy_yyyyMMddHH-N.LOG`).
 *
 * Layout from exchange-facts/httpproxy_log_format.json: line 1 is the plain CSV header (what
 * Test-ProxyLogon's Import-Csv reads), then the directives `#Software`, `#Version`, `#Log-type`,
 * `#Date`, `#Fields`, then rows. Our synthetic notice is line 2, a `#` comment, so line 1 stays
 * the header. Values are CSV-quoted when they hold a comma or quote.
 */
import type { DemoContext } from './context.js';
import { isoMinute, isoTime } from './clock.js';
import type { Rng } from './random.js';
import { SYNTHETIC_NOTE, csvField, csvFieldCached } from './text.js';
import type { Request } from './traffic.js';

/** Column names in order, from exchange-facts/httpproxy_log_format.json (`fields_in_order`). */
export const HTTPPROXY_FIELDS = [
  'DateTime', 'RequestId', 'MajorVersion', 'MinorVersion', 'BuildVersion', 'RevisionVersion', 'ClientRequestId',
  'Protocol', 'UrlHost', 'UrlStem', 'ProtocolAction', 'AuthenticationType', 'IsAuthenticated', 'AuthenticatedUser',
  'Organization', 'AnchorMailbox', 'UserAgent', 'ClientIpAddress', 'ServerHostName', 'HttpStatus', 'BackEndStatus',
  'ErrorCode', 'Method', 'ProxyAction', 'TargetServer', 'TargetServerVersion', 'RoutingType', 'RoutingHint',
  'BackEndCookie', 'ServerLocatorHost', 'ServerLocatorLatency', 'RequestBytes', 'ResponseBytes',
  'TargetOutstandingRequests', 'AuthModulePerfContext', 'HttpPipelineLatency', 'CalculateTargetBackEndLatency',
  'GlsLatencyBreakup', 'TotalGlsLatency', 'AccountForestLatencyBreakup', 'TotalAccountForestLatency',
  'ResourceForestLatencyBreakup', 'TotalResourceForestLatency', 'ADLatency', 'SharedCacheLatencyBreakup',
  'TotalSharedCacheLatency', 'ActivityContextLifeTime', 'ModuleToHandlerSwitchingLatency', 'ClientReqStreamLatency',
  'BackendReqInitLatency', 'BackendReqStreamLatency', 'BackendProcessingLatency', 'BackendRespInitLatency',
  'BackendRespStreamLatency', 'ClientRespStreamLatency', 'KerberosAuthHeaderLatency', 'HandlerCompletionLatency',
  'RequestHandlerLatency', 'HandlerToModuleSwitchingLatency', 'ProxyTime', 'CoreLatency', 'RoutingLatency',
  'HttpProxyOverhead', 'TotalRequestTime', 'RouteRefresherLatency', 'UrlQuery', 'BackEndGenericInfo', 'GenericInfo',
  'GenericErrors', 'EdgeTraceId', 'DatabaseGuid', 'UserADObjectGuid', 'PartitionEndpointLookupLatency', 'RoutingStatus',
] as const;

const HEADER = HTTPPROXY_FIELDS.join(',');

/** The lines before the first row. `start` is the file's creation time. */
export function httpProxyPreamble(ctx: DemoContext, start: number): string[] {
  return [
    HEADER,
    `# ${SYNTHETIC_NOTE}`,
    '#Software: Microsoft Exchange Server',
    `#Version: ${ctx.build.long}`,
    '#Log-type: HttpProxy Logs',
    `#Date: ${isoTime(start)}`,
    `#Fields: ${HEADER}`,
  ];
}

/** Everything a row needs beyond the request itself. */
export interface HttpProxyExtras {
  readonly time: number;
  readonly requestId: string;
  readonly clientRequestId: string;
  readonly urlHost: string;
  readonly backEndCookie: string;
  readonly routingType: string;
  readonly routingHint: string;
  readonly targetServer: string;
  readonly backEndStatus: string;
  readonly errorCode: string;
  readonly genericInfo: string;
  readonly genericErrors: string;
}

/**
 * Formats one row (all 74 columns). Values that can hold commas or quotes (anchor, user agent,
 * cookie, query, generic info) are CSV-quoted; paths, users, actions and addresses come from
 * fixed sets without them. Written as one template for speed: the tests parse every row back
 * and check the column count and positions.
 */
export function httpProxyRow(ctx: DemoContext, r: Request, x: HttpProxyExtras, rng: Rng): string {
  const lat = r.latency;
  const core = lat > 50 ? Math.round(lat * 0.02) : 1;
  const be = lat > core + 2 ? lat - core - 2 : 0;
  const b = ctx.build;
  const bits = rng.u32();
  const small = (shift: number, mod: number): number => ((bits >>> shift) & 7) % mod;
  const proxied = r.proxied
    ? `,Proxy,${x.targetServer},${b.long},${x.routingType},${x.routingHint},${csvField(x.backEndCookie)},${ctx.fqdn},${small(0, 3)}`
    : `,,,,,,${csvField(x.backEndCookie)},,`;
  const p = r.proxied;
  return (
    `${isoTime(x.time)},${x.requestId},${b.major},${b.minor},${b.build},${b.revision},${x.clientRequestId},${r.protocol},${x.urlHost},` +
    `${r.stem},${r.action},${r.authType},${r.user === '' ? 'False' : 'True'},${r.user},,${csvField(r.anchor)},` +
    `${csvFieldCached(r.userAgent)},${r.clientIp},${ctx.host},${r.status},${x.backEndStatus},${x.errorCode},${r.method}` +
    proxied +
    `,${r.requestBytes},${r.responseBytes},${p ? small(3, 4) : ''},${r.user === '' ? '' : AUTH_PERF[bits >>> 30]},${small(6, 3)},${p ? small(9, 5) : ''},,,,,,,${small(12, 4)},,,${lat + 1},0,` +
    `${small(15, 3)},${p ? small(18, 2) : ''},${p ? small(21, 3) : ''},${p ? be : ''},${p ? '0' : ''},${p ? small(24, 4) : ''},${small(27, 2)},0,0,${lat},0,` +
    `${p ? be : ''},${core},${small(1, 3)},${core},${lat},,${r.query === '' ? '' : csvField(`?${r.query}`)},,${csvField(x.genericInfo)},${csvField(x.genericErrors)},,` +
    `${r.databaseGuid},${r.userGuid},,`
  );
}

const AUTH_PERF = ['WindowsIdentity=0;AuthModule=0', 'WindowsIdentity=0;AuthModule=1', 'WindowsIdentity=1;AuthModule=1', 'WindowsIdentity=1;AuthModule=2'];

/** Extras for a benign request: normal routing, a normal BackEndCookie or none. */
export function benignExtras(rng: Rng, ctx: DemoContext, r: Request, time: number): HttpProxyExtras {
  const cookie =
    !r.proxied || r.user === '' || rng.chance(0.45)
      ? ''
      : r.databaseGuid !== '' && rng.chance(0.7)
        ? `Database~${r.databaseGuid}~~${isoMinute(time + 3_600_000)}`
        : `Server~${ctx.fqdn}~${ctx.cookieServerId}~${isoMinute(time + 3_600_000)}`;
  const routingType = cookie !== '' ? 'BackEndCookie' : r.anchor.startsWith('DatabaseGuid~') ? 'DatabaseGuid' : r.anchor !== '' ? 'AnchorMailboxHeader' : 'Url';
  return {
    time,
    requestId: rng.guid(),
    clientRequestId: rng.chance(0.6) ? rng.guid() : '',
    urlHost: r.clientIp.startsWith('10.') ? ctx.fqdn : ctx.mailHost,
    backEndCookie: cookie,
    routingType,
    routingHint: routingType === 'BackEndCookie' ? 'BackEndCookie' : routingType === 'Url' ? 'Url' : `${routingType}-${r.anchor.slice(0, r.anchor.indexOf('~'))}`,
    targetServer: ctx.fqdn,
    backEndStatus: r.proxied ? String(r.status) : '',
    errorCode: r.status >= 500 ? 'ServerError' : '',
    genericInfo: `OnBeginRequest=${rng.int(2)};BeginAuth=0;CalculateTargetBackEnd=${rng.int(3)};ProxyState-Run=None;FEAuth=BEVersion-${ctx.cookieServerId}`,
    genericErrors: r.status >= 500 ? 'BackEndError=ProxyRequestFailed' : '',
  };
}
