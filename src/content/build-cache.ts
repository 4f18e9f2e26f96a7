/**
 * @module Writes the build-time cache of the built-in content pack (`npm run build` runs it after
 * `tsc`, through `scripts/build-content-cache.mjs`). See `cache.ts` for how the cache is used.
 */
import type { ContentError } from '../core/errors.js';
import { BUILTIN_CACHE_FILE, writeContentCache } from './cache.js';
import { cacheInputs } from './load.js';
import { builtinContentDir } from './package-root.js';

export interface CacheBuildResult {
  readonly file: string;
  /** Files cached. */
  readonly files: number;
  /** Problems of the files left out (they are read from YAML at run time, and reported there). */
  readonly errors: readonly ContentError[];
}

export function writeBuiltinContentCache(dir: string = builtinContentDir(), file: string = BUILTIN_CACHE_FILE): CacheBuildResult {
  const { inputs, errors } = cacheInputs(dir);
  writeContentCache(inputs, file);
  return { file, files: inputs.length, errors };
}
