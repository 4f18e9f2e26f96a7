/**
 * @module Sigma: SigmaHQ's detection format (specification 2.1) run by exhunt over its records.
 *
 * Owns parsing rules, filters and correlations; routing records to rules through the pipelines
 * in `content/pipelines` (log sources and field mappings as data); compiling each rule once into
 * a Detector; and correlating hits. It does not read logs (src/sources) nor write findings.
 *
 * Use: `loadSigmaRules(paths, options)` → `detectors` (give them to the engine with the other
 * detectors; a hit of a detector whose `standalone` is false goes only to correlations) and
 * `correlations` (feed each the hits of the rules it `accepts`, with their records, in time
 * order; call `finish()` at the end). See docs/sigma.md.
 */
export { loadSigmaRules, loadSigmaText } from './load.js';
export type { SigmaLoadOptions, SigmaLoadResult, UnroutedRule } from './load.js';
export { SigmaDetector } from './detector.js';
export { SigmaCorrelator, DEFAULT_LIMITS } from './correlation/correlator.js';
export type { CorrelatorLimits, CorrelatorStats } from './correlation/correlator.js';
export { SigmaError, SIGMA_ERROR_CODES } from './errors.js';
export type { SigmaErrorCode, SigmaLoadFailure } from './errors.js';
export { compileRegex } from './regex/compile.js';
export { eventFromJson, readJsonEvents } from './testing/event-json.js';
