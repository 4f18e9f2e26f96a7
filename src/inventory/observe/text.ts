/**
 * @module Decoding text files the way PowerShell writes them: UTF-8 with or without BOM, and
 * UTF-16LE with BOM (Windows PowerShell 5's `>` and `Out-File` default), UTF-16BE, or UTF-16
 * without BOM recognised by its NUL bytes.
 */
import { TextDecoder } from 'node:util';

export function decodeText(bytes: Buffer): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return utf16(bytes.subarray(2), 'utf-16le');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return utf16(bytes.subarray(2), 'utf-16be');
  // No BOM: ASCII text in UTF-16 has a NUL in every other byte.
  const probe = bytes.subarray(0, 512);
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < probe.length; i++) {
    if (probe[i] !== 0) continue;
    if (i % 2 === 0) evenNul++;
    else oddNul++;
  }
  const half = probe.length / 2;
  if (half > 4 && oddNul > half * 0.6) return utf16(bytes, 'utf-16le');
  if (half > 4 && evenNul > half * 0.6) return utf16(bytes, 'utf-16be');
  return bytes.toString('utf8');
}

function utf16(body: Buffer, encoding: 'utf-16le' | 'utf-16be'): string {
  return new TextDecoder(encoding).decode(body.subarray(0, body.length - (body.length % 2)));
}

/** True when the bytes look like text rather than a binary file (few control characters). */
export function looksLikeText(text: string): boolean {
  const head = text.slice(0, 4096);
  if (head.length === 0) return true;
  let bad = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    // NUL and replacement characters mark binary data; a few other controls may be in text
    // (an attacker's server name can hold ESC sequences and must still be read, then escaped).
    if (c === 0 || c === 0xfffd) bad += 4;
    else if (c < 9 || (c > 13 && c < 32)) bad++;
  }
  return bad / head.length < 0.1;
}
