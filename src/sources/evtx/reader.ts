/**
 * @module The EVTX stream reader: bytes in, one chunk at a time, events out.
 *
 * Memory stays flat whatever the file size: the reader holds at most one 64 KiB chunk plus the
 * part of the next one that has arrived, and a chunk's name and template caches die with it.
 *
 * What it does with damage (each is a diagnostic naming the file and the chunk's index and
 * offset, and reading goes on):
 * - file header: wrong magic with a chunk at 4096 → read on (`evtx-bad-header`); no chunk
 *   there either → not an EVTX file (`evtx-not-evtx`, error). Bad header CRC → warning.
 * - dirty files: the header's chunk count and next record id are not trusted; every chunk in
 *   the file is read. Chunks after the last valid one that are zero-filled or junk are unused
 *   space (counted as slack, no diagnostic); zero-filled or junk chunks before a valid one, or
 *   within the header's chunk count, are damage (`evtx-bad-chunk-magic`).
 * - chunk header or record data CRC32 mismatch (`evtx-chunk-checksum`): the chunk is still read
 *   and every record that validates is returned.
 * - records are read from the chunk header to the free space offset (beyond it lie stale
 *   records of an earlier use of the chunk, which Windows does not show either). A record whose
 *   size fields disagree or whose Binary XML does not parse is skipped (`evtx-bad-record`) and
 *   the chunk is searched on for the next record signature.
 * - a file cut inside a chunk (`evtx-truncated`): the records that fit are returned.
 */
import type { CappedDiagnostics } from '../lines/capped-diagnostics.js';
import { BinXmlError, BinXmlParser } from './binxml.js';
import {
  CHUNK_BYTES,
  CHUNK_HEADER_BYTES,
  FILE_HEADER_BYTES,
  FLAG_NO_CRC32,
  chunkDataCrc,
  chunkHeaderCrc,
  hasChunkMagic,
  parseChunkHeader,
  parseFileHeader,
  u64,
  type EvtxFileHeader,
} from './file-header.js';
import { eventFields } from './fields.js';
import type { XNode } from './nodes.js';
import { filetimeToIso7 } from './time.js';

/** One event record as read from the file, before it is flattened into fields. */
export interface EvtxEvent {
  /** Record id from the record header (unique within the file). */
  readonly recordId: number;
  /** Written time from the record header, seven-digit ISO form; null when out of range. */
  readonly written: string | null;
  readonly chunkIndex: number;
  /** Byte offset of the record in the file. */
  readonly fileOffset: number;
  /** The record's Binary XML, parsed (see `fields.ts`, `render.ts`). */
  readonly doc: readonly XNode[];
  /**
   * The record lost the trailing copy of its size (cut while being written) and was kept
   * because its XML still names its record id: its last values may be missing or zero.
   */
  readonly damaged: boolean;
}

/** A chunk that was not read cleanly. */
export interface ChunkDamage {
  readonly index: number;
  readonly offset: number;
  /** What was wrong, e.g. `bad magic`, `data checksum`, `header checksum`, `2 bad records`. */
  readonly problems: readonly string[];
  /** Records read from the chunk anyway. */
  readonly records: number;
}

/** What reading one file found. */
export interface EvtxSummary {
  readonly header: EvtxFileHeader | null;
  /** False when the file is not an EVTX file at all (nothing was read). */
  readonly isEvtx: boolean;
  readonly bytes: number;
  /** Chunk slots in the file (including empty and partial ones). */
  readonly chunks: number;
  readonly validChunks: number;
  /** Zero-filled or junk chunks after the last valid one (unused space, not damage). */
  readonly slackChunks: number;
  readonly damagedChunks: readonly ChunkDamage[];
  readonly records: number;
  readonly badRecords: number;
  readonly lowestRecordId: number | null;
  readonly highestRecordId: number | null;
  /** Oldest and newest record-header written times, seven-digit ISO. */
  readonly oldestWritten: string | null;
  readonly newestWritten: string | null;
  /** The file ended inside a chunk or inside the file header. */
  readonly truncated: boolean;
}

export type EventSink = (event: EvtxEvent) => void;

const RECORD_MAGIC = Buffer.from([0x2a, 0x2a, 0x00, 0x00]);
const RECORD_HEADER_BYTES = 24;
/** Header, written time and the trailing copy of the size. */
const MIN_RECORD_BYTES = RECORD_HEADER_BYTES + 4;
const ZERO_CHUNK = Buffer.alloc(CHUNK_BYTES);
/** Damaged chunks listed in the summary (the count of the rest is still in the diagnostics). */
const MAX_DAMAGE_LISTED = 1000;

interface PendingJunk {
  readonly index: number;
  readonly offset: number;
  readonly zero: boolean;
}

/** Reads one EVTX file pushed in pieces of any size. Not reusable across files. */
export class EvtxReader {
  readonly #diags: CappedDiagnostics;
  #header: EvtxFileHeader | null = null;
  #stopped = false;
  #isEvtx = true;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #bytes = 0;
  #chunkIndex = 0;
  #validChunks = 0;
  #junkAfterValid: PendingJunk[] = [];
  #damaged: ChunkDamage[] = [];
  #records = 0;
  #badRecords = 0;
  #lowest: number | null = null;
  #highest: number | null = null;
  #oldest: string | null = null;
  #newest: string | null = null;
  #truncated = false;

  constructor(diagnostics: CappedDiagnostics) {
    this.#diags = diagnostics;
  }

  /** The file header, once the first 4096 bytes have arrived. */
  get header(): EvtxFileHeader | null {
    return this.#header;
  }

  /** True once the reader has decided the input is not EVTX; further bytes are ignored. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Feeds bytes; calls `onEvent` synchronously for each record of each complete chunk. */
  push(bytes: Buffer, onEvent: EventSink): void {
    if (this.#stopped) return;
    this.#bytes += bytes.length;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    for (;;) {
      const need = this.#needBytes();
      if (this.#pendingBytes < need) return;
      const block = this.#take(need);
      if (this.#header === null) {
        this.#readHeader(block);
        if (this.#stopped) return;
      } else {
        this.#readChunk(block, onEvent);
      }
    }
  }

  /** Ends the file: reads a last partial chunk, sums up. */
  finish(onEvent: EventSink): EvtxSummary {
    if (!this.#stopped) {
      const rest = this.#pendingBytes > 0 ? this.#take(this.#pendingBytes) : Buffer.alloc(0);
      if (this.#header === null) {
        this.#isEvtx = false;
        if (rest.length >= 7 && rest.subarray(0, 7).toString('latin1') === 'ElfFile') {
          this.#truncated = true;
          this.#diags.report('error', 'evtx-truncated', `file ends inside the EVTX file header (${rest.length} bytes); no records`);
        } else {
          this.#diags.report('error', 'evtx-not-evtx', rest.length === 0 ? 'empty file: not an EVTX file' : 'not an EVTX file (no ElfFile signature)');
        }
      } else if (hasChunkMagic(rest)) {
        this.#truncated = true;
        this.#readChunk(rest, onEvent);
      } else if (this.#chunkIndex === 0 && !this.#header.magicOk) {
        this.#isEvtx = false;
        this.#diags.report('error', 'evtx-not-evtx', 'not an EVTX file (no ElfFile signature)');
      } else if (!isZero(rest)) {
        this.#truncated = true;
        this.#diags.report('warning', 'evtx-truncated', `${rest.length} bytes after the last whole chunk (offset ${hex(this.#chunkOffset(this.#chunkIndex))}) are not a chunk; ignored`);
      }
    }
    return {
      header: this.#header,
      isEvtx: this.#isEvtx,
      bytes: this.#bytes,
      chunks: this.#chunkIndex,
      validChunks: this.#validChunks,
      slackChunks: this.#junkAfterValid.length,
      damagedChunks: this.#damaged,
      records: this.#records,
      badRecords: this.#badRecords,
      lowestRecordId: this.#lowest,
      highestRecordId: this.#highest,
      oldestWritten: this.#oldest,
      newestWritten: this.#newest,
      truncated: this.#truncated,
    };
  }

  #needBytes(): number {
    return this.#header === null ? FILE_HEADER_BYTES : CHUNK_BYTES;
  }

  #take(n: number): Buffer {
    const first = this.#pending[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#pending.shift();
      else this.#pending[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const b = this.#pending[0] as Buffer;
        const k = Math.min(b.length, n - filled);
        b.copy(out, filled, 0, k);
        filled += k;
        if (k === b.length) this.#pending.shift();
        else this.#pending[0] = b.subarray(k);
      }
    }
    this.#pendingBytes -= n;
    return out;
  }

  #chunkOffset(index: number): number {
    return FILE_HEADER_BYTES + index * CHUNK_BYTES;
  }

  #readHeader(block: Buffer): void {
    const h = parseFileHeader(block);
    this.#header = h;
    // Without the ElfFile signature, the first chunk decides (see #readChunk).
    if (h.magicOk && !h.checksumOk) {
      this.#diags.report('warning', 'evtx-header-checksum', `file header checksum mismatch (stored ${hex(h.checksum)}); header values not trusted`);
    }
  }

  #readChunk(chunk: Buffer, onEvent: EventSink): void {
    const index = this.#chunkIndex++;
    const offset = this.#chunkOffset(index);
    const header = this.#header as EvtxFileHeader;
    if (index === 0 && !header.magicOk) {
      if (!hasChunkMagic(chunk)) {
        this.#isEvtx = false;
        this.#stopped = true;
        this.#diags.report('error', 'evtx-not-evtx', 'not an EVTX file (no ElfFile or ElfChnk signature)');
        return;
      }
      this.#diags.report('warning', 'evtx-bad-header', 'file header has no ElfFile signature; reading the chunks anyway');
    }
    if (!hasChunkMagic(chunk)) {
      const zero = isZero(chunk);
      if (header.magicOk && index < header.chunkCount) this.#badMagic({ index, offset, zero });
      else this.#junkAfterValid.push({ index, offset, zero });
      return;
    }
    // A valid chunk after junk: that junk was damage, not unused space.
    for (const j of this.#junkAfterValid) this.#badMagic(j);
    this.#junkAfterValid = [];
    this.#validChunks++;

    const h = parseChunkHeader(chunk);
    const problems: string[] = [];
    const whole = chunk.length === CHUNK_BYTES;
    const fsoOk = h.freeSpaceOffset >= CHUNK_HEADER_BYTES && h.freeSpaceOffset <= CHUNK_BYTES;
    if (!whole) problems.push(`file ends after ${chunk.length} of its ${CHUNK_BYTES} bytes`);
    if (!fsoOk) problems.push(`free space offset ${hex(h.freeSpaceOffset)} out of range`);
    const noCrc = header.noCrc32 || (h.flags & FLAG_NO_CRC32) !== 0;
    if (!noCrc && chunk.length >= CHUNK_HEADER_BYTES) {
      const hc = chunkHeaderCrc(chunk);
      if (hc !== h.headerChecksum) problems.push(`header checksum mismatch (stored ${hex(h.headerChecksum)}, computed ${hex(hc)})`);
      if (fsoOk && h.freeSpaceOffset <= chunk.length) {
        const dc = chunkDataCrc(chunk, h.freeSpaceOffset);
        if (dc !== h.dataChecksum) problems.push(`record data checksum mismatch (stored ${hex(h.dataChecksum)}, computed ${hex(dc)})`);
      }
    }
    const end = Math.min(fsoOk ? h.freeSpaceOffset : CHUNK_BYTES, chunk.length);
    const { records, bad, firstBad } = this.#readRecords(chunk, index, offset, end, onEvent);
    this.#badRecords += bad;
    if (bad > 0) {
      problems.push(`${bad} unreadable record${bad === 1 ? '' : 's'}`);
      this.#diags.report('warning', 'evtx-bad-record', `chunk ${index} (offset ${hex(offset)}): ${bad} unreadable record${bad === 1 ? '' : 's'} skipped, first at ${hex(offset + firstBad.at)} (${firstBad.why})`);
    }
    if (problems.length > 0) {
      this.#damage({ index, offset, problems, records });
      const checksum = problems.some((p) => p.includes('checksum') || p.includes('free space'));
      if (checksum) this.#diags.report('warning', 'evtx-chunk-checksum', `chunk ${index} (offset ${hex(offset)}): ${problems.filter((p) => !p.includes('unreadable')).join('; ')}; ${records} records recovered from it`);
      if (!whole) this.#diags.report('warning', 'evtx-truncated', `chunk ${index} (offset ${hex(offset)}): file ends after ${chunk.length} of the chunk's ${CHUNK_BYTES} bytes; ${records} records recovered from it`);
    }
  }

  #readRecords(chunk: Buffer, index: number, chunkOffset: number, end: number, onEvent: EventSink): { records: number; bad: number; firstBad: { at: number; why: string } } {
    const parser = new BinXmlParser(chunk);
    let pos = CHUNK_HEADER_BYTES;
    let records = 0;
    let bad = 0;
    let damaged = 0;
    const firstBad = { at: 0, why: '' };
    const noteBad = (at: number, why: string): void => {
      if (bad++ === 0) {
        firstBad.at = at;
        firstBad.why = why;
      }
    };
    while (pos + MIN_RECORD_BYTES <= end) {
      const r = this.#record(parser, chunk, pos, end, index, chunkOffset);
      if (r.event !== null) {
        if (r.event.damaged) damaged++;
        this.#count(r.event.recordId, r.event.written);
        records++;
        onEvent(r.event);
        pos += r.size;
        continue;
      }
      if (r.why === null) break; // zero padding up to the free space offset
      noteBad(pos, r.why);
      if (r.size > 0) {
        pos += r.size; // an intact record frame around unreadable XML: go on after it
        continue;
      }
      const next = chunk.indexOf(RECORD_MAGIC, pos + 1);
      if (next < 0 || next + MIN_RECORD_BYTES > end) break;
      pos = next;
    }
    if (damaged > 0) {
      this.#diags.report('warning', 'evtx-damaged-record', `chunk ${index} (offset ${hex(chunkOffset)}): ${damaged} record${damaged === 1 ? '' : 's'} without the trailing copy of ${damaged === 1 ? 'its' : 'their'} size (cut while being written) recovered; values may be incomplete`);
    }
    return { records, bad, firstBad };
  }

  /**
   * The record at `pos`: an event, or why there is none (`why` null: only zeros follow) and
   * how far to skip (`size` 0: search for the next record signature).
   */
  #record(
    parser: BinXmlParser,
    chunk: Buffer,
    pos: number,
    end: number,
    chunkIndex: number,
    chunkOffset: number,
  ): { event: EvtxEvent | null; size: number; why: string | null } {
    if (chunk.readUInt32LE(pos) !== 0x2a2a) {
      return { event: null, size: 0, why: isZero(chunk, pos, end) ? null : 'no record signature' };
    }
    const size = chunk.readUInt32LE(pos + 4);
    if (size < MIN_RECORD_BYTES || pos + size > chunk.length) return { event: null, size: 0, why: `record size ${size} out of range` };
    const recordId = u64(chunk, pos + 8);
    const sizeOk = chunk.readUInt32LE(pos + size - 4) === size;
    let doc: XNode[];
    try {
      doc = parser.parseDocument(pos + RECORD_HEADER_BYTES, pos + size - 4);
    } catch (e) {
      if (!(e instanceof BinXmlError) && !(e instanceof RangeError)) throw e;
      return { event: null, size: sizeOk ? size : 0, why: `record ${recordId}: ${e.message}` };
    }
    // A record whose trailing copy of its size was lost (cut while being written) is kept when
    // its XML still names the same record id; otherwise it is junk.
    if (!sizeOk && eventFields(doc).get('EventRecordID') !== String(recordId)) {
      return { event: null, size: 0, why: `record size ${size} does not match its copy` };
    }
    const written = filetimeToIso7(chunk.readUInt32LE(pos + 16), chunk.readUInt32LE(pos + 20));
    return { event: { recordId, written, chunkIndex, fileOffset: chunkOffset + pos, doc, damaged: !sizeOk }, size, why: null };
  }

  #count(recordId: number, written: string | null): void {
    this.#records++;
    if (this.#lowest === null || recordId < this.#lowest) this.#lowest = recordId;
    if (this.#highest === null || recordId > this.#highest) this.#highest = recordId;
    if (written !== null) {
      if (this.#oldest === null || written < this.#oldest) this.#oldest = written;
      if (this.#newest === null || written > this.#newest) this.#newest = written;
    }
  }

  #badMagic(j: PendingJunk): void {
    const what = j.zero ? 'zero-filled where a chunk should be' : 'no ElfChnk signature';
    this.#damage({ index: j.index, offset: j.offset, problems: [j.zero ? 'zero-filled' : 'bad magic'], records: 0 });
    this.#diags.report('warning', 'evtx-bad-chunk-magic', `chunk ${j.index} (offset ${hex(j.offset)}): ${what}; skipped`);
  }

  #damage(d: ChunkDamage): void {
    if (this.#damaged.length < MAX_DAMAGE_LISTED) this.#damaged.push(d);
  }
}

function isZero(b: Buffer, start = 0, end = b.length): boolean {
  if (start === 0 && end === CHUNK_BYTES && b.length === CHUNK_BYTES) return b.equals(ZERO_CHUNK);
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
