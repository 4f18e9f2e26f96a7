/**
 * @module The engine: runs the pipeline (inputs → sources → detectors → findings → sinks).
 * The CLI, the watch service and the console call it; nothing else wires stages.
 */
export { runScan, DEFAULT_SINCE } from './scan.js';
export type { ScanOptions, ScanResult, ScanProgress, SinkContext, EvidenceOpener } from './scan.js';
export { assembleDetectors, loadDetectors, loadRules } from './content.js';
export type { Correlator, DetectorParts, DetectorSet, RuleSet } from './content.js';
export { RecordMatcher } from './matcher.js';
export type { CorrelationMode } from './matcher.js';
export { loadScanDetectors } from './load-detectors.js';
export type { ScanContentOptions } from './load-detectors.js';
export { readLog } from './read-log.js';
