/**
 * @module Input trees: a folder, a zip or the live host, seen as one read-only tree of files.
 *
 * Everything downstream (layout detection, parsers, file sweeps, evidence collection) reads
 * through this interface, so a zip is scanned without extracting it and the live host is only a
 * different tree over the same code that reads a triage folder.
 */
import type { Readable } from 'node:stream';
import type { SyncByteReader } from '../sources/source.js';
import type { Placement } from './placement.js';

export interface TreeEntry {
  /** Path relative to the tree root, `/` separators, original case. */
  readonly path: string;
  /** Bytes; 0 when unknown before reading (an entry whose bytes a program writes). */
  readonly size: number;
  readonly mtime: Date | null;
  /** Opens a read-only stream of the file's bytes. Rejects with a message naming the path. */
  open(): Promise<Readable>;
  /**
   * Opens the file for synchronous reading, for files on a local disk (folder trees, the live
   * host's files; not zip members or program output). Throws an InputError naming the path when
   * it cannot be opened. Log parsers prefer it to `open()` (see LogInput.openSync).
   */
  openSync?(): SyncByteReader;
  /**
   * What the entry is, for entries that are not files and whose path cannot say it: the live
   * host's event log channels, read through wevtutil (live-host.ts). Files leave it out; their
   * placement comes from the layout.
   */
  readonly placement?: Placement;
}

export interface InputTree {
  /** The PATH as the user gave it ('' for the live host). */
  readonly input: string;
  /** A name for the input when nothing better is known: the folder or zip base name, or the hostname. */
  readonly label: string;
  /** Every regular file, sorted by path (deterministic), links not followed. */
  entries(): AsyncIterable<TreeEntry>;
  close(): Promise<void>;
}
