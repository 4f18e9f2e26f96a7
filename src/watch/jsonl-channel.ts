/**
 * @module `--jsonl FILE` of `exhunt watch`: the findings as JSON Lines (the scan's schema,
 * README "Output schema"), delivered through the outbox like any alert channel, so the file gets
 * every finding exactly once across crashes and restarts.
 *
 * The outbox marks a batch delivered after the lines were appended and flushed to disk. A crash
 * between the two would append the batch again after the restart; so before its first append
 * the channel reads the end of the file and leaves out lines already there (the idempotency key
 * of a finding is computed from its JSON line), and it cuts a partial last line a crash left.
 */
import { mkdirSync, openSync, closeSync, fstatSync, readSync, writeSync, fsyncSync, ftruncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Alert } from '../alerts/alert.js';
import { alertKey } from '../alerts/alert.js';
import type { AlertChannel } from '../alerts/channel.js';
import { DeliveryError, messageOf } from '../alerts/errors.js';
import type { ChannelPolicy } from '../alerts/policy.js';
import type { Finding } from '../core/finding.js';
import { findingToJsonLine } from '../sinks/jsonl/jsonl.js';

/** Bytes read back from the end of the file at the first append. */
const TAIL_BYTES = 1024 * 1024;

const POLICY: ChannelPolicy = {
  minSeverity: 'info',
  dedup: null,
  rateLimit: null,
  retry: { initialMs: 1000, maxMs: 30_000, maxAttempts: 0 },
  batch: { max: 500, waitMs: 0 },
  timeoutMs: 30_000,
};

/** Idempotency keys of the complete JSON lines in `text` (lines that do not parse are ignored). */
export function keysOfJsonLines(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const f = JSON.parse(line) as Pick<Finding, 'host' | 'ruleId' | 'source' | 'time'>;
      if (typeof f.host === 'string' && typeof f.ruleId === 'string' && f.source && typeof f.source.path === 'string') keys.add(alertKey(f));
    } catch {
      // Not a finding line: nothing to compare against.
    }
  }
  return keys;
}

export function jsonlChannel(path: string, name = `jsonl:${path}`): AlertChannel {
  let fd: number | null = null;
  let recent: Set<string> | null = null;

  function open(): number {
    if (fd !== null) return fd;
    mkdirSync(dirname(path), { recursive: true });
    const f = openSync(path, 'a+');
    try {
      const size = fstatSync(f).size;
      const from = Math.max(0, size - TAIL_BYTES);
      const buf = Buffer.alloc(size - from);
      if (buf.length > 0) readSync(f, buf, 0, buf.length, from);
      const lastNl = buf.lastIndexOf(0x0a);
      if (buf.length > 0 && lastNl !== buf.length - 1) {
        // A crash in the middle of a write: the partial line goes, the next batch rewrites it.
        ftruncateSync(f, from + lastNl + 1);
      }
      // The first line of the window may be cut; it simply yields no key.
      recent = keysOfJsonLines(buf.subarray(0, lastNl + 1).toString('utf8'));
    } catch (e) {
      closeSync(f);
      throw e;
    }
    fd = f;
    return f;
  }

  return {
    id: name,
    kind: 'jsonl',
    target: path,
    policy: POLICY,
    send(alerts: readonly Alert[]): Promise<void> {
      try {
        const f = open();
        const seen = recent;
        const fresh = seen === null ? alerts : alerts.filter((a) => !seen.has(a.key));
        // Only the batch in flight at a crash can repeat lines already written: once a batch
        // overlaps nothing, the check is over.
        if (fresh.length === alerts.length) recent = null;
        if (fresh.length === 0) return Promise.resolve();
        const bytes = Buffer.from(fresh.map((a) => findingToJsonLine(a.finding)).join(''), 'utf8');
        let written = 0;
        while (written < bytes.length) written += writeSync(f, bytes, written, bytes.length - written);
        fsyncSync(f);
        return Promise.resolve();
      } catch (e) {
        if (fd !== null) {
          closeSync(fd);
          fd = null;
        }
        return Promise.reject(new DeliveryError(`cannot write ${path}: ${messageOf(e)}`, { retryable: true, cause: e }));
      }
    },
    close(): Promise<void> {
      if (fd !== null) {
        closeSync(fd);
        fd = null;
      }
      return Promise.resolve();
    },
  };
}
