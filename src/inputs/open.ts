/**
 * @module Opening a PATH argument as an input tree: a folder, a zip (recognised by its first
 * bytes, so a collection saved as `.bin` or without extension still opens as a zip) or a single
 * file. The live host has its own entry point (live-host.ts), since it takes no PATH.
 */
import fsp from 'node:fs/promises';
import type { DiagnosticSink } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { openFolderTree } from './fs-tree.js';
import type { InputTree } from './tree.js';
import { errorCode } from './walk.js';
import { openZipTree, type ZipLimits } from './zip-tree.js';

export interface OpenInputOptions extends ZipLimits {
  /** Receives per-file problems (unreadable files, skipped zip entries) as the tree is read. */
  readonly onDiagnostic?: DiagnosticSink;
}

/** Local file header or (for an empty archive) end-of-central-directory signature. */
function isZipMagic(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

async function readHead(path: string): Promise<Buffer> {
  const file = await fsp.open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await file.read(head, 0, 4, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * Opens PATH as a tree. Rejects with an InputError naming PATH when it does not exist or cannot
 * be read, when it is named `.zip` but is not a zip, or when the zip is corrupt or too large
 * (ZipBombError).
 */
export async function openInput(path: string, options: OpenInputOptions = {}): Promise<InputTree> {
  let stats;
  try {
    stats = await fsp.stat(path);
  } catch (error) {
    const code = errorCode(error);
    throw new InputError(code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code})`, { path });
  }
  if (!stats.isFile()) return openFolderTree(path, options);

  let head: Buffer;
  try {
    head = await readHead(path);
  } catch (error) {
    throw new InputError(`cannot read (${errorCode(error)})`, { path });
  }
  if (isZipMagic(head)) return openZipTree(path, options);
  // A `.zip` that does not start like one is a damaged or mislabelled collection; scanning it
  // as one log file would report nothing and look like a clean result.
  if (/\.zip$/i.test(path)) throw new InputError('named .zip but is not a zip archive', { path });
  return openFolderTree(path, options);
}
