/**
 * @module The AlertChannel contract: one destination (a syslog server, a webhook, Splunk HEC, a
 * mailbox) that delivers batches of alerts.
 *
 * `send` resolves once the receiver has taken every alert of the batch (HTTP 2xx, SMTP 250 after
 * DATA, the bytes written to the TCP/TLS connection or UDP socket), and rejects with a
 * {@link DeliveryError} otherwise; it must give up when `signal` aborts. A channel never decides
 * about retries, order or deduplication: the outbox and dispatcher do.
 */
import type { Alert } from './alert.js';
import type { ChannelPolicy } from './policy.js';

/** `jsonl`: the JSON Lines file of `exhunt watch --jsonl`, delivered through the outbox too. */
export type ChannelKind = 'syslog' | 'webhook' | 'hec' | 'smtp' | 'jsonl';

export interface AlertChannel {
  /** The outbox queue this channel delivers: the config `name`, else the URI without secrets. */
  readonly id: string;
  readonly kind: ChannelKind;
  /** Where it delivers, without secrets, for messages (`syslog+tls://siem:6514`). */
  readonly target: string;
  readonly policy: ChannelPolicy;
  send(alerts: readonly Alert[], signal: AbortSignal): Promise<void>;
  /** Closes connections kept open between sends. */
  close(): Promise<void>;
}

/** Facts about this process that channels write into messages; fixed in tests. */
export interface ChannelContext {
  readonly exhuntVersion: string;
  /** This machine's name (syslog HOSTNAME, SMTP EHLO). */
  readonly hostname: string;
  readonly pid: number;
  /** Environment for `tokenEnv` / `passwordEnv`. */
  readonly env: Readonly<Record<string, string | undefined>>;
}
