/**
 * @module Folder and single-file input trees: a triage folder (or an Exchange install folder, or
 * a folder of loose logs) walked read-only, or one file presented as a one-entry tree.
 *
 * Owns only the reading side: which files are logs is decided later from their paths (layout.ts).
 */
import fsp from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { DiagnosticSink } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import type { InputTree } from './tree.js';
import { errorCode, fileEntry, walkFolder } from './walk.js';

export interface FolderTreeOptions {
  /** Receives `unreadable` diagnostics for folders and files the walk cannot read. */
  readonly onDiagnostic?: DiagnosticSink;
}

/** Name shown for the input: the last path component, or the path itself for a root like `/`. */
export function inputLabel(path: string): string {
  return basename(resolve(path)) || path;
}

/**
 * Opens a folder (walked recursively, links not followed) or a single file (one entry whose path
 * is its base name). Rejects with an InputError naming PATH when it does not exist, cannot be
 * read, or is neither a folder nor a regular file. The PATH itself is followed if it is a link:
 * the user named it on purpose.
 */
export async function openFolderTree(path: string, options: FolderTreeOptions = {}): Promise<InputTree> {
  const onDiagnostic = options.onDiagnostic ?? (() => undefined);
  let stats;
  try {
    stats = await fsp.stat(path);
  } catch (error) {
    const code = errorCode(error);
    throw new InputError(code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code})`, { path });
  }
  const label = inputLabel(path);

  if (stats.isFile()) {
    const entry = fileEntry(path, label, stats.size, stats.mtime);
    return {
      input: path,
      label,
      // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the simplest AsyncIterable
      entries: async function* () {
        yield entry;
      },
      close: () => Promise.resolve(),
    };
  }
  if (!stats.isDirectory()) throw new InputError('not a folder or a regular file', { path });

  // An unreadable root is not a partial result but no result: fail the input, not one folder.
  try {
    await (await fsp.opendir(path)).close();
  } catch (error) {
    throw new InputError(`cannot read folder (${errorCode(error)})`, { path });
  }
  return {
    input: path,
    label,
    entries: () => walkFolder(path, '', onDiagnostic),
    close: () => Promise.resolve(),
  };
}
