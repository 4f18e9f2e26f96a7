/**
 * @module Log format detection from content, for single files given directly (a log copied out
 * of its folder has lost the path that normally tells its kind).
 *
 * Looks at the first lines only, decoded like the parsers do (UTF-8 with or without BOM,
 * UTF-16 with BOM or by its NUL pattern). Strongest evidence first: an Exchange `#Log-type:`,
 * then IIS's `#Software:`/`#Fields:`, then Exchange header names, then OAB generator text.
 * Anything else (an Apache access log, a CSV from elsewhere) is null: better to say "unknown
 * format" than to run Exchange rules over the wrong columns.
 */
import { TextDecoder } from 'node:util';
import { sniffEncoding } from './lines/encoding.js';
import type { LogKind } from './source.js';

/** Bytes worth passing to `detectLogKind`: enough for the 74-column HttpProxy header and more. */
export const DETECT_BYTES = 8192;
const MAX_LINES = 40;

/** The kind of log the first bytes of a file belong to, or null when it is none exhunt reads. */
export function detectLogKind(firstBytes: Buffer): LogKind | null {
  const lines = headLines(firstBytes);
  for (const line of lines) {
    const m = /^#\s*Log-type:\s*(.*)$/i.exec(line);
    if (m === null) continue;
    const type = (m[1] ?? '').toLowerCase();
    if (type.includes('httpproxy')) return 'httpproxy';
    if (type.includes('ecp')) return 'ecp';
    if (type.includes('oab')) return 'oab';
  }
  for (const line of lines) {
    if (/^#\s*Software:\s*Microsoft Internet Information Services/i.test(line)) return 'iis';
    const f = /^#\s*Fields:\s*(.*)$/i.exec(line);
    if (f !== null && isW3cFieldList(f[1] ?? '')) return 'iis';
  }
  for (const line of lines) {
    const names = exchangeHeaderNames(line);
    if (names === null) continue;
    if (names.has('anchormailbox') || names.has('clientipaddress') || names.has('backendcookie')) return 'httpproxy';
    if (['timestamp', 'servername', 'eventid', 'eventdata'].every((n) => names.has(n))) return 'ecp';
  }
  if (lines.some((l) => /OABGenerator/i.test(l))) return 'oab';
  return null;
}

function headLines(bytes: Buffer): string[] {
  const { encoding, bomLength } = sniffEncoding(bytes);
  const body = bytes.subarray(bomLength);
  let text: string;
  if (encoding === 'utf8') text = body.toString('utf8');
  else {
    // A cut-off last code unit is dropped rather than decoded as garbage.
    const even = body.subarray(0, body.length - (body.length % 2));
    text = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(even);
  }
  return text
    .split(/\r?\n/, MAX_LINES)
    .map((l) => l.replace(/^\0+/, '').trim())
    .filter((l) => l.length > 0);
}

/** W3C field names: space separated, with IIS's `s-`, `c-`, `cs-`, `sc-` prefixes. */
function isW3cFieldList(list: string): boolean {
  if (list.includes(',')) return false;
  const names = list.split(/\s+/);
  return names.some((n) => /^(?:s|c|cs|sc)-|^(?:cs|sc)\(/i.test(n));
}

/** Lower-case names of an Exchange CSV header (`#Fields: a,b` or a plain `a,b` line), or null. */
function exchangeHeaderNames(line: string): Set<string> | null {
  const list = line.startsWith('#') ? /^#\s*Fields:\s*(.*)$/i.exec(line)?.[1] : line;
  if (list === undefined || !list.includes(',')) return null;
  return new Set(list.split(',').map((n) => n.trim().toLowerCase()));
}
