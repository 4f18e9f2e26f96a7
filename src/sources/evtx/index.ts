/**
 * @module EVTX: a streaming reader of Windows XML Event Log files written from the format
 * documentation (file and chunk headers with CRC32 checks, string and template caches per
 * chunk, every Binary XML token and value type), producing `event` records that follow the
 * field convention of `src/core/event.ts`, and the event XML on demand. See docs/evtx.md.
 * Re-exports only.
 */
export { parseEvtx, readEvtx, evtxEventRecord } from './parse-evtx.js';
export type { ReadEvtxOptions } from './parse-evtx.js';
export { EvtxReader } from './reader.js';
export type { EvtxEvent, EvtxSummary, ChunkDamage, EventSink } from './reader.js';
export type { EvtxFileHeader, EvtxChunkHeader } from './file-header.js';
export { parseFileHeader, parseChunkHeader, FILE_HEADER_BYTES, CHUNK_BYTES } from './file-header.js';
export { BinXmlParser, BinXmlError } from './binxml.js';
export { eventFields, addEventFields } from './fields.js';
export { renderXml, renderDocument, escapeXml } from './render.js';
export { EventRecord, EventFieldsBuilder } from './event-record.js';
export { VT } from './nodes.js';
export type { XNode, ElementNode, AttrNode, EvtxValue, Template } from './nodes.js';
export { toIso7, iso7ToMillis, recordTime, filetimeToIso7 } from './time.js';
