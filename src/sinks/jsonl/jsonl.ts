/**
 * @module `jsonlSink`: findings as JSON Lines, one `Finding` per line, written as they come, so a
 * SIEM or `jq` can consume them and an aborted run keeps what was found so far.
 *
 * ## Schema (schemaVersion 1)
 *
 * Each line is one JSON object with these keys, in this order (the order of `src/core/finding.ts`):
 *
 * | key           | type                                   | meaning                                              |
 * |---------------|----------------------------------------|------------------------------------------------------|
 * | `ruleId`      | string                                 | stable rule id, e.g. `Exchange.ProxyLogon.Ssrf`      |
 * | `title`       | string                                 | one-line rule title                                  |
 * | `description` | string                                 | what the rule detects                                |
 * | `severity`    | `info`\|`low`\|`medium`\|`high`\|`critical` |                                                 |
 * | `outcome`     | `context`\|`attempted`\|`compromised`  | what the finding says about the host                 |
 * | `stage`       | string                                 | attack stage (`reconnaissance` … `collection`)       |
 * | `cves`        | string[]                               | e.g. `["CVE-2021-26855"]`                            |
 * | `attack`      | string[]                               | MITRE ATT&CK technique ids, e.g. `["T1190"]`         |
 * | `references`  | {name, url?}[]                         | where the rule's content came from                   |
 * | `time`        | string \| null                         | event time, ISO 8601 UTC                             |
 * | `clientIp`    | string \| null                         | remote client address as logged                      |
 * | `source`      | {path, line, kind, recordId?}          | file relative to the input (`/`), 1-based line or null, record kind, EventRecordID of events |
 * | `evidence`    | {[field]: string}                      | selected record fields and extracted values          |
 * | `report`      | string (absent when none)              | Test-ProxyLogon report the finding belongs in        |
 * | `schemaVersion` | 1                                    | bumped on any incompatible change                    |
 * | `host`        | string                                 | host the evidence belongs to                         |
 * | `input`       | string                                 | PATH argument it was found under                     |
 *
 * Keys not in this list are not written, so the format changes only with `schemaVersion`.
 * DEL, C1 controls and bidi/invisible characters inside strings are written as `\uNNNN` escapes
 * (JSON already escapes C0), so `cat findings.jsonl` cannot drive the terminal; parsing gives
 * back the exact original strings. Lines end with `\n`; the file is UTF-8 without BOM.
 *
 * ## Delivery
 *
 * Writes respect backpressure: `write` resolves once the stream can take more. A write error
 * rejects the next `write` or `close` with a {@link SinkError} (the run fails with exit code 2:
 * findings that were not recorded must not look recorded). With `path`, the file (and missing
 * parent folders) is created at `begin` and closed at `close`; with `stream`, the stream is
 * flushed at `close` but not ended, because it is usually stdout.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Finding } from '../../core/finding.js';
import type { Sink } from '../../core/sink.js';
import { escapeJsonText } from '../escape/index.js';
import { errorMessage, SinkError, SinkLifecycle } from '../lifecycle.js';

export type JsonlOptions = { readonly path: string } | { readonly stream: Writable };

/** One finding as its JSON Lines line (with the trailing `\n`), keys in schema order. */
export function findingToJsonLine(f: Finding): string {
  // Key order as documented in the README's schema table.
  const record = {
    schemaVersion: f.schemaVersion,
    ruleId: f.ruleId,
    title: f.title,
    description: f.description,
    severity: f.severity,
    outcome: f.outcome,
    stage: f.stage,
    cves: f.cves,
    attack: f.attack,
    references: f.references.map((r) => (r.url === undefined ? { name: r.name } : { name: r.name, url: r.url })),
    time: f.time,
    clientIp: f.clientIp,
    host: f.host,
    input: f.input,
    source: { path: f.source.path, line: f.source.line, kind: f.source.kind, ...(f.source.recordId !== undefined ? { recordId: f.source.recordId } : {}) },
    evidence: f.evidence,
    report: f.report,
  };
  return `${escapeJsonText(JSON.stringify(record))}\n`;
}

function sinkError(what: string, err: unknown): SinkError {
  return new SinkError(`jsonl sink: ${what}: ${errorMessage(err)}`);
}

/** Resolves on 'drain'; rejects if the stream fails or closes first (it would never drain). */
function drained(s: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      s.off('drain', onDrain).off('error', onError).off('close', onClose);
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(errorMessage(err)));
    };
    const onDrain = (): void => done();
    const onError = (e: unknown): void => done(e);
    const onClose = (): void => done(new Error('stream closed before it drained'));
    s.on('drain', onDrain).on('error', onError).on('close', onClose);
  });
}

export function jsonlSink(options: JsonlOptions): Sink {
  const life = new SinkLifecycle('jsonl');
  const owned = 'path' in options;
  let out: Writable | null = null;
  let failure: SinkError | null = null;

  async function open(): Promise<Writable> {
    if (out) return out;
    let s: Writable;
    if ('path' in options) {
      try {
        await mkdir(dirname(options.path), { recursive: true });
        const ws = createWriteStream(options.path, { flags: 'w' });
        // Surface "cannot create the file" now, at begin, rather than after the whole scan.
        await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
        s = ws;
      } catch (err) {
        throw sinkError(`cannot create ${options.path}`, err);
      }
    } else {
      s = options.stream;
    }
    s.on('error', (err) => (failure ??= sinkError('write failed', err)));
    out = s;
    return s;
  }

  function check(): void {
    if (failure) throw failure;
  }

  return {
    name: 'jsonl',
    async begin(): Promise<void> {
      life.begin();
      await open();
    },
    async write(finding: Finding): Promise<void> {
      life.write();
      const s = await open();
      check();
      const ok = s.write(findingToJsonLine(finding), (err) => {
        if (err) failure ??= sinkError('write failed', err);
      });
      if (!ok) await drained(s).catch((err: unknown) => (failure ??= sinkError('write failed', err)));
      check();
    },
    async close(): Promise<void> {
      life.close();
      const s = await open();
      try {
        if (owned) {
          // Our own file is closed even after a failure, so its descriptor is not leaked.
          if (failure) s.destroy();
          else {
            s.end();
            await finished(s);
          }
        } else if (!failure) {
          // The callback of an empty write runs once everything queued before it is flushed.
          await new Promise<void>((resolve, reject) => s.write('', (err) => (err ? reject(err) : resolve())));
        }
      } catch (err) {
        failure ??= sinkError('cannot flush', err);
      }
      check();
    },
  };
}
