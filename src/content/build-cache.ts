/**
 * @module Writes the build-time cache of the built-in content pack (`npm run build` runs it after
 * `tsc`, through `scripts/build-content-cache.mjs`). See `cache.ts` for how the cache is used.
 */
import type { ContentError } from '../core/errors.js';
import { pipelineCacheInputs } from '../detectors/sigma/pipeline/parse.js';
import { intelPackCacheInputs } from '../intel/bundled-cache.js';
import { BUILTIN_CACHE_FILE, writeContentCache, type CacheInput } from './cache.js';
import { cacheInputs } from './load.js';
import { builtinContentDir } from './package-root.js';

export interface CacheBuildResult {
  readonly file: string;
  /** Files cached. */
  readonly files: number;
  /** Problems of the files left out (they are read from YAML at run time, and reported there). */
  readonly errors: readonly ContentError[];
}

export async function writeBuiltinContentCache(dir: string = builtinContentDir(), file: string = BUILTIN_CACHE_FILE): Promise<CacheBuildResult> {
  const { inputs, errors } = cacheInputs(dir);
  const all: CacheInput[] = [...inputs];
  const problems: ContentError[] = [...errors];
  // The bundled indicator packs (content/intel), as the intel pack reader reads them.
  const packs = await intelPackCacheInputs(dir);
  all.push(...packs.inputs);
  problems.push(...packs.errors);
  // The Sigma pipelines (content/pipelines), as src/detectors/sigma/pipeline reads them.
  const pipelines = pipelineCacheInputs(dir);
  all.push(...pipelines.inputs);
  problems.push(...pipelines.errors);
  writeContentCache(all, file);
  return { file, files: all.length, errors: problems };
}
