/**
 * @module Shared types of the pipeline (records → detectors → findings → sinks). Lower stages
 * import from here; nothing here imports from a stage.
 */
export * from './severity.js';
export * from './origin.js';
export * from './record.js';
export * from './diagnostic.js';
export * from './errors.js';
export * from './finding.js';
export * from './detector.js';
export * from './summary.js';
export * from './sink.js';
export * from './event.js';
