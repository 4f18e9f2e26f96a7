/**
 * @module Preparing the output folder. A missing or empty folder is used as is. A non-empty one
 * needs `force`; even then, a folder holding a `C/` tree that is not a previous demo (no
 * `DEMO-MANIFEST.json` marked synthetic) is refused, so synthetic files never get mixed into what
 * may be a real triage collection. A previous demo's `C/` and manifest are removed first.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';

export const MANIFEST_NAME = 'DEMO-MANIFEST.json';

export async function prepareOutput(out: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      await mkdir(out, { recursive: true });
      return;
    }
    if (errnoCode(e) === 'ENOTDIR') throw new UsageError(`${out} exists and is not a folder`);
    throw e;
  }
  if (entries.length === 0) return;
  if (!force) throw new UsageError(`${out} is not empty; choose an empty folder or pass --force to replace a previous demo`);
  const previousDemo = entries.includes(MANIFEST_NAME) && (await isDemoManifest(join(out, MANIFEST_NAME)));
  if (!previousDemo && entries.includes('C')) {
    throw new UsageError(`${out} holds a C/ folder that exhunt demo did not write (no synthetic ${MANIFEST_NAME}); refusing to mix synthetic files into it`);
  }
  if (previousDemo) {
    await rm(join(out, 'C'), { recursive: true, force: true });
    await rm(join(out, MANIFEST_NAME), { force: true });
  }
}

/** True when the file parses as JSON with `synthetic: true` (what generateDemo writes). */
export async function isDemoManifest(path: string): Promise<boolean> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'synthetic' in parsed && parsed.synthetic === true;
  } catch {
    return false;
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}
