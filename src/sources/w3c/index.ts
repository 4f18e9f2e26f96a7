/** @module IIS W3C extended logs (kind `iis`). Re-exports only. */
export { parseW3c } from './w3c-parser.js';
