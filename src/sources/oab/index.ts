/** @module OAB generator logs (kind `oab`). Re-exports only. */
export { parseOab } from './oab-parser.js';
