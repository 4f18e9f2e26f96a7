/**
 * @module The webhook channel: one POST per alert, in order, with the alert id in an
 * `Idempotency-Key` header so that a receiver can drop the copy a crash may cause.
 */
import type { AlertChannel, ChannelContext } from '../../channel.js';
import type { WebhookChannelSpec } from '../../config/schema.js';
import type { ChannelBase } from '../base.js';
import { channelAgent, post } from '../http/post.js';
import { tlsOptions } from '../tls-files.js';
import { webhookBody } from './layouts.js';

export function webhookChannel(spec: WebhookChannelSpec, ctx: ChannelContext, base: ChannelBase): AlertChannel {
  const url = new URL(spec.url);
  const tls = url.protocol === 'https:' ? tlsOptions(spec, url.hostname) : undefined;
  const agent = channelAgent(url);
  return {
    ...base,
    kind: 'webhook',
    async send(alerts, signal) {
      for (const alert of alerts) {
        await post({
          url,
          body: webhookBody(alert, spec.layout),
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'User-Agent': `exhunt/${ctx.exhuntVersion}`,
            'Idempotency-Key': alert.key,
            ...spec.headers,
          },
          tls,
          signal,
          agent,
          what: 'webhook',
        });
      }
    },
    close() {
      agent.destroy();
      return Promise.resolve();
    },
  };
}
