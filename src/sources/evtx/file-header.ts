/**
 * @module The EVTX file header (first 4096 bytes) and chunk header (first 512 bytes of each
 * 64 KiB chunk), with their CRC32 checks.
 *
 * File header: `ElfFile\0`, first and last chunk number, next record id, header size (128),
 * minor and major version, header block size (4096), chunk count, flags at 120 (0x1 dirty,
 * 0x2 full, 0x4 no CRC32), CRC32 of bytes 0..119 at 124.
 *
 * Chunk header: `ElfChnk\0`, first and last record number, first and last record id, header
 * size, last record offset, free space offset, CRC32 of the record data (512 up to the free
 * space offset) at 52, flags at 120 (0x4: no CRC32), CRC32 of bytes 0..119 and 128..511 at
 * 124; then the string table (64 offsets) and template table (32 offsets).
 */
import { crc32 } from 'node:zlib';

export const FILE_HEADER_BYTES = 4096;
export const CHUNK_BYTES = 65536;
export const CHUNK_HEADER_BYTES = 512;

const FILE_MAGIC = Buffer.from('ElfFile\0', 'latin1');
const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');

export const FLAG_DIRTY = 0x1;
export const FLAG_FULL = 0x2;
export const FLAG_NO_CRC32 = 0x4;

export interface EvtxFileHeader {
  readonly magicOk: boolean;
  readonly firstChunk: number;
  readonly lastChunk: number;
  readonly nextRecordId: number;
  readonly headerSize: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly headerBlockSize: number;
  /** Chunks the header says are in use (may be lower than the truth in a dirty file). */
  readonly chunkCount: number;
  readonly flags: number;
  /** Not closed cleanly: chunk count and next record id may be stale. */
  readonly dirty: boolean;
  readonly full: boolean;
  /** The writer did not compute CRC32s (flag 0x4, seen on Windows 10 and later). */
  readonly noCrc32: boolean;
  readonly checksum: number;
  /** CRC32 of bytes 0..119 matches, or the file has the no-CRC32 flag. */
  readonly checksumOk: boolean;
}

export function parseFileHeader(b: Buffer): EvtxFileHeader {
  const flags = b.readUInt32LE(120);
  const checksum = b.readUInt32LE(124);
  const noCrc32 = (flags & FLAG_NO_CRC32) !== 0;
  return {
    magicOk: b.subarray(0, 8).equals(FILE_MAGIC),
    firstChunk: u64(b, 8),
    lastChunk: u64(b, 16),
    nextRecordId: u64(b, 24),
    headerSize: b.readUInt32LE(32),
    minorVersion: b.readUInt16LE(36),
    majorVersion: b.readUInt16LE(38),
    headerBlockSize: b.readUInt16LE(40),
    chunkCount: b.readUInt16LE(42),
    flags,
    dirty: (flags & FLAG_DIRTY) !== 0,
    full: (flags & FLAG_FULL) !== 0,
    noCrc32,
    checksum,
    checksumOk: noCrc32 || crc32(b.subarray(0, 120)) === checksum,
  };
}

export interface EvtxChunkHeader {
  readonly firstRecordNumber: number;
  readonly lastRecordNumber: number;
  readonly firstRecordId: number;
  readonly lastRecordId: number;
  readonly headerSize: number;
  readonly lastRecordOffset: number;
  readonly freeSpaceOffset: number;
  readonly dataChecksum: number;
  readonly flags: number;
  readonly headerChecksum: number;
}

/** True when the chunk starts with `ElfChnk\0`. */
export function hasChunkMagic(b: Buffer): boolean {
  return b.length >= 8 && b.compare(CHUNK_MAGIC, 0, 8, 0, 8) === 0;
}

export function parseChunkHeader(b: Buffer): EvtxChunkHeader {
  return {
    firstRecordNumber: u64(b, 8),
    lastRecordNumber: u64(b, 16),
    firstRecordId: u64(b, 24),
    lastRecordId: u64(b, 32),
    headerSize: b.readUInt32LE(40),
    lastRecordOffset: b.readUInt32LE(44),
    freeSpaceOffset: b.readUInt32LE(48),
    dataChecksum: b.readUInt32LE(52),
    flags: b.readUInt32LE(120),
    headerChecksum: b.readUInt32LE(124),
  };
}

/** CRC32 over bytes 0..119 and 128..511 of a chunk. */
export function chunkHeaderCrc(b: Buffer): number {
  return crc32(b.subarray(128, CHUNK_HEADER_BYTES), crc32(b.subarray(0, 120)));
}

/** CRC32 of the record data: from the end of the chunk header up to the free space offset. */
export function chunkDataCrc(b: Buffer, freeSpaceOffset: number): number {
  return crc32(b.subarray(CHUNK_HEADER_BYTES, freeSpaceOffset));
}

/** A little-endian u64 as a number (exact below 2^53, which every real count and id is). */
export function u64(b: Buffer, pos: number): number {
  return b.readUInt32LE(pos + 4) * 0x100000000 + b.readUInt32LE(pos);
}
