/**
 * @module `alertSink`: the Sink behind `exhunt scan --alert URI`. Each finding is queued in every
 * channel's outbox (threshold and dedup applied there) and delivered in the background while the
 * scan runs; `close` waits a bounded time for the queues to drain and reports what is left.
 *
 * Delivery failures never reach the engine: the scan's outcome does not depend on a SIEM being
 * up. What could not be delivered stays in the outbox; the next run with the same channel (or
 * `exhunt alerts flush`) sends it, and `exhunt alerts status` shows it. Only a call out of order
 * (after `close`) throws, as the Sink contract requires.
 */
import type { Finding } from '../core/finding.js';
import type { Sink } from '../core/sink.js';
import { SinkLifecycle } from '../sinks/lifecycle.js';
import { escapeTerminal } from '../sinks/escape/index.js';
import { alertFromFinding } from './alert.js';
import type { AlertChannel } from './channel.js';
import { messageOf } from './errors.js';
import type { ChannelFlushReport } from './outbox/index.js';
import { Dispatcher } from './outbox/index.js';
import type { Outbox } from './outbox/index.js';

export interface AlertSinkOptions {
  readonly channels: readonly AlertChannel[];
  readonly store: Outbox;
  /** Longest wait at close for the queues to drain (default 30 s). */
  readonly flushTimeoutMs?: number;
  /** Where the closing report goes, one line per call (default: standard error). */
  readonly report?: (line: string) => void;
  /** Called after close with the per-channel outcome (for callers that want the numbers). */
  readonly onClose?: (report: readonly ChannelFlushReport[]) => void;
  /** Runs after delivery stopped (e.g. closing the store the outbox lives in). */
  readonly release?: () => Promise<void>;
}

/** One line per channel: `alerts: siem (syslog+tls://…): 12 delivered, 3 queued (last error: …)`. */
export function describeFlush(report: readonly ChannelFlushReport[]): string[] {
  return report.map((r) => {
    const parts = [`${r.delivered} delivered`];
    if (r.failed > 0) parts.push(`${r.failed} failed`);
    if (r.pending < 0) parts.push('queue unreadable');
    if (r.pending > 0) parts.push(`${r.pending} still queued${r.leasedElsewhere ? ' (another exhunt process is delivering this channel)' : ''}`);
    const name = r.channel === r.target ? r.channel : `${r.channel} (${r.target})`;
    const error = r.lastError && (r.pending !== 0 || r.failed > 0) ? `; last error: ${r.lastError}` : '';
    return escapeTerminal(`alerts: ${name}: ${parts.join(', ')}${error}`);
  });
}

export function alertSink(options: AlertSinkOptions): Sink {
  const life = new SinkLifecycle('alert');
  const outbox = options.store;
  const report = options.report ?? ((line: string) => process.stderr.write(`exhunt: ${line}\n`));
  const dispatcher = new Dispatcher({ outbox, channels: options.channels });
  const queues = options.channels.map((c) => ({ id: c.id, policy: c.policy, kind: c.kind, target: c.target }));
  let enqueueError: string | null = null;
  let lost = 0;

  return {
    name: 'alert',
    begin() {
      life.begin();
      dispatcher.start();
    },
    write(finding: Finding) {
      life.write();
      const alert = alertFromFinding(finding);
      try {
        outbox.db.transaction(() => {
          for (const q of queues) outbox.enqueue(outbox.db, q, [alert]);
        })();
      } catch (e) {
        lost++;
        enqueueError ??= messageOf(e);
        return;
      }
      dispatcher.start();
      dispatcher.kick();
    },
    async close() {
      life.close();
      try {
        const result = await dispatcher.flush({ timeoutMs: options.flushTimeoutMs ?? 30_000 });
        await dispatcher.stop();
        for (const line of describeFlush(result)) report(line);
        options.onClose?.(result);
      } catch (e) {
        report(escapeTerminal(`alerts: delivery stopped: ${messageOf(e)}`));
      }
      if (lost > 0) report(escapeTerminal(`alerts: ${lost} findings could not be queued: ${enqueueError ?? ''}`));
      try {
        await options.release?.();
      } catch (e) {
        report(escapeTerminal(`alerts: cannot close the store: ${messageOf(e)}`));
      }
    },
  };
}
