/**
 * @module RFC 5424 syslog messages and the octet-counting frame of RFC 6587 / RFC 5425.
 *
 *     <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
 *
 * Header fields are PRINTUSASCII without spaces (anything else becomes `_`, an empty field
 * `-`), and no structured data is sent (`-`). MSG is sent without the UTF-8 BOM that RFC 5424
 * allows, because CEF parsers expect `CEF:` as the first characters.
 */
import type { Severity } from '../../../core/severity.js';
import { SYSLOG_FACILITIES } from '../../config/schema.js';

export type Facility = (typeof SYSLOG_FACILITIES)[number];

/** Syslog severity (RFC 5424 table 2) of each exhunt severity. */
export const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

export interface Rfc5424Fields {
  readonly facility: Facility;
  readonly severity: Severity;
  /** ISO 8601 UTC time, written as RFC 3339 with milliseconds. */
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly msg: string;
}

function headerField(value: string, max: number): string {
  const s = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return s === '' ? '-' : s;
}

export function pri(facility: Facility, severity: Severity): number {
  return SYSLOG_FACILITIES.indexOf(facility) * 8 + SYSLOG_SEVERITY[severity];
}

/** The message without framing. */
export function formatRfc5424(m: Rfc5424Fields): string {
  return [
    `<${pri(m.facility, m.severity)}>1`,
    headerField(m.timestamp, 64),
    headerField(m.hostname, 255),
    headerField(m.appName, 48),
    headerField(m.procId, 128),
    headerField(m.msgId, 32),
    '-',
    m.msg,
  ].join(' ');
}

/** Octet counting (RFC 6587 section 3.4.1, RFC 5425 section 4.3): `LENGTH SP MESSAGE`. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/**
 * `text` cut to at most `maxBytes` of UTF-8 without splitting a character, and without leaving
 * a lone escaping backslash at the end (which would escape whatever a parser appends).
 */
export function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  let end = maxBytes;
  // Back up to the start of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  let out = buf.subarray(0, end).toString('utf8');
  const trailing = /\\+$/.exec(out)?.[0].length ?? 0;
  if (trailing % 2 === 1) out = out.slice(0, -1);
  return out;
}
