/**
 * @module exhunt's library API: run a scan the way the CLI does, load content, and the shared types.
 */
export * from './core/index.js';
export { runScan, loadDetectors, DEFAULT_SINCE } from './engine/index.js';
export type { ScanOptions, ScanResult, DetectorSet } from './engine/index.js';
