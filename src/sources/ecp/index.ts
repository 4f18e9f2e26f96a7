/** @module ECP server logs (kind `ecp`). Re-exports only. */
export { parseEcp } from './ecp-parser.js';
export { parseEventData } from './event-data.js';
