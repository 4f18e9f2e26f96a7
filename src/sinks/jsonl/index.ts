/**
 * @module The JSON Lines findings sink (schema in `jsonl.ts`). Re-exports only.
 */
export { jsonlSink, findingToJsonLine, type JsonlOptions } from './jsonl.js';
