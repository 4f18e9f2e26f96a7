/**
 * @module BinXML substitution values: bytes plus a value type in, the text Windows renders out.
 *
 * The renderings follow what Event Viewer and `wevtutil qe /f:xml` print, because that is what
 * rules (Sigma, exhunt's own) are written against: integers in decimal, HexInt32/HexInt64 and
 * size_t as `0x` plus lower-case hex without padding, GUIDs upper-case in braces, binary as
 * upper-case hex, booleans `true`/`false`, times as `YYYY-MM-DDTHH:MM:SS.fffffffZ`, SIDs as
 * `S-1-5-...`. Every decoder is bounds-checked by its caller (`size` never reaches past the
 * record) and never throws on content: a value too short for its type renders as ''.
 */
import { VT, type EvtxValue, type XNode } from './nodes.js';
import { filetimeToIso7, systemtimeToIso7 } from './time.js';

/**
 * Windows-1252 (the ANSI code page evtxexport also assumes): Latin-1 except for 0x80-0x9F.
 * Written out because Node 20's TextDecoder decodes the `windows-1252` label as ISO-8859-1.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function cp1252(buf: Buffer, start: number, end: number): string {
  const latin1 = buf.toString('latin1', start, end);
  return /[\u0080-\u009f]/.test(latin1) ? latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c) : latin1;
}

/** Parses nested Binary XML (value type 0x21) between two offsets of the same chunk. */
export type NestedXmlParser = (start: number, end: number) => readonly XNode[];

const NULL_VALUE: EvtxValue = { type: VT.Null, text: '', items: null, xml: null };

function textValue(type: number, text: string): EvtxValue {
  return { type, text, items: null, xml: null };
}

/**
 * Decodes one substitution value of `size` bytes at `pos`. `buf` is the whole chunk, so nested
 * Binary XML can resolve its name offsets.
 */
export function decodeValue(buf: Buffer, pos: number, size: number, type: number, nested: NestedXmlParser): EvtxValue {
  if (type === VT.Null) return size === 0 ? NULL_VALUE : { type, text: '', items: null, xml: null };
  if (type === VT.BinXml) {
    return { type, text: '', items: null, xml: size === 0 ? [] : nested(pos, pos + size) };
  }
  if ((type & VT.Array) !== 0) {
    const items = decodeArray(buf, pos, size, type & 0x7f);
    return { type, text: items.join(', '), items, xml: null };
  }
  return textValue(type, scalarText(buf, pos, size, type));
}

/** The text of one scalar value (no arrays, no nested XML). */
export function scalarText(buf: Buffer, pos: number, size: number, type: number): string {
  const end = pos + size;
  switch (type) {
    case VT.String:
      return utf16z(buf, pos, end);
    case VT.AnsiString:
      return ansiz(buf, pos, end);
    case VT.Int8:
      return size >= 1 ? String(buf.readInt8(pos)) : '';
    case VT.UInt8:
      return size >= 1 ? String(buf[pos]) : '';
    case VT.Int16:
      return size >= 2 ? String(buf.readInt16LE(pos)) : '';
    case VT.UInt16:
      return size >= 2 ? String(buf.readUInt16LE(pos)) : '';
    case VT.Int32:
      return size >= 4 ? String(buf.readInt32LE(pos)) : '';
    case VT.UInt32:
      return size >= 4 ? String(buf.readUInt32LE(pos)) : '';
    case VT.Int64:
      return size >= 8 ? buf.readBigInt64LE(pos).toString() : '';
    case VT.UInt64:
      return size >= 8 ? u64Decimal(buf.readUInt32LE(pos), buf.readUInt32LE(pos + 4)) : '';
    case VT.Real32:
      return size >= 4 ? formatReal32(buf.readFloatLE(pos)) : '';
    case VT.Real64:
      return size >= 8 ? formatReal64(buf.readDoubleLE(pos)) : '';
    case VT.Bool:
      return boolText(buf, pos, size);
    case VT.Binary:
      return buf.toString('hex', pos, end).toUpperCase();
    case VT.Guid:
      return size >= 16 ? guidText(buf, pos) : '';
    case VT.SizeT:
    case VT.EvtHandle:
      if (size === 4) return hex32(buf.readUInt32LE(pos));
      return size >= 8 ? hex64(buf.readUInt32LE(pos), buf.readUInt32LE(pos + 4)) : '';
    case VT.FileTime:
      return size >= 8 ? (filetimeToIso7(buf.readUInt32LE(pos), buf.readUInt32LE(pos + 4)) ?? '') : '';
    case VT.SysTime:
      return size >= 16 ? (systemtimeToIso7(readWords(buf, pos, 8)) ?? '') : '';
    case VT.Sid:
      return sidText(buf, pos, end)?.text ?? '';
    case VT.HexInt32:
      return size >= 4 ? hex32(buf.readUInt32LE(pos)) : '';
    case VT.HexInt64:
      return size >= 8 ? hex64(buf.readUInt32LE(pos), buf.readUInt32LE(pos + 4)) : '';
    case VT.EvtXml:
      return utf16z(buf, pos, end);
    default:
      // Unknown type: keep the bytes visible rather than dropping them.
      return buf.toString('hex', pos, end).toUpperCase();
  }
}

/** Fixed item sizes of array element types; strings and SIDs are variable. */
const ITEM_SIZE: Readonly<Record<number, number>> = {
  [VT.Int8]: 1,
  [VT.UInt8]: 1,
  [VT.Int16]: 2,
  [VT.UInt16]: 2,
  [VT.Int32]: 4,
  [VT.UInt32]: 4,
  [VT.Int64]: 8,
  [VT.UInt64]: 8,
  [VT.Real32]: 4,
  [VT.Real64]: 8,
  [VT.Bool]: 4,
  [VT.Guid]: 16,
  [VT.FileTime]: 8,
  [VT.SysTime]: 16,
  [VT.HexInt32]: 4,
  [VT.HexInt64]: 8,
};

function decodeArray(buf: Buffer, pos: number, size: number, itemType: number): string[] {
  const end = pos + size;
  if (itemType === VT.String) return splitStrings(utf16(buf, pos, end - (size % 2)));
  if (itemType === VT.AnsiString) return splitStrings(cp1252(buf, pos, end));
  if (itemType === VT.Sid) {
    const out: string[] = [];
    let p = pos;
    while (p < end) {
      const sid = sidText(buf, p, end);
      if (sid === null) break;
      out.push(sid.text);
      p += sid.size;
    }
    return out;
  }
  // size_t follows the writer's pointer size; 8 when the bytes allow it.
  const item = itemType === VT.SizeT || itemType === VT.EvtHandle ? (size % 8 === 0 ? 8 : 4) : ITEM_SIZE[itemType];
  if (item === undefined) return size === 0 ? [] : [buf.toString('hex', pos, end).toUpperCase()];
  const out: string[] = [];
  for (let p = pos; p + item <= end; p += item) out.push(scalarText(buf, p, item, itemType));
  return out;
}

/** NUL-separated strings; the terminator of the last one does not start another. */
function splitStrings(text: string): string[] {
  if (text.length === 0) return [];
  const parts = text.split('\0');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function utf16(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf16le', start, end);
}

/** UTF-16LE text with trailing NUL characters removed (writers often include the terminator). */
export function utf16z(buf: Buffer, start: number, end: number): string {
  let e = end - ((end - start) % 2);
  while (e - 2 >= start && buf[e - 1] === 0 && buf[e - 2] === 0) e -= 2;
  return e <= start ? '' : buf.toString('utf16le', start, e);
}

function ansiz(buf: Buffer, start: number, end: number): string {
  let e = end;
  while (e > start && buf[e - 1] === 0) e--;
  return e <= start ? '' : cp1252(buf, start, e);
}

function readWords(buf: Buffer, pos: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(buf.readUInt16LE(pos + 2 * i));
  return out;
}

function boolText(buf: Buffer, pos: number, size: number): string {
  // Windows writes a 32-bit BOOL; any non-zero byte is TRUE (some writers store 0xFFFFFFFF).
  if (size <= 0) return '';
  for (let i = 0; i < size; i++) if (buf[pos + i] !== 0) return 'true';
  return 'false';
}

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

export function hex64(low: number, high: number): string {
  if (high === 0) return `0x${(low >>> 0).toString(16)}`;
  return `0x${(high >>> 0).toString(16)}${(low >>> 0).toString(16).padStart(8, '0')}`;
}

function u64Decimal(low: number, high: number): string {
  // Exact as a double below 2^53.
  if (high < 0x200000) return String(high * 0x100000000 + low);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

/** A GUID as Windows prints it: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (mixed-endian bytes). */
export function guidText(buf: Buffer, p: number): string {
  const h = (i: number): string => HEX[buf[p + i] ?? 0] ?? '00';
  return (
    `{${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-` +
    `${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}}`
  );
}

/** A SID at `pos` as `S-R-A-S1-S2...`, with its size in bytes; null when it does not fit. */
export function sidText(buf: Buffer, pos: number, end: number): { text: string; size: number } | null {
  if (pos + 8 > end) return null;
  const revision = buf[pos] ?? 0;
  const count = buf[pos + 1] ?? 0;
  const size = 8 + 4 * count;
  if (pos + size > end) return null;
  const authHigh = buf.readUInt16BE(pos + 2);
  const authLow = buf.readUInt32BE(pos + 4);
  // Windows prints authorities of 2^32 and above in hex (ConvertSidToStringSid).
  const authority =
    authHigh === 0 ? String(authLow) : `0x${authHigh.toString(16).padStart(4, '0')}${authLow.toString(16).padStart(8, '0')}`.toUpperCase().replace('0X', '0x');
  let text = `S-${revision}-${authority}`;
  for (let i = 0; i < count; i++) text += `-${buf.readUInt32LE(pos + 8 + 4 * i)}`;
  return { text, size };
}

function specialReal(v: number): string | null {
  if (Number.isNaN(v)) return '1.#IND';
  if (v === Infinity) return '1.#INF';
  if (v === -Infinity) return '-1.#INF';
  return null;
}

/** The shortest decimal that reads back as the same 32-bit float. */
export function formatReal32(v: number): string {
  const special = specialReal(v);
  if (special !== null) return special;
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

export function formatReal64(v: number): string {
  return specialReal(v) ?? String(v);
}
