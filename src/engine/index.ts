/**
 * @module The engine: runs the pipeline (inputs → sources → detectors → findings → sinks).
 * The CLI and, later, the watch service and console call `runScan`; nothing else wires stages.
 */
export { runScan, DEFAULT_SINCE } from './scan.js';
export type { ScanOptions, ScanResult, ScanProgress, SinkContext, EvidenceOpener } from './scan.js';
export { loadDetectors } from './content.js';
export type { DetectorSet } from './content.js';
