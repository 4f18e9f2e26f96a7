/**
 * @module Demo data: a synthetic Exchange 2016 triage folder with planted ProxyLogon-era
 * evidence at known lines, for demos, end-to-end tests and benchmarks (`exhunt demo`,
 * `npm run bench`). Owns only writing fixtures; it never reads or scans them, and nothing in the
 * scanner depends on it.
 */
export { generateDemo } from './generate.js';
export { DEFAULT_SEED, DEFAULT_SIZE_BYTES, DEFAULT_MAX_FILE_BYTES } from './options.js';
export { MANIFEST_NAME, isDemoManifest } from './target-dir.js';
export { parseSize, formatSize } from './size.js';
export { DEMO_PROFILES, isDemoProfile } from './types.js';
export type { DemoOptions, DemoProfile, DemoManifest, PlantedItem, DecoyItem, DemoTotals, StreamTotals } from './types.js';
export { HTTPPROXY_FIELDS } from './httpproxy.js';
export { IIS_FIELDS } from './iis.js';
export { SYNTHETIC_NOTE } from './text.js';
