/**
 * @module EVTX files as a `LogParser` (records of kind `event`) and as an async iterator of
 * raw events for tools that want more than fields (`exhunt evtx dump`, `evtx info`).
 */
import type { Readable } from 'node:stream';
import type { DiagnosticSink } from '../../core/diagnostic.js';
import { TimeRange } from '../common/time.js';
import { CappedDiagnostics } from '../lines/capped-diagnostics.js';
import type { FileStats, LogInput, LogParser } from '../source.js';
import { EventRecord } from './event-record.js';
import { eventFields } from './fields.js';
import { EvtxReader, type EvtxEvent, type EvtxSummary } from './reader.js';
import { recordTime } from './time.js';

/**
 * Parses an EVTX file into `event` records (see `src/core/event.ts`). The `literals` prefilter
 * is not applied: a record's text only exists once its Binary XML has been expanded, which is
 * most of the cost of reading it. Never rejects on content; only `input.open()` may reject.
 */
export const parseEvtx: LogParser = async (input, options) => {
  const stream = await input.open();
  const diags = new CappedDiagnostics(options.onDiagnostic, input.path);
  const times = new TimeRange();
  let serverName: string | null = null;
  const summary = await pump(stream, new EvtxReader(diags), diags, (ev) => {
    const record = evtxEventRecord(ev, input.path);
    if (record.time !== null) times.add(record.time);
    if (serverName === null) {
      const computer = record.get('Computer');
      if (computer !== undefined && computer.length > 0) serverName = computer;
    }
    options.onRecord(record);
  });
  diags.finish();
  const stats: FileStats = {
    entries: summary.records,
    oldest: times.oldest,
    newest: times.newest,
    serverName,
    version: null,
    encoding: 'utf8',
  };
  return stats;
};

/**
 * The record of one raw event: its fields, `time` from TimeCreated (the record header's written
 * time when the XML has none), and an origin whose `recordId` is the event's EventRecordID
 * (the record header's id when the XML has none).
 */
export function evtxEventRecord(ev: EvtxEvent, path: string): EventRecord {
  const fields = eventFields(ev.doc);
  if (!fields.has('EventRecordID')) fields.set('EventRecordID', String(ev.recordId));
  if (!fields.has('TimeCreated') && ev.written !== null) fields.set('TimeCreated', ev.written);
  const created = fields.get('TimeCreated');
  const time = created === undefined ? null : recordTime(created);
  const xmlId = Number(fields.get('EventRecordID'));
  const recordId = Number.isSafeInteger(xmlId) && xmlId >= 0 ? xmlId : ev.recordId;
  return new EventRecord({ path, line: null, recordId, kind: 'event' }, time, fields, ev.doc);
}

export interface ReadEvtxOptions {
  readonly onDiagnostic: DiagnosticSink;
  /** Called once, after the last event, with what reading the file found. */
  readonly onSummary?: (summary: EvtxSummary) => void;
}

/**
 * The raw events of an EVTX file in file order, read chunk by chunk (memory stays flat).
 * Damage is reported through `onDiagnostic`; the summary arrives through `onSummary` at the end.
 */
export async function* readEvtx(input: LogInput, options: ReadEvtxOptions): AsyncGenerator<EvtxEvent, void, undefined> {
  const stream = await input.open();
  const diags = new CappedDiagnostics(options.onDiagnostic, input.path);
  const reader = new EvtxReader(diags);
  let batch: EvtxEvent[] = [];
  const collect = (ev: EvtxEvent): void => {
    batch.push(ev);
  };
  try {
    for await (const piece of stream as AsyncIterable<unknown>) {
      reader.push(toBuffer(piece), collect);
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield* out;
      }
      if (reader.stopped) break;
    }
  } catch (e) {
    diags.report('error', 'read-failed', `read failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    stream.destroy();
  }
  const summary = reader.finish(collect);
  yield* batch;
  diags.finish();
  options.onSummary?.(summary);
}

/** Reads the whole stream through the reader, pushing events to `onEvent`. */
async function pump(stream: Readable, reader: EvtxReader, diags: CappedDiagnostics, onEvent: (ev: EvtxEvent) => void): Promise<EvtxSummary> {
  try {
    for await (const piece of stream as AsyncIterable<unknown>) {
      reader.push(toBuffer(piece), onEvent);
      if (reader.stopped) break;
    }
  } catch (e) {
    diags.report('error', 'read-failed', `read failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    stream.destroy();
  }
  return reader.finish(onEvent);
}

function toBuffer(piece: unknown): Buffer {
  if (Buffer.isBuffer(piece)) return piece;
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  return Buffer.from(String(piece), 'latin1');
}
