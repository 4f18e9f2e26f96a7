/**
 * @module The dispatcher: delivers each channel's outbox queue in order, one loop per channel.
 *
 * - Order: a channel sends its oldest pending alerts first and does not pass an alert that
 *   is still being retried (head-of-line), so the receiver sees them in queue order.
 * - Retries: a retryable failure waits `initial × 2^(n-1)` (capped at `max`, at least the
 *   receiver's `Retry-After`) and tries the same alerts again; after `maxAttempts` (0: never)
 *   they are marked failed. A rejection (not retryable) fails a single alert at once; a rejected
 *   batch is retried one alert at a time to find the culprit.
 * - Rate limit: at most `count` deliveries in any `per` window, counted from the delivery times
 *   in the outbox (so a restart does not reset it); the rest wait, nothing is dropped.
 * - Digest: with a batch wait, a channel sends once the oldest pending alert has waited that
 *   long (or the batch is full); `flush` sends at once.
 * - Backoff is kept in memory: a new process tries a waiting channel at once.
 * - A channel whose lease another live process holds is left to that process.
 *
 * Nothing here throws to the caller: failures are recorded in the outbox and reported by
 * `flush` and `status`.
 */
import { randomUUID } from 'node:crypto';
import type { AlertChannel } from '../channel.js';
import { DeliveryError, messageOf } from '../errors.js';
import { backoffMs } from '../policy.js';
import type { Outbox, OutboxRow } from './outbox.js';

export interface DispatcherOptions {
  readonly outbox: Outbox;
  readonly channels: readonly AlertChannel[];
  /** How long a lease lasts without renewal (default 60 s). */
  readonly leaseMs?: number;
  /** How often an idle channel looks for alerts queued by another process (default 2 s). */
  readonly pollMs?: number;
  /**
   * Finished alerts (and their idempotency keys) older than this are deleted when the dispatcher
   * starts (default 30 days; 0 keeps everything).
   */
  readonly retentionMs?: number;
  /** Called on each delivery outcome (for progress output and tests). */
  readonly onEvent?: (event: DispatchEvent) => void;
}

export type DispatchEvent =
  | { readonly type: 'delivered'; readonly channel: string; readonly count: number }
  | { readonly type: 'retry'; readonly channel: string; readonly error: string; readonly waitMs: number }
  | { readonly type: 'failed'; readonly channel: string; readonly count: number; readonly error: string };

export interface ChannelFlushReport {
  readonly channel: string;
  readonly target: string;
  /** Delivered by this dispatcher since it started. */
  readonly delivered: number;
  /** Given up by this dispatcher since it started. */
  readonly failed: number;
  /** Still queued (will be sent by the next run that has this channel). */
  readonly pending: number;
  readonly lastError: string | null;
  /** Another process holds this channel's lease and delivers it. */
  readonly leasedElsewhere: boolean;
}

interface ChannelState {
  readonly channel: AlertChannel;
  failures: number;
  nextTryMs: number;
  single: boolean;
  delivered: number;
  failed: number;
  lastError: string | null;
  leased: boolean;
  leaseRenewMs: number;
  running: Promise<void> | null;
}

export class Dispatcher {
  readonly #outbox: Outbox;
  readonly #states: ChannelState[];
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #retentionMs: number;
  readonly #onEvent: (e: DispatchEvent) => void;
  readonly #holder = { owner: `${process.pid}-${randomUUID()}`, pid: process.pid };
  readonly #stop = new AbortController();
  #wakers = new Set<() => void>();
  #flushing = 0;
  #started = false;

  constructor(options: DispatcherOptions) {
    this.#outbox = options.outbox;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 2000;
    this.#retentionMs = options.retentionMs ?? 30 * 86_400_000;
    this.#onEvent = options.onEvent ?? (() => undefined);
    this.#states = options.channels.map((channel) => ({
      channel,
      failures: 0,
      nextTryMs: 0,
      single: false,
      delivered: 0,
      failed: 0,
      lastError: null,
      leased: false,
      leaseRenewMs: 0,
      running: null,
    }));
  }

  /** Starts the delivery loops (once). */
  start(): void {
    if (this.#started || this.#stop.signal.aborted) return;
    this.#started = true;
    if (this.#retentionMs > 0) {
      try {
        this.#outbox.prune(Date.now() - this.#retentionMs);
      } catch {
        // Pruning is housekeeping; a locked or damaged outbox shows up in delivery instead.
      }
    }
    for (const s of this.#states) s.running = this.#loop(s);
  }

  /** New alerts were queued: wake idle loops. */
  kick(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const w of wakers) w();
  }

  /** Waits `ms` or until kicked or stopped. */
  #sleep(ms: number): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        this.#stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#wakers.add(done);
      this.#stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  #lease(s: ChannelState, now: number): boolean {
    if (s.leased && now < s.leaseRenewMs) return true;
    try {
      s.leased = this.#outbox.acquireLease(s.channel.id, this.#holder, now + this.#leaseMs);
    } catch (e) {
      s.lastError = `outbox: ${messageOf(e)}`;
      s.leased = false;
    }
    s.leaseRenewMs = now + this.#leaseMs / 3;
    return s.leased;
  }

  async #loop(s: ChannelState): Promise<void> {
    const id = s.channel.id;
    const policy = s.channel.policy;
    while (!this.#stop.signal.aborted) {
      const now = Date.now();
      if (!this.#lease(s, now)) {
        await this.#sleep(Math.min(this.#pollMs, 1000));
        continue;
      }
      let rows: OutboxRow[];
      try {
        rows = this.#outbox.pending(id, s.single ? 1 : policy.batch.max);
      } catch (e) {
        s.lastError = `outbox: ${messageOf(e)}`;
        await this.#sleep(1000);
        continue;
      }
      const head = rows[0];
      if (!head) {
        s.single = false;
        await this.#sleep(this.#pollMs);
        continue;
      }
      if (s.nextTryMs > now) {
        await this.#sleep(s.nextTryMs - now);
        continue;
      }
      if (this.#flushing === 0 && policy.batch.waitMs > 0 && rows.length < policy.batch.max && now - head.createdMs < policy.batch.waitMs) {
        await this.#sleep(head.createdMs + policy.batch.waitMs - now);
        continue;
      }
      let count = rows.length;
      if (policy.rateLimit) {
        const since = now - policy.rateLimit.perMs;
        const used = this.#outbox.deliveredSince(id, since);
        const allowed = policy.rateLimit.count - used;
        if (allowed <= 0) {
          const oldest = this.#outbox.deliveryTimeSince(id, since, used - policy.rateLimit.count) ?? now;
          await this.#sleep(oldest + policy.rateLimit.perMs - now + 1);
          continue;
        }
        count = Math.min(count, allowed);
      }
      await this.#deliver(s, rows.slice(0, count));
    }
  }

  async #deliver(s: ChannelState, rows: readonly OutboxRow[]): Promise<void> {
    const id = s.channel.id;
    const broken = rows.filter((r) => r.alert === null);
    if (broken.length > 0) {
      this.#outbox.markFailed(id, broken.map((r) => r.seq), 'outbox row cannot be read');
      return;
    }
    const alerts = rows.map((r) => r.alert).filter((a) => a !== null);
    const seqs = rows.map((r) => r.seq);
    const signal = AbortSignal.any([AbortSignal.timeout(s.channel.policy.timeoutMs), this.#stop.signal]);
    try {
      await s.channel.send(alerts, signal);
    } catch (e) {
      if (this.#stop.signal.aborted) return;
      this.#failed(s, seqs, e);
      return;
    }
    try {
      this.#outbox.markDelivered(id, seqs);
    } catch (e) {
      // Sent but not recorded: the next run sends these again (same idempotency keys).
      s.lastError = `outbox: ${messageOf(e)}`;
      await this.#sleep(1000);
      return;
    }
    s.failures = 0;
    s.nextTryMs = 0;
    s.delivered += seqs.length;
    if (s.single && seqs.length === 1) s.single = false;
    this.#onEvent({ type: 'delivered', channel: id, count: seqs.length });
  }

  #failed(s: ChannelState, seqs: readonly number[], e: unknown): void {
    const id = s.channel.id;
    const error = messageOf(e);
    s.lastError = error;
    const retryable = !(e instanceof DeliveryError) || e.retryable;
    try {
      if (!retryable) {
        if (seqs.length > 1) {
          s.single = true;
          this.#outbox.markAttempt(id, seqs, error);
          return;
        }
        this.#outbox.markFailed(id, seqs, error);
        s.failed += seqs.length;
        s.single = false;
        this.#onEvent({ type: 'failed', channel: id, count: seqs.length, error });
        return;
      }
      const attempts = this.#outbox.markAttempt(id, seqs, error);
      const max = s.channel.policy.retry.maxAttempts;
      if (max > 0) {
        const spent = seqs.filter((_, i) => (attempts[i] ?? 0) >= max);
        if (spent.length > 0) {
          this.#outbox.markFailed(id, spent, `${error} (gave up after ${max} attempts)`);
          s.failed += spent.length;
          this.#onEvent({ type: 'failed', channel: id, count: spent.length, error });
        }
      }
    } catch (dbError) {
      s.lastError = `${error}; outbox: ${messageOf(dbError)}`;
    }
    s.failures += 1;
    const wait = Math.max(backoffMs(s.channel.policy, s.failures), e instanceof DeliveryError ? (e.retryAfterMs ?? 0) : 0);
    s.nextTryMs = Date.now() + wait;
    this.#onEvent({ type: 'retry', channel: id, error, waitMs: wait });
  }

  #report(): ChannelFlushReport[] {
    return this.#states.map((s) => {
      let pending: number;
      try {
        pending = this.#outbox.pendingCount(s.channel.id);
      } catch {
        pending = -1;
      }
      return {
        channel: s.channel.id,
        target: s.channel.target,
        delivered: s.delivered,
        failed: s.failed,
        pending,
        lastError: s.lastError,
        leasedElsewhere: !s.leased && pending > 0,
      };
    });
  }

  /**
   * Delivers what is queued now, digests included, waiting at most `timeoutMs`; resolves with
   * what is left per channel. Loops keep running afterwards until {@link stop}.
   */
  async flush(options: { timeoutMs: number }): Promise<ChannelFlushReport[]> {
    this.start();
    this.#flushing++;
    const deadline = Date.now() + options.timeoutMs;
    try {
      this.kick();
      for (;;) {
        const report = this.#report();
        const waiting = report.some((r) => r.pending > 0 && this.#states.find((s) => s.channel.id === r.channel)?.leased !== false);
        const now = Date.now();
        if (!waiting || now >= deadline) return report;
        await new Promise((resolve) => setTimeout(resolve, Math.min(25, deadline - now)));
      }
    } finally {
      this.#flushing--;
    }
  }

  /** Stops the loops (an in-flight send is aborted and stays pending), releases leases, closes channels. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error('dispatcher stopped'));
    this.kick();
    await Promise.all(this.#states.map((s) => s.running ?? Promise.resolve()));
    for (const s of this.#states) {
      if (s.leased) {
        try {
          this.#outbox.releaseLease(s.channel.id, this.#holder);
        } catch {
          // The lease expires by itself.
        }
      }
      s.leased = false;
      await s.channel.close().catch(() => undefined);
    }
  }
}
