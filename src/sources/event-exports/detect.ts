/**
 * @module Which event export a file is, from its first bytes (decoded like the readers do:
 * UTF-8 with or without BOM, UTF-16 with BOM or by its NUL pattern). Returns null for anything
 * else, including EVTX files (`ElfFile`), which have their own reader.
 */
import { TextDecoder } from 'node:util';
import { sniffEncoding } from '../lines/encoding.js';

export type EventExportKind = 'wevtutil-xml' | 'winevent-json' | 'jsonl-flat' | 'jsonl-nested';

/** Bytes worth passing to `detectEventExport`. */
export const EVENT_EXPORT_DETECT_BYTES = 16384;

export function detectEventExport(firstBytes: Uint8Array): EventExportKind | null {
  const text = headText(firstBytes);
  const start = text.search(/\S/);
  if (start < 0) return null;
  const first = text[start];
  if (first === '<') return /<(?:[\w-]+:)?Event[\s>]/.test(text) ? 'wevtutil-xml' : null;
  if (first !== '{' && first !== '[') return null;
  // Keys of the first event (the head may end inside it, so keys are searched as text).
  const end = firstObjectEnd(text, start);
  const head = text.slice(start, end);
  const has = (key: string): boolean => new RegExp(`"${key}"\\s*:`).test(head);
  if (/"Event"\s*:\s*\{/.test(head) && (has('System') || has('EventData'))) return 'jsonl-nested';
  if (has('ProviderName') || has('LogName') || has('RecordId') || has('MachineName') || /"TimeCreated"\s*:\s*"\\?\/Date\(/.test(head)) return 'winevent-json';
  if ((has('EventID') || has('EventId') || has('event_id')) && (has('Channel') || has('Hostname') || has('@timestamp') || has('SourceName') || has('Computer') || has('TimeCreated'))) return 'jsonl-flat';
  return null;
}

function headText(bytes: Uint8Array): string {
  const { encoding, bomLength } = sniffEncoding(bytes);
  const body = bytes.subarray(bomLength);
  if (encoding === 'utf8') return new TextDecoder('utf-8').decode(body);
  const even = body.subarray(0, body.length - (body.length % 2));
  return new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(even);
}

/** End of the first top-level object (or of the text when it is cut off). */
function firstObjectEnd(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  let escape = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return text.length;
}
