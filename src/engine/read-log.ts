/**
 * @module Runs the parser of a log kind over one tree entry.
 */
import type { TreeEntry } from '../inputs/tree.js';
import { parsers } from '../sources/index.js';
import type { FileStats, LogKind, ParseOptions } from '../sources/source.js';

export function readLog(kind: LogKind, entry: TreeEntry, options: ParseOptions): Promise<FileStats> {
  return parsers[kind]({ path: entry.path, open: () => entry.open() }, options);
}
