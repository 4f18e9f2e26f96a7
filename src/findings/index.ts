/**
 * @module Findings stage: everything decided over the set of findings of a host rather than
 * one record (order, escalation, verdict, coverage). Knows nothing about sources or sinks.
 */
export { CoverageTracker, reachesWindow } from './coverage.js';
export { decideVerdict, worstVerdict } from './verdict.js';
export type { VerdictResult } from './verdict.js';
export { escalate } from './escalate.js';
export { compareFindings } from './order.js';
