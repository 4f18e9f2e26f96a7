/**
 * @module Windows event logs on the live server, read with `wevtutil qe` (kept thin on purpose:
 * nothing here can run in CI). The position in each channel is its last EventRecordID, kept in
 * the store (`watch_eventlog`) and committed in the same transaction as the alerts of the events
 * read, which is what a wevtutil bookmark file cannot offer: a bookmark written before the
 * alerts are queued loses them in a crash, one written after sends them twice.
 *
 * Each query asks for the events after the position (`*[System[EventRecordID>N]]`), oldest
 * first, at most `max` at a time, as XML, and hands the output to the scan's wevtutil-xml parser.
 * A record id is a channel's natural line number, so the findings' `source.line` is the
 * EventRecordID (stable across queries, so a re-read after a crash gives the same idempotency
 * keys). A channel whose newest id is below the position was cleared (itself suspicious): it is
 * read again from its start.
 */
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import type { DiagnosticSink } from '../core/diagnostic.js';
import type { LogRecord } from '../core/record.js';
import { readLog } from '../engine/read-log.js';
import { PlacedRecord } from './replay.js';

/** Channels read by default on a live Exchange server. */
export const DEFAULT_EVENT_LOGS = ['Application', 'MSExchange Management'] as const;

function wevtutil(args: readonly string[]): Promise<string> {
  const systemRoot = process.env.SystemRoot ?? 'C:\\Windows';
  const exe = `${systemRoot}\\System32\\wevtutil.exe`;
  return new Promise((resolve, reject) => {
    execFile(exe, [...args], { windowsHide: true, timeout: 60_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      if (error) reject(new Error(`wevtutil ${args.join(' ')}: ${error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** Tree path of a channel's events in findings: `EventLog/<channel>`. */
export function eventLogPath(channel: string): string {
  return `EventLog/${channel}`;
}

async function parse(channel: string, xml: string, onRecord: (r: LogRecord) => void, onDiagnostic: DiagnosticSink): Promise<void> {
  await readLog('event', 'wevtutil-xml', eventLogPath(channel), () => Promise.resolve(Readable.from([Buffer.from(xml, 'utf8')])), {
    literals: null,
    onRecord,
    onDiagnostic,
  });
}

/** The newest EventRecordID of a channel, or 0 when it is empty. */
export async function newestRecordId(channel: string): Promise<number> {
  const xml = await wevtutil(['qe', channel, '/rd:true', '/c:1', '/f:xml']);
  let newest = 0;
  await parse(channel, xml, (r) => (newest = Math.max(newest, r.origin.recordId ?? 0)), () => undefined);
  return newest;
}

/** The events after `after` (oldest first, at most `max`), each placed at line = its record id. */
export async function eventsAfter(channel: string, after: number, max: number, onDiagnostic: DiagnosticSink): Promise<{ records: LogRecord[]; last: number }> {
  const xml = await wevtutil(['qe', channel, `/q:*[System[(EventRecordID>${Math.floor(after)})]]`, `/c:${max}`, '/rd:false', '/f:xml']);
  const records: LogRecord[] = [];
  let last = after;
  await parse(
    channel,
    xml,
    (r) => {
      const id = r.origin.recordId;
      if (id === undefined) return;
      last = Math.max(last, id);
      records.push(new PlacedRecord(r, { ...r.origin, line: id }));
    },
    onDiagnostic,
  );
  return { records, last };
}
