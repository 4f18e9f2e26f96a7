/**
 * @module The e-mail channel: one mail per alert, or with `digest` one mail per interval holding
 * every alert queued in it (the dispatcher batches; this channel writes a batch as one mail).
 */
import type { AlertChannel, ChannelContext } from '../../channel.js';
import type { SmtpChannelSpec } from '../../config/schema.js';
import { AlertConfigError } from '../../errors.js';
import type { ChannelBase } from '../base.js';
import { tlsOptions } from '../tls-files.js';
import { sendMail } from './client.js';
import { composeMail } from './message.js';

export function defaultSmtpPort(tls: SmtpChannelSpec['tls']): number {
  return tls === 'implicit' ? 465 : 25;
}

export function smtpChannel(spec: SmtpChannelSpec, ctx: ChannelContext, base: ChannelBase): AlertChannel {
  const password = spec.password ?? (spec.passwordEnv ? ctx.env[spec.passwordEnv] : undefined);
  if (spec.passwordEnv && password === undefined) throw new AlertConfigError(`SMTP password: environment variable ${spec.passwordEnv} is not set`);
  if (spec.user && password === undefined) throw new AlertConfigError('SMTP user given without a password (password or passwordEnv)');
  if (spec.user && spec.tls === 'none' && !spec.insecureAuth) {
    throw new AlertConfigError('SMTP AUTH without TLS would send the password in clear: use starttls=1 / tls: starttls, or insecureAuth');
  }
  const port = spec.port ?? defaultSmtpPort(spec.tls);
  const tls = tlsOptions(spec, spec.host);
  const helo = spec.helo ?? (/^[A-Za-z0-9.-]{1,255}$/.test(ctx.hostname) ? ctx.hostname : 'localhost');
  return {
    ...base,
    kind: 'smtp',
    async send(alerts, signal) {
      if (alerts.length === 0) return;
      await sendMail({
        host: spec.host,
        port,
        security: spec.tls,
        tls,
        helo,
        auth: spec.user && password !== undefined ? { user: spec.user, password } : undefined,
        from: spec.from,
        to: spec.to,
        data: composeMail(alerts, { from: spec.from, to: spec.to, subjectPrefix: spec.subjectPrefix, exhuntVersion: ctx.exhuntVersion, now: new Date() }),
        signal,
      });
    },
    close: () => Promise.resolve(),
  };
}
