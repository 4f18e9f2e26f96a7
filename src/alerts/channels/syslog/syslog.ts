/**
 * @module The syslog channel: RFC 5424 messages with a CEF or JSON payload over UDP, TCP
 * (octet counting) or TLS. A batch goes out in one write on one connection, in order.
 */
import type { AlertChannel, ChannelContext } from '../../channel.js';
import type { SyslogChannelSpec } from '../../config/schema.js';
import type { ChannelBase } from '../base.js';
import { tlsOptions } from '../tls-files.js';
import { syslogMessage } from './format.js';
import type { SyslogFormat } from './format.js';
import type { SyslogTransport } from './transport.js';
import { streamTransport, udpTransport } from './transport.js';

export function defaultSyslogPort(transport: SyslogChannelSpec['transport']): number {
  return transport === 'tls' ? 6514 : 514;
}

export function syslogChannel(spec: SyslogChannelSpec, ctx: ChannelContext, base: ChannelBase): AlertChannel {
  const port = spec.port ?? defaultSyslogPort(spec.transport);
  const transport: SyslogTransport =
    spec.transport === 'udp'
      ? udpTransport(spec.host, port)
      : streamTransport(spec.host, port, spec.transport === 'tls' ? tlsOptions(spec, spec.host) : undefined);
  const format: SyslogFormat = {
    format: spec.format,
    facility: spec.facility,
    hostname: spec.hostname ?? ctx.hostname,
    appName: spec.appName,
    procId: String(ctx.pid),
    exhuntVersion: ctx.exhuntVersion,
    maxMessageBytes: spec.transport === 'udp' ? Math.min(spec.maxMessageBytes, 65_000) : spec.maxMessageBytes,
  };
  return {
    ...base,
    kind: 'syslog',
    send: (alerts, signal) => transport.send(alerts.map((a) => syslogMessage(a, format)), signal),
    close: () => transport.close(),
  };
}
