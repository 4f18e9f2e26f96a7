/**
 * @module File records: files found in the folders where web shells and dumps are planted.
 */
export { readFileRecord, canonicalPath, zonePath, decodeText } from './file-record.js';
export type { ExtraHash, FileRecordInput, FileRecordOptions } from './file-record.js';
