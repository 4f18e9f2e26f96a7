/**
 * @module The Splunk HTTP Event Collector channel: batches of events POSTed to
 * `/services/collector/event` with `Authorization: Splunk <token>`, without indexer
 * acknowledgement (a 200 answer counts as delivered). Each event is
 *
 *     {"time": <event time, epoch seconds>, "host": <finding host>, "source": "exhunt",
 *      "sourcetype": "exhunt:alert", "index": <if set>, "event": <the alert JSON>}
 *
 * and the events of a batch are concatenated, as HEC accepts them.
 */
import type { Alert } from '../../alert.js';
import { alertJson } from '../../alert.js';
import type { AlertChannel, ChannelContext } from '../../channel.js';
import type { HecChannelSpec } from '../../config/schema.js';
import { AlertConfigError } from '../../errors.js';
import { escapeJsonText } from '../../../sinks/escape/index.js';
import type { ChannelBase } from '../base.js';
import { channelAgent, post } from '../http/post.js';
import { tlsOptions } from '../tls-files.js';

export const HEC_EVENT_PATH = '/services/collector/event';

/** The HEC event endpoint for a base URL (a URL that already names the path is kept). */
export function hecEndpoint(base: string): URL {
  const url = new URL(base);
  if (!url.pathname.includes('/services/collector')) url.pathname = `${url.pathname.replace(/\/+$/, '')}${HEC_EVENT_PATH}`;
  return url;
}

export function hecEvent(alert: Alert, spec: Pick<HecChannelSpec, 'index' | 'source' | 'sourcetype'>): string {
  const t = Date.parse(alert.finding.time ?? alert.createdAt);
  const event = {
    time: Number.isNaN(t) ? undefined : t / 1000,
    host: alert.finding.host,
    source: spec.source,
    sourcetype: spec.sourcetype,
    ...(spec.index ? { index: spec.index } : {}),
    event: alertJson(alert),
  };
  return escapeJsonText(JSON.stringify(event));
}

export function hecChannel(spec: HecChannelSpec, ctx: ChannelContext, base: ChannelBase): AlertChannel {
  const token = spec.token ?? (spec.tokenEnv ? ctx.env[spec.tokenEnv] : undefined);
  if (!token) throw new AlertConfigError(spec.tokenEnv ? `HEC token: environment variable ${spec.tokenEnv} is not set` : 'HEC channel needs a token (token or tokenEnv)');
  const url = hecEndpoint(spec.url);
  const tls = url.protocol === 'https:' ? tlsOptions(spec, url.hostname) : undefined;
  const agent = channelAgent(url);
  return {
    ...base,
    kind: 'hec',
    async send(alerts, signal) {
      await post({
        url,
        body: alerts.map((a) => hecEvent(a, spec)).join('\n'),
        headers: { Authorization: `Splunk ${token}`, 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': `exhunt/${ctx.exhuntVersion}` },
        tls,
        signal,
        agent,
        what: 'HEC',
      });
    },
    close() {
      agent.destroy();
      return Promise.resolve();
    },
  };
}
