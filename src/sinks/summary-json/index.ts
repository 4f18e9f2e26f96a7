/**
 * @module The run-summary JSON sink. Re-exports only.
 */
export { summaryJsonSink, type SummaryJsonOptions } from './summary-json.js';
