/**
 * @module Which format an input is, from its content (its name only breaks ties, as LOKI's own
 * file-name convention does). `--format` overrides this.
 */
import type { FormatName, FormatReader } from './types.js';
import { chirpReader } from './chirp/chirp.js';
import { csvReader } from './csv/csv.js';
import { lokiKindFromContent, lokiKindFromName, lokiReader } from './loki/loki.js';
import { mispReader } from './misp/misp.js';
import { packReader } from './pack/pack.js';
import { stixReader } from './stix/bundle.js';
import { textReader } from './text/text.js';

export const READERS: Readonly<Record<FormatName, FormatReader>> = {
  stix: stixReader,
  misp: mispReader,
  csv: csvReader,
  text: textReader,
  loki: lokiReader,
  chirp: chirpReader,
  pack: packReader,
};

const CSV_HEADER_WORDS = /^(value|indicator|ioc|observable|type|indicatortype|dateadded|firstseen|tlp|uuid|category|to_ids|notes?|comment|description)$/i;

export function detectFormat(name: string, text: string): FormatName | null {
  const head = text.slice(0, 64 * 1024).replace(/^\uFEFF/, '');
  const t = head.trimStart();
  if (t.startsWith('<')) return 'stix'; // the STIX reader explains XML (STIX 1.x) clearly
  if (t.startsWith('{') || t.startsWith('[')) {
    if (/"IndicatorType"\s*:/.test(head) && /"Indicator"\s*:/.test(head)) return 'csv';
    if (/"(Event|Attribute)"\s*:|"response"\s*:\s*\[\s*\{\s*"Event"/.test(head)) return 'misp';
    if (/^\{\s*"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"\s*:\s*\{/i.test(t) && /"info"\s*:/.test(head)) return 'misp';
    if (/"Object"\s*:\s*\[/.test(head) && /"object_relation"|"meta-category"/.test(head)) return 'misp';
    if (/"type"\s*:\s*"(bundle|indicator|marking-definition|identity|malware|relationship)"|"objects"\s*:|"spec_version"\s*:|"pattern"\s*:/.test(head)) return 'stix';
    return null;
  }
  if (/^\s*ioc_type\s*:/m.test(head) && /^\s*indicator\s*:/m.test(head)) return 'chirp';
  if (/^id\s*:/m.test(head) && /^entries\s*:/m.test(head) && /^source\s*:/m.test(head)) return 'pack';
  const lokiName = lokiKindFromName(name);
  if (lokiName && (lokiName !== 'c2' || /\.txt$/i.test(name))) {
    if (lokiName === 'c2' || lokiKindFromContent(head) === lokiName) return 'loki';
  }
  if (lokiKindFromContent(head)) return 'loki';
  const firstLine = head.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  const cells = firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  if (cells.length >= 2 && cells.some((c) => CSV_HEADER_WORDS.test(c))) return 'csv';
  return 'text';
}
