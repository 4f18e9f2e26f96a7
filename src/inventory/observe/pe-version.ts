/**
 * @module The version resource (VS_VERSIONINFO) of a Windows PE file such as `Bin\ExSetup.exe`,
 * read from the bytes alone: MZ header → PE header → resource directory (RT_VERSION, type 16) →
 * VS_FIXEDFILEINFO (the numeric file and product versions) and StringFileInfo (`FileVersion`,
 * `ProductName`...). Every offset is bounds-checked: the file is evidence from a possibly
 * compromised server and may be truncated or malformed; then `null` is returned, never a throw.
 * When the resource tree cannot be walked, the VS_FIXEDFILEINFO signature is searched for.
 */

export interface PeVersionInfo {
  /** `15.1.2176.9` from VS_FIXEDFILEINFO. */
  readonly fileVersion: string;
  readonly productVersion: string;
  /** StringFileInfo values of the first string table (`FileVersion`, `ProductName`, ...). */
  readonly strings: Readonly<Record<string, string>>;
  /** How it was found: `resource` (walked the tree) or `signature` (searched). */
  readonly via: 'resource' | 'signature';
}

const RT_VERSION = 16;
const FIXED_SIGNATURE = 0xfeef04bd;

class Reader {
  constructor(readonly buf: Buffer) {}
  ok(off: number, len: number): boolean {
    return Number.isInteger(off) && off >= 0 && len >= 0 && off + len <= this.buf.length;
  }
  u16(off: number): number | null {
    return this.ok(off, 2) ? this.buf.readUInt16LE(off) : null;
  }
  u32(off: number): number | null {
    return this.ok(off, 4) ? this.buf.readUInt32LE(off) : null;
  }
}

interface Section {
  readonly va: number;
  readonly vsize: number;
  readonly raw: number;
  readonly rawSize: number;
}

function rvaToOffset(sections: readonly Section[], rva: number): number | null {
  for (const s of sections) {
    const size = Math.max(s.vsize, s.rawSize);
    if (rva >= s.va && rva < s.va + size) {
      const off = s.raw + (rva - s.va);
      return rva - s.va < s.rawSize ? off : null;
    }
  }
  return null;
}

function versionFromFixed(r: Reader, off: number): { file: string; product: string } | null {
  if (r.u32(off) !== FIXED_SIGNATURE) return null;
  const fms = r.u32(off + 8);
  const fls = r.u32(off + 12);
  const pms = r.u32(off + 16);
  const pls = r.u32(off + 20);
  if (fms === null || fls === null || pms === null || pls === null) return null;
  const fmt = (ms: number, ls: number): string => `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
  return { file: fmt(fms, fls), product: fmt(pms, pls) };
}

function utf16z(r: Reader, off: number, limit: number): { text: string; end: number } | null {
  let end = off;
  while (end + 1 < limit && r.ok(end, 2) && r.buf.readUInt16LE(end) !== 0) end += 2;
  if (!r.ok(end, 2)) return null;
  return { text: r.buf.toString('utf16le', off, end), end: end + 2 };
}

const align4 = (n: number, base: number): number => base + Math.ceil((n - base) / 4) * 4;

/** Walks version blocks (wLength, wValueLength, wType, szKey, value, children) collecting strings. */
function walkBlocks(r: Reader, off: number, end: number, base: number, strings: Record<string, string>, depth: number): void {
  let p = off;
  while (p + 6 <= end && depth < 6) {
    const len = r.u16(p);
    const valueLen = r.u16(p + 2);
    const type = r.u16(p + 4);
    if (len === null || valueLen === null || type === null || len < 6 || p + len > end) return;
    const key = utf16z(r, p + 6, p + len);
    if (!key) return;
    const valueOff = align4(key.end, base);
    if (depth === 2 && type === 1 && valueLen > 0) {
      const bytes = Math.min(valueLen * 2, p + len - valueOff);
      if (bytes > 0 && r.ok(valueOff, bytes)) strings[key.text] = r.buf.toString('utf16le', valueOff, valueOff + bytes).replace(/\0+$/, '');
    } else if (depth < 2) {
      const childStart = align4(valueOff + (type === 1 ? valueLen * 2 : valueLen), base);
      walkBlocks(r, childStart, p + len, base, strings, depth + 1);
    }
    p = align4(p + len, base);
  }
}

function parseVersionInfo(r: Reader, off: number, size: number): PeVersionInfo | null {
  const len = r.u16(off);
  const valueLen = r.u16(off + 2);
  if (len === null || valueLen === null || !r.ok(off, Math.min(len, size))) return null;
  const key = utf16z(r, off + 6, off + len);
  if (!key || key.text !== 'VS_VERSION_INFO') return null;
  const fixedOff = align4(key.end, off);
  const fixed = versionFromFixed(r, fixedOff);
  if (!fixed) return null;
  const strings: Record<string, string> = {};
  // Children: StringFileInfo → StringTable → String, and VarFileInfo.
  walkBlocks(r, align4(fixedOff + valueLen, off), off + len, off, strings, 0);
  return { fileVersion: fixed.file, productVersion: fixed.product, strings, via: 'resource' };
}

function fromResources(r: Reader): PeVersionInfo | null {
  if (r.u16(0) !== 0x5a4d) return null;
  const pe = r.u32(0x3c);
  if (pe === null || r.u32(pe) !== 0x00004550) return null;
  const nsections = r.u16(pe + 6);
  const optSize = r.u16(pe + 20);
  const opt = pe + 24;
  const magic = r.u16(opt);
  if (nsections === null || optSize === null || magic === null) return null;
  const dd = magic === 0x20b ? opt + 112 : magic === 0x10b ? opt + 96 : -1;
  const ndirs = r.u32(magic === 0x20b ? opt + 108 : opt + 92);
  if (dd < 0 || ndirs === null || ndirs < 3) return null;
  const rsrcRva = r.u32(dd + 16);
  if (!rsrcRva) return null;
  const sections: Section[] = [];
  const table = opt + optSize;
  for (let i = 0; i < Math.min(nsections, 96); i++) {
    const s = table + i * 40;
    const vsize = r.u32(s + 8);
    const va = r.u32(s + 12);
    const rawSize = r.u32(s + 16);
    const raw = r.u32(s + 20);
    if (vsize === null || va === null || rawSize === null || raw === null) return null;
    sections.push({ va, vsize, raw, rawSize });
  }
  const root = rvaToOffset(sections, rsrcRva);
  if (root === null) return null;
  // Three levels: type → name → language. Subdirectory offsets are relative to the root.
  const entries = (dir: number): { id: number; target: number }[] => {
    const named = r.u16(dir + 12);
    const ids = r.u16(dir + 14);
    if (named === null || ids === null) return [];
    const out: { id: number; target: number }[] = [];
    for (let i = 0; i < Math.min(named + ids, 4096); i++) {
      const id = r.u32(dir + 16 + i * 8);
      const target = r.u32(dir + 20 + i * 8);
      if (id === null || target === null) break;
      out.push({ id, target });
    }
    return out;
  };
  const version = entries(root).find((e) => e.id === RT_VERSION && e.target & 0x80000000);
  if (!version) return null;
  const names = entries(root + (version.target & 0x7fffffff)).filter((e) => e.target & 0x80000000);
  for (const n of names) {
    for (const lang of entries(root + (n.target & 0x7fffffff))) {
      if (lang.target & 0x80000000) continue;
      const dataEntry = root + lang.target;
      const rva = r.u32(dataEntry);
      const size = r.u32(dataEntry + 4);
      if (rva === null || size === null) continue;
      const off = rvaToOffset(sections, rva);
      if (off === null) continue;
      const info = parseVersionInfo(r, off, size);
      if (info) return info;
    }
  }
  return null;
}

/** Reads the version resource of a PE file; null when there is none or it cannot be read. */
export function readPeVersion(buf: Buffer): PeVersionInfo | null {
  const r = new Reader(buf);
  const walked = fromResources(r);
  if (walked) return walked;
  if (r.u16(0) !== 0x5a4d) return null;
  // Fallback: the VS_FIXEDFILEINFO signature, 4-byte aligned, preceded by "VS_VERSION_INFO".
  const sig = Buffer.from([0xbd, 0x04, 0xef, 0xfe]);
  for (let at = buf.indexOf(sig); at >= 0; at = buf.indexOf(sig, at + 1)) {
    const fixed = versionFromFixed(r, at);
    const marker = buf.subarray(Math.max(0, at - 40), at).toString('utf16le');
    if (fixed && (marker.includes('VS_VERSION_INFO') || marker.includes('S_VERSION_INF'))) {
      return { fileVersion: fixed.file, productVersion: fixed.product, strings: {}, via: 'signature' };
    }
  }
  return null;
}
