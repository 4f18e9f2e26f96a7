/**
 * @module The evidence collection sink. Re-exports only.
 */
export { collectSink, type CollectOptions } from './collect.js';
export type { Manifest, ManifestEntry } from './manifest.js';
