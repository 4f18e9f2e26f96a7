/**
 * @module Human sizes for options and reports: `parseSize('1GB')`, `formatSize(1e9)`.
 * Units are decimal (KB = 1000) and binary (KiB = 1024); a bare number is bytes.
 */

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1e3,
  m: 1e6,
  g: 1e9,
};

/** Parses `20MB`, `1.5 GB`, `512KiB`, `1000`. Returns null when the text is not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[(m[2] ?? '').toLowerCase() || 'b'];
  if (unit === undefined) return null;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isFinite(n) ? n : null;
}

/** `1234567` → `1.2 MB` (decimal units, one decimal). */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
