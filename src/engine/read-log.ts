/**
 * @module Runs the parser of a log kind over one file.
 */
import type { Readable } from 'node:stream';
import { parsers } from '../sources/index.js';
import type { FileStats, LogKind, LogParser, ParseOptions } from '../sources/source.js';

function parserFor(kind: LogKind): LogParser | null {
  return kind === 'event' ? null : parsers[kind];
}

export async function readLog(kind: LogKind, path: string, open: () => Promise<Readable>, options: ParseOptions): Promise<FileStats> {
  const parser = parserFor(kind);
  if (!parser) throw new Error(`no parser for ${kind} logs`);
  return parser({ path, open }, options);
}
