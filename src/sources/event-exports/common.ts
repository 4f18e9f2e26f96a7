/**
 * @module What the event export readers share: decoding the file's text (UTF-8 with or without
 * BOM, UTF-16 from PowerShell's `>` and `Out-File`), turning collected fields into an `event`
 * record, and summing up the file for coverage.
 */
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { TimeRange } from '../common/time.js';
import { EventRecord, type EventFields } from '../evtx/event-record.js';
import { recordTime } from '../evtx/time.js';
import type { CappedDiagnostics } from '../lines/capped-diagnostics.js';
import { Utf8ChunkDecoder, type TextEncoding } from '../lines/encoding.js';
import type { FileStats, ParseOptions } from '../source.js';

/**
 * Reads a stream as text in pieces, whatever its encoding; returns the encoding. A read error
 * becomes a `read-failed` diagnostic and ends the text.
 */
export async function readText(stream: Readable, onText: (text: string) => void, diags: CappedDiagnostics): Promise<TextEncoding> {
  const bytes = new Utf8ChunkDecoder();
  const utf8 = new TextDecoder('utf-8');
  const emit = (chunks: Buffer[]): void => {
    for (const c of chunks) {
      const text = utf8.decode(c, { stream: true });
      if (text.length > 0) onText(text);
    }
  };
  try {
    for await (const piece of stream as AsyncIterable<unknown>) emit(bytes.push(Buffer.isBuffer(piece) ? piece : Buffer.from(String(piece))));
  } catch (e) {
    diags.report('error', 'read-failed', `read failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    stream.destroy();
  }
  emit(bytes.end());
  const rest = utf8.decode();
  if (rest.length > 0) onText(rest);
  return bytes.encoding ?? 'utf8';
}

/** Counts records and their times and names the server, for a file's `FileStats`. */
export class ExportStats {
  entries = 0;
  readonly times = new TimeRange();
  serverName: string | null = null;

  /** Builds the record for collected fields, notes it, and hands it on. */
  emit(fields: EventFields, path: string, line: number, options: ParseOptions): void {
    this.entries++;
    const record = exportRecord(fields, path, line);
    if (record.time !== null) this.times.add(record.time);
    if (this.serverName === null) {
      const c = fields.get('Computer');
      if (c !== undefined && c.length > 0) this.serverName = c;
    }
    options.onRecord(record);
  }

  stats(encoding: TextEncoding): FileStats {
    return { entries: this.entries, oldest: this.times.oldest, newest: this.times.newest, serverName: this.serverName, version: null, encoding };
  }
}

/** An `event` record from an export: origin line of the event, `recordId` from EventRecordID. */
export function exportRecord(fields: EventFields, path: string, line: number): EventRecord {
  const created = fields.get('TimeCreated');
  const time = created === undefined ? null : recordTime(created);
  const id = Number(fields.get('EventRecordID') ?? '');
  const origin = Number.isSafeInteger(id) && id >= 0 && fields.has('EventRecordID') ? { path, line, recordId: id, kind: 'event' as const } : { path, line, kind: 'event' as const };
  return new EventRecord(origin, time, fields);
}
