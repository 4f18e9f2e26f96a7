/**
 * @module The Splunk HTTP Event Collector channel. Re-exports only.
 */
export { HEC_EVENT_PATH, hecChannel, hecEndpoint, hecEvent } from './hec.js';
