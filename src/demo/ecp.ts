/**
 * @module ECP Server log template (`Logging\ECP\Server\ECPServeryyyyMMdd-N.LOG`).
 *
 * Preamble and the four columns `TimeStamp,ServerName,EventId,EventData` from
 * exchange-facts/ecp_server_log_format.json; EventData is `S:KEY=VALUE` pairs joined by `;`, the
 * cmdlet and its parameters in `S:CMD=` (`Set-OabVirtualDirectory.ExternalUrl='...'`, the form
 * CISA's AA21-062A CHIRP rule searches for). Benign noise: administrators and users browsing the
 * control panel, which runs `Get-*` cmdlets. The `EventId` values are this demo's choice.
 */
import type { DemoContext } from './context.js';
import { isoTime } from './clock.js';
import type { Rng } from './random.js';
import { SYNTHETIC_NOTE, csvField } from './text.js';
import { ecpCanary } from './traffic.js';

export const ECP_FIELDS = ['TimeStamp', 'ServerName', 'EventId', 'EventData'] as const;

export function ecpPreamble(ctx: DemoContext, start: number): string[] {
  return [
    '#Software: Microsoft Exchange Server',
    `# ${SYNTHETIC_NOTE}`,
    `#Version: ${ctx.build.long}`,
    '#Log-type: ECP Server Log',
    `#Date: ${isoTime(start)}`,
    `#Fields: ${ECP_FIELDS.join(',')}`,
  ];
}

export interface EcpEvent {
  readonly time: number;
  readonly user: string;
  /** Cmdlet with parameters: `Get-Mailbox.ResultSize='Unlimited'`. */
  readonly cmd: string;
  /** Path and query of the ECP request. */
  readonly url: string;
  readonly activityId: string;
  readonly sessionId: string;
  readonly elapsedMs: number;
}

export function ecpRow(ctx: DemoContext, e: EcpEvent): string {
  const data = [
    `S:TIME=${e.elapsedMs}`,
    `S:SID=${e.sessionId}`,
    `S:USRNAME=${e.user}`,
    'S:REQID=',
    `S:CMD=${e.cmd}`,
    `S:URL=${e.url}`,
    `S:REFERRER=https://${ctx.mailHost}/ecp/`,
    'S:EX=',
    `S:ACTID=${e.activityId}`,
    'S:RS=0',
    `S:BLD=${ctx.build.short}`,
  ].join(';');
  return `${isoTime(e.time)},${ctx.host},ECP.Request,${csvField(data)}`;
}

const CMDLETS: readonly (readonly [string, string])[] = [
  ["Get-Mailbox.ResultSize='Unlimited'.SortBy='DisplayName'", 'MailboxService'],
  ["Get-Recipient.RecipientTypeDetails='UserMailbox'.ResultSize='500'", 'RecipientService'],
  ["Get-MailboxStatistics.Identity='{user}'", 'MailboxService'],
  ["Get-DistributionGroup.ResultSize='Unlimited'", 'DistributionGroupService'],
  ["Get-InboxRule.Mailbox='{user}'", 'InboxRules'],
  ["Get-CASMailbox.Identity='{user}'", 'MailboxService'],
  ["Get-MobileDeviceStatistics.Mailbox='{user}'", 'MobileDevices'],
  ["Get-OwaVirtualDirectory.Server='{host}'", 'VirtualDirectory'],
  ["Get-OabVirtualDirectory.Server='{host}'", 'OABVirtualDirectory'],
  ["Get-ExchangeServer.Identity='{host}'", 'ServerService'],
  ["Get-MessageTrackingLog.Sender='{user}@contoso.local'.ResultSize='1000'", 'MessageTrace'],
  ["Get-AcceptedDomain", 'OrgConfigurationService'],
];

/** One benign ECP event: a `Get-*` cmdlet run by an administrator or by a user's options page. */
export function benignEcpRow(rng: Rng, ctx: DemoContext, time: number): string {
  const [tpl, schema] = rng.pick(CMDLETS);
  const u = rng.pick(ctx.users);
  const selfService = schema === 'InboxRules' && rng.chance(0.5);
  const user = selfService ? `${ctx.netbios}\\${u.sam}` : `${ctx.netbios}\\${rng.pick(ctx.admins)}`;
  const cmd = tpl.replace('{user}', u.sam).replace('{host}', ctx.host);
  return ecpRow(ctx, {
    time,
    user,
    cmd,
    url: `/ecp/DDI/DDIService.svc/GetList?schema=${schema}&msExchEcpCanary=${ecpCanary(rng)}`,
    activityId: rng.guid(),
    sessionId: rng.guid(),
    elapsedMs: rng.range(15, 2400),
  });
}
