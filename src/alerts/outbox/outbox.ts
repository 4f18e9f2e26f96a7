/**
 * @module The durable outbox: one ordered queue per channel in SQLite.
 *
 * - `enqueue(tx, channel, alerts)` writes on the caller's connection, inside the caller's open
 *   transaction when there is one (a watcher commits its checkpoint and the alerts it produced
 *   together), else in a transaction of its own. The severity threshold and the dedup window
 *   are applied here, durably: a suppressed alert is recorded as `suppressed`.
 * - Every row is unique per (channel, idempotency key): the same finding queued again (a
 *   restarted watcher re-reading lines past its last checkpoint, a second scan of the same
 *   evidence) is ignored, whatever state the first copy is in.
 * - Rows leave `pending` in `seq` order, as `delivered` or `failed`; the dispatcher owns that.
 * - One process at a time delivers a channel: it holds the channel's lease, which another
 *   process may take over once it expired or its holder's process is gone.
 */
import type { Alert } from '../alert.js';
import { decodeAlert, encodeAlert } from '../alert.js';
import type { ChannelPolicy } from '../policy.js';
import { dedupKey, passesThreshold } from '../policy.js';
import { ensureAlertsSchema } from './schema.js';
import type { SqlConnection } from './sql.js';

export type AlertState = 'pending' | 'delivered' | 'failed' | 'suppressed';

/** What enqueue needs to know of a channel. */
export interface QueueSpec {
  readonly id: string;
  readonly policy: Pick<ChannelPolicy, 'minSeverity' | 'dedup'>;
  readonly kind?: string;
  readonly target?: string;
}

export interface EnqueueResult {
  readonly queued: number;
  /** Already in this channel's outbox (same idempotency key). */
  readonly duplicates: number;
  /** Inside the dedup window of an earlier alert of the same rule and key. */
  readonly suppressed: number;
  readonly belowThreshold: number;
}

export interface OutboxRow {
  readonly seq: number;
  readonly key: string;
  readonly attempts: number;
  readonly createdMs: number;
  readonly alert: Alert | null;
}

export interface ChannelStatus {
  readonly channel: string;
  readonly kind: string | null;
  readonly target: string | null;
  readonly pending: number;
  readonly delivered: number;
  readonly failed: number;
  readonly suppressed: number;
  /** Creation time of the oldest pending alert (ISO), or null. */
  readonly oldestPending: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** Process id delivering this channel now (an unexpired lease), or null. */
  readonly deliveringPid: number | null;
}

export interface LeaseHolder {
  readonly owner: string;
  readonly pid: number;
}

/** True when a process with this id exists (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ISO = (ms: number): string => new Date(ms).toISOString();

export class Outbox {
  readonly db: SqlConnection;
  readonly #now: () => number;

  /** `db` gets the outbox tables if it lacks them. */
  constructor(db: SqlConnection, options: { now?: () => number } = {}) {
    this.db = db;
    this.#now = options.now ?? Date.now;
    ensureAlertsSchema(db);
  }

  /**
   * Queues alerts for one channel on `tx` (the caller's connection: inside its open transaction
   * if there is one, else in a new one). Returns what happened to them.
   */
  enqueue(tx: SqlConnection, channel: QueueSpec, alerts: readonly Alert[]): EnqueueResult {
    const run = (): EnqueueResult => this.#enqueue(tx, channel, alerts);
    return tx.inTransaction ? run() : tx.transaction(run).immediate();
  }

  #enqueue(tx: SqlConnection, channel: QueueSpec, alerts: readonly Alert[]): EnqueueResult {
    let queued = 0;
    let duplicates = 0;
    let suppressed = 0;
    let belowThreshold = 0;
    const insert = tx.prepare(
      `INSERT INTO alerts_outbox (channel, key, state, severity, rule_id, created_at, created_ms, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, key) DO NOTHING`,
    );
    const exists = tx.prepare('SELECT 1 FROM alerts_outbox WHERE channel = ? AND key = ?');
    const lastSent = tx.prepare('SELECT last_ms FROM alerts_suppression WHERE channel = ? AND dedup_key = ?');
    const remember = tx.prepare(
      `INSERT INTO alerts_suppression (channel, dedup_key, last_ms) VALUES (?, ?, ?)
       ON CONFLICT (channel, dedup_key) DO UPDATE SET last_ms = excluded.last_ms`,
    );
    const bump = tx.prepare('UPDATE alerts_suppression SET suppressed = suppressed + 1 WHERE channel = ? AND dedup_key = ?');
    tx.prepare('INSERT INTO alerts_channels (channel, kind, target) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET kind = coalesce(excluded.kind, kind), target = coalesce(excluded.target, target)').run(
      channel.id,
      channel.kind ?? null,
      channel.target ?? null,
    );
    for (const alert of alerts) {
      const f = alert.finding;
      if (!alert.test && !passesThreshold(channel.policy, f.severity)) {
        belowThreshold++;
        continue;
      }
      if (exists.get(channel.id, alert.key)) {
        duplicates++;
        continue;
      }
      let state: AlertState = 'pending';
      const dedup = channel.policy.dedup;
      if (dedup && dedup.windowMs > 0 && !alert.test) {
        const key = dedupKey(f, dedup.key);
        const t = f.time ? Date.parse(f.time) : NaN;
        const at = Number.isNaN(t) ? Date.parse(alert.createdAt) : t;
        const row = lastSent.get(channel.id, key) as { last_ms: number } | undefined;
        if (row && Math.abs(at - row.last_ms) < dedup.windowMs) {
          state = 'suppressed';
          bump.run(channel.id, key);
        } else {
          remember.run(channel.id, key, at);
        }
      }
      const created = Date.parse(alert.createdAt);
      insert.run(channel.id, alert.key, state, f.severity, f.ruleId, alert.createdAt, Number.isNaN(created) ? this.#now() : created, encodeAlert(alert));
      if (state === 'suppressed') suppressed++;
      else queued++;
    }
    return { queued, duplicates, suppressed, belowThreshold };
  }

  /** The first `limit` pending alerts of a channel, in order. */
  pending(channel: string, limit: number): OutboxRow[] {
    const rows = this.db
      .prepare("SELECT seq, key, attempts, created_ms, payload FROM alerts_outbox WHERE channel = ? AND state = 'pending' ORDER BY seq LIMIT ?")
      .all(channel, limit) as { seq: number; key: string; attempts: number; created_ms: number; payload: string }[];
    return rows.map((r) => {
      let alert: Alert | null;
      try {
        alert = decodeAlert(r.payload);
      } catch {
        alert = null;
      }
      return { seq: r.seq, key: r.key, attempts: r.attempts, createdMs: r.created_ms, alert };
    });
  }

  pendingCount(channel: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM alerts_outbox WHERE channel = ? AND state = 'pending'").get(channel) as { n: number }).n;
  }

  #finish(channel: string, seqs: readonly number[], state: 'delivered' | 'failed', error: string | null): void {
    const now = this.#now();
    const mark = this.db.prepare(
      "UPDATE alerts_outbox SET state = ?, attempts = attempts + 1, done_ms = ?, last_error = coalesce(?, last_error) WHERE seq = ? AND channel = ? AND state = 'pending'",
    );
    this.db.transaction(() => {
      for (const seq of seqs) mark.run(state, now, error, seq, channel);
      if (state === 'delivered') this.db.prepare('UPDATE alerts_channels SET last_success_at = ? WHERE channel = ?').run(ISO(now), channel);
      else this.#channelError(channel, error ?? 'failed', now);
    })();
  }

  markDelivered(channel: string, seqs: readonly number[]): void {
    this.#finish(channel, seqs, 'delivered', null);
  }

  /** Gives these alerts up (rejected by the receiver, or out of attempts). */
  markFailed(channel: string, seqs: readonly number[], error: string): void {
    this.#finish(channel, seqs, 'failed', error);
  }

  /** Records a failed try; the alerts stay pending. Returns their attempts so far. */
  markAttempt(channel: string, seqs: readonly number[], error: string): number[] {
    const now = this.#now();
    const bump = this.db.prepare("UPDATE alerts_outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ? AND channel = ? AND state = 'pending' RETURNING attempts");
    return this.db.transaction(() => {
      const out = seqs.map((seq) => (bump.get(error, seq, channel) as { attempts: number } | undefined)?.attempts ?? 0);
      this.#channelError(channel, error, now);
      return out;
    })();
  }

  #channelError(channel: string, error: string, now: number): void {
    this.db
      .prepare('INSERT INTO alerts_channels (channel, last_error, last_error_at) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at')
      .run(channel, error, ISO(now));
  }

  /** Deliveries of a channel since `sinceMs` (for the rate limit). */
  deliveredSince(channel: string, sinceMs: number): number {
    return (
      this.db.prepare("SELECT count(*) AS n FROM alerts_outbox WHERE channel = ? AND state = 'delivered' AND done_ms > ?").get(channel, sinceMs) as { n: number }
    ).n;
  }

  /** Delivery time of the `n`-th (0-based) delivery since `sinceMs`, oldest first. */
  deliveryTimeSince(channel: string, sinceMs: number, n: number): number | null {
    const row = this.db
      .prepare("SELECT done_ms FROM alerts_outbox WHERE channel = ? AND state = 'delivered' AND done_ms > ? ORDER BY done_ms LIMIT 1 OFFSET ?")
      .get(channel, sinceMs, n) as { done_ms: number } | undefined;
    return row?.done_ms ?? null;
  }

  /**
   * Takes or renews the channel's delivery lease until `untilMs`. Succeeds when free, expired,
   * already ours, or held by a process of this machine that no longer exists.
   */
  acquireLease(channel: string, holder: LeaseHolder, untilMs: number): boolean {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT lease_owner, lease_pid, lease_until_ms FROM alerts_channels WHERE channel = ?').get(channel) as
          | { lease_owner: string | null; lease_pid: number | null; lease_until_ms: number | null }
          | undefined;
        const free =
          !row ||
          row.lease_owner === null ||
          row.lease_owner === holder.owner ||
          (row.lease_until_ms ?? 0) < this.#now() ||
          (row.lease_pid !== null && row.lease_pid !== holder.pid && !processAlive(row.lease_pid));
        if (!free) return false;
        this.db
          .prepare(
            `INSERT INTO alerts_channels (channel, lease_owner, lease_pid, lease_until_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (channel) DO UPDATE SET lease_owner = excluded.lease_owner, lease_pid = excluded.lease_pid, lease_until_ms = excluded.lease_until_ms`,
          )
          .run(channel, holder.owner, holder.pid, untilMs);
        return true;
      })
      .immediate();
  }

  releaseLease(channel: string, holder: LeaseHolder): void {
    this.db.prepare('UPDATE alerts_channels SET lease_owner = NULL, lease_pid = NULL, lease_until_ms = NULL WHERE channel = ? AND lease_owner = ?').run(channel, holder.owner);
  }

  /** Queue depth, counts, last success and last error of every channel the outbox knows. */
  status(): ChannelStatus[] {
    const counts = this.db
      .prepare(
        `SELECT channel,
                sum(state = 'pending') AS pending, sum(state = 'delivered') AS delivered,
                sum(state = 'failed') AS failed, sum(state = 'suppressed') AS suppressed,
                min(CASE WHEN state = 'pending' THEN created_ms END) AS oldest
           FROM alerts_outbox GROUP BY channel`,
      )
      .all() as { channel: string; pending: number; delivered: number; failed: number; suppressed: number; oldest: number | null }[];
    const channels = this.db.prepare('SELECT * FROM alerts_channels').all() as {
      channel: string;
      kind: string | null;
      target: string | null;
      last_success_at: string | null;
      last_error: string | null;
      last_error_at: string | null;
      lease_pid: number | null;
      lease_until_ms: number | null;
    }[];
    const byName = new Map(channels.map((c) => [c.channel, c]));
    const names = [...new Set([...channels.map((c) => c.channel), ...counts.map((c) => c.channel)])].sort();
    const now = this.#now();
    return names.map((name) => {
      const c = counts.find((x) => x.channel === name);
      const ch = byName.get(name);
      const leased = ch?.lease_pid != null && (ch.lease_until_ms ?? 0) >= now && processAlive(ch.lease_pid);
      return {
        channel: name,
        kind: ch?.kind ?? null,
        target: ch?.target ?? null,
        pending: c?.pending ?? 0,
        delivered: c?.delivered ?? 0,
        failed: c?.failed ?? 0,
        suppressed: c?.suppressed ?? 0,
        oldestPending: c?.oldest != null ? ISO(c.oldest) : null,
        lastSuccessAt: ch?.last_success_at ?? null,
        lastError: ch?.last_error ?? null,
        lastErrorAt: ch?.last_error_at ?? null,
        deliveringPid: leased ? (ch?.lease_pid ?? null) : null,
      };
    });
  }

  /** The last `limit` failed alerts with their errors, newest first. */
  failures(channel: string | null, limit = 10): { channel: string; key: string; ruleId: string; error: string | null; at: string | null }[] {
    const rows = this.db
      .prepare(
        `SELECT channel, key, rule_id, last_error, done_ms FROM alerts_outbox WHERE state = 'failed' AND (? IS NULL OR channel = ?) ORDER BY done_ms DESC, seq DESC LIMIT ?`,
      )
      .all(channel, channel, limit) as { channel: string; key: string; rule_id: string; last_error: string | null; done_ms: number | null }[];
    return rows.map((r) => ({ channel: r.channel, key: r.key, ruleId: r.rule_id, error: r.last_error, at: r.done_ms !== null ? ISO(r.done_ms) : null }));
  }

  /**
   * Deletes delivered, failed and suppressed rows finished before `beforeMs` (their keys then no
   * longer stop a re-send) and dedup windows that ended before it. Returns rows deleted.
   */
  prune(beforeMs: number): number {
    return this.db.transaction(() => {
      const n = this.db.prepare("DELETE FROM alerts_outbox WHERE state != 'pending' AND coalesce(done_ms, created_ms) < ?").run(beforeMs).changes;
      this.db.prepare('DELETE FROM alerts_suppression WHERE last_ms < ?').run(beforeMs);
      return n;
    })();
  }
}
