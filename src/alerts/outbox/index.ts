/**
 * @module The durable per-channel outbox and its dispatcher. Re-exports only.
 */
export { Outbox, processAlive, type AlertState, type ChannelStatus, type EnqueueResult, type LeaseHolder, type OutboxRow, type QueueSpec } from './outbox.js';
export { Dispatcher, type ChannelFlushReport, type DispatchEvent, type DispatcherOptions } from './dispatcher.js';
export { ALERTS_MIGRATIONS, ensureAlertsSchema } from './schema.js';
export { AlertStoreError, openOutbox, type OpenedOutbox, type OpenOutboxOptions } from './open.js';
export type { SqlConnection } from './sql.js';
