/**
 * @module Runs the parser of a log kind over one tree entry.
 */
import type { TreeEntry } from '../inputs/tree.js';
import { parsers } from '../sources/index.js';
import type { FileStats, LogKind, LogParser, ParseOptions } from '../sources/source.js';

function parserFor(kind: LogKind): LogParser | null {
  return kind === 'event' ? null : parsers[kind];
}

export async function readLog(kind: LogKind, entry: TreeEntry, options: ParseOptions): Promise<FileStats> {
  const parser = parserFor(kind);
  if (!parser) throw new Error(`no parser for ${kind} logs`);
  return parser({ path: entry.path, open: () => entry.open() }, options);
}
