/**
 * @module Runs the parser of a log kind (and format, for event logs) over one file.
 */
import type { Readable } from 'node:stream';
import { eventExportParsers } from '../sources/event-exports/index.js';
import { parseEvtx } from '../sources/evtx/index.js';
import { parsers } from '../sources/index.js';
import type { FileStats, LogKind, LogParser, ParseOptions, SyncByteReader } from '../sources/source.js';

function parserFor(kind: LogKind, format: string | undefined): LogParser | null {
  if (kind !== 'event') return parsers[kind];
  if (format === undefined || format === 'evtx') return parseEvtx;
  return Object.hasOwn(eventExportParsers, format) ? eventExportParsers[format as keyof typeof eventExportParsers] : null;
}

export async function readLog(
  kind: LogKind,
  format: string | undefined,
  path: string,
  open: () => Promise<Readable>,
  options: ParseOptions,
  openSync?: () => SyncByteReader,
): Promise<FileStats> {
  const parser = parserFor(kind, format);
  if (!parser) throw new Error(`no parser for ${kind} logs in format ${format ?? '(none)'}`);
  return parser(openSync ? { path, open, openSync } : { path, open }, options);
}
