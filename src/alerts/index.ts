/**
 * @module Alerting: findings delivered to SIEMs and people through channels (syslog RFC 5424 with
 * CEF or JSON, webhooks with Slack and Teams layouts, Splunk HEC, e-mail), each with a durable
 * outbox in the store so that an unreachable receiver loses nothing and a restart sends nothing
 * twice. Re-exports only.
 *
 * This stage knows the Sink contract and the store; it does not know detectors or the engine.
 * Callers: `exhunt scan --alert` (through {@link createAlertSink}), `exhunt alerts`, and the
 * watcher (through `Outbox.enqueue(tx, …)` inside its checkpoint transaction plus a
 * {@link Dispatcher}).
 */
export { alertFromFinding, alertJson, alertKey, testAlert, type Alert } from './alert.js';
export type { AlertChannel, ChannelContext, ChannelKind } from './channel.js';
export { buildChannel, channelFromUri, defaultChannelContext, policyOf, targetOf } from './build.js';
export { AlertConfigError, DeliveryError } from './errors.js';
export { DEFAULT_POLICY, backoffMs, dedupKey, passesThreshold, type ChannelPolicy } from './policy.js';
export { parseDuration, formatDuration } from './duration.js';
export { alertsConfigSchema, channelSchema, type AlertsConfig, type ChannelSpec } from './config/schema.js';
export { AlertConfigErrors, loadAlertsConfig, parseAlertsConfig } from './config/load.js';
export { parseChannelUri, redactUri, type ParsedChannelUri } from './config/uri.js';
export * from './outbox/index.js';
export { alertSink, describeFlush, type AlertSinkOptions } from './sink.js';
export { createAlertSink, loadChannels, type ChannelChoice, type CreateAlertSinkOptions } from './setup.js';
export * from './channels/syslog/index.js';
export * from './channels/webhook/index.js';
export * from './channels/hec/index.js';
export * from './channels/smtp/index.js';
