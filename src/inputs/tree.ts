/**
 * @module Input trees: a folder, a zip or the live host, seen as one read-only tree of files.
 *
 * Everything downstream (layout detection, parsers, file sweeps, evidence collection) reads
 * through this interface, so a zip is scanned without extracting it and the live host is only a
 * different tree over the same code that reads a triage folder.
 */
import type { Readable } from 'node:stream';

export interface TreeEntry {
  /** Path relative to the tree root, `/` separators, original case. */
  readonly path: string;
  readonly size: number;
  readonly mtime: Date | null;
  /** Opens a read-only stream of the file's bytes. Rejects with a message naming the path. */
  open(): Promise<Readable>;
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
