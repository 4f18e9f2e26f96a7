/**
 * @module The log streams of the demo server: where each log lives, how it rotates, its share of
 * the size budget, its preamble and how one benign row is made. Labels are the coverage labels
 * of `src/inputs/placement.ts` (`HttpProxy/<Protocol>`, `ECP Server`, `OAB Generator`,
 * `IIS W3SVC<n>`), which the manifest uses too.
 */
import type { LogKind } from '../sources/source.js';
import { stampDay, stampHour, stampIis } from './clock.js';
import type { DemoContext } from './context.js';
import { benignEcpRow, ecpPreamble } from './ecp.js';
import { benignExtras, httpProxyPreamble, httpProxyRow } from './httpproxy.js';
import { backEndRow, frontEndRow, iisDirectives, iisPreamble } from './iis.js';
import { benignOabRow, oabPreamble } from './oab.js';
import type { Rng } from './random.js';
import type { Protocol } from './traffic.js';
import { PROTOCOLS, PROTOCOL_WEIGHTS, benignRequest, randomProtocol } from './traffic.js';

export interface StreamSpec {
  readonly label: string;
  readonly kind: LogKind;
  /** Fraction of the size budget. */
  readonly share: number;
  /** Natural rotation period: Exchange HttpProxy hourly, the others daily. */
  readonly rotation: 'hour' | 'day';
  /**
   * How an over-size file rolls: Exchange logs start `-2`, `-3`... within the period; IIS
   * switches the whole stream to hourly files instead.
   */
  readonly rollover: 'sequence' | 'hourly';
  /** Path of a file below the output root. */
  fileName(periodStart: number, seq: number, hourly: boolean): string;
  preamble(ctx: DemoContext, start: number): string[];
  /** Directives a restart writes mid-file (IIS only). */
  restart?(start: number): string[];
  /** One benign row at `time`. */
  noise(rng: Rng, ctx: DemoContext, time: number): string;
}

const HTTPPROXY_SHARE = 0.6;

function httpProxyStream(ctx: DemoContext, protocol: Protocol): StreamSpec {
  return {
    label: `HttpProxy/${protocol}`,
    kind: 'httpproxy',
    share: HTTPPROXY_SHARE * PROTOCOL_WEIGHTS[protocol],
    rotation: 'hour',
    rollover: 'sequence',
    fileName: (t, seq) => `${ctx.installRel}/Logging/HttpProxy/${protocol}/HttpProxy_${stampHour(t)}-${seq}.LOG`,
    preamble: httpProxyPreamble,
    noise: (rng, c, time) => {
      const r = benignRequest(rng, c, protocol);
      return httpProxyRow(c, r, benignExtras(rng, c, r, time), rng);
    },
  };
}

/** Every stream, in a fixed order. */
export function demoStreams(ctx: DemoContext): StreamSpec[] {
  return [
    ...PROTOCOLS.map((p) => httpProxyStream(ctx, p)),
    {
      label: 'ECP Server',
      kind: 'ecp',
      share: 0.04,
      rotation: 'day',
      rollover: 'sequence',
      fileName: (t, seq) => `${ctx.installRel}/Logging/ECP/Server/ECPServer${stampDay(t)}-${seq}.LOG`,
      preamble: ecpPreamble,
      noise: benignEcpRow,
    },
    {
      label: 'OAB Generator',
      kind: 'oab',
      share: 0.02,
      rotation: 'day',
      rollover: 'sequence',
      fileName: (t, seq) => `${ctx.installRel}/Logging/OABGeneratorLog/OABGenerator${stampDay(t)}-${seq}.LOG`,
      preamble: oabPreamble,
      noise: benignOabRow,
    },
    {
      label: 'IIS W3SVC1',
      kind: 'iis',
      share: 0.22,
      rotation: 'day',
      rollover: 'hourly',
      fileName: (t, _seq, hourly) => `C/inetpub/logs/LogFiles/W3SVC1/u_ex${stampIis(t, hourly)}.log`,
      preamble: (_c, t) => iisPreamble(t),
      restart: iisDirectives,
      noise: (rng, c, time) => frontEndRow(rng, c, benignRequest(rng, c, randomProtocol(rng)), time),
    },
    {
      label: 'IIS W3SVC2',
      kind: 'iis',
      share: 0.12,
      rotation: 'day',
      rollover: 'hourly',
      fileName: (t, _seq, hourly) => `C/inetpub/logs/LogFiles/W3SVC2/u_ex${stampIis(t, hourly)}.log`,
      preamble: (_c, t) => iisPreamble(t),
      restart: iisDirectives,
      noise: (rng, c, time) => backEndRow(rng, c, benignRequest(rng, c, randomProtocol(rng)), time),
    },
  ];
}
