/**
 * @module The e-mail of one alert, or the digest of several: RFC 5322 headers, a text/plain
 * UTF-8 body in quoted-printable (7-bit clean, so no server extension is needed).
 *
 * Header injection: every value that reaches a header (host, title) has its controls, CR and
 * LF made visible first, and non-ASCII text is sent as RFC 2047 encoded words. In the body each
 * field stays on its own line for the same reason.
 */
import { createHash } from 'node:crypto';
import { escapeTerminal, truncate } from '../../../sinks/escape/index.js';
import type { Alert } from '../../alert.js';

export interface MailOptions {
  readonly from: string;
  readonly to: readonly string[];
  readonly subjectPrefix: string;
  readonly exhuntVersion: string;
  readonly now: Date;
}

/** Quoted-printable (RFC 2045 section 6.7) of UTF-8 text; line ends become CRLF. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    let encoded = '';
    const bytes = Buffer.from(line, 'utf8');
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      encoded += literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    // Soft line breaks keep every line within 76 characters, never inside an =XX.
    while (encoded.length > 76) {
      let cut = 75;
      const eq = encoded.lastIndexOf('=', cut - 1);
      if (eq >= cut - 2) cut = eq;
      out.push(`${encoded.slice(0, cut)}=`);
      encoded = encoded.slice(cut);
    }
    out.push(encoded);
  }
  return out.join('\r\n');
}

/** A header value: controls made visible, non-ASCII as RFC 2047 `=?UTF-8?B?...?=` words. */
export function headerText(value: string): string {
  const v = escapeTerminal(value);
  if (/^[\x20-\x7e]*$/.test(v)) return v;
  const words: string[] = [];
  let chunk = '';
  for (const ch of v) {
    // 45 bytes of UTF-8 → 60 base64 characters, so each word stays under 75.
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** RFC 5322 date in UTC: `Thu, 11 Mar 2021 09:00:00 +0000`. */
export function mailDate(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function line(label: string, value: string | null | undefined): string[] {
  return value ? [`${`${label}:`.padEnd(10)}${escapeTerminal(value)}`] : [];
}

/** The text of one alert inside a mail. */
export function alertText(alert: Alert): string {
  const f = alert.finding;
  const lines = [
    `${alert.test ? '[TEST] ' : ''}${f.severity.toUpperCase()} on ${escapeTerminal(f.host)}: ${escapeTerminal(f.title)}`,
    '',
    ...line('Rule', f.ruleId),
    ...line('Severity', `${f.severity} (${f.outcome}, ${f.stage})`),
    ...line('Time', f.time),
    ...line('Host', f.host),
    ...line('Client', f.clientIp),
    ...line('Source', f.source.line === null ? f.source.path : `${f.source.path}:${f.source.line}`),
    ...line('CVE', f.cves.join(', ')),
    ...line('ATT&CK', f.attack.join(', ')),
    '',
    escapeTerminal(f.description),
  ];
  const evidence = Object.entries(f.evidence);
  if (evidence.length > 0) {
    lines.push('', 'Evidence:');
    for (const [k, v] of evidence) lines.push(`  ${escapeTerminal(k)}: ${escapeTerminal(truncate(v, 2000))}`);
  }
  lines.push('', `Alert id: ${alert.key}`);
  return lines.join('\n');
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'exhunt.invalid';
}

function subject(alerts: readonly Alert[], prefix: string): string {
  const first = alerts[0];
  if (!first) return `${prefix} no alerts`;
  const test = alerts.every((a) => a.test) ? '[TEST] ' : '';
  if (alerts.length === 1) return `${prefix} ${test}${first.finding.severity.toUpperCase()} ${first.finding.host}: ${truncate(first.finding.title, 150)}`;
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.finding.severity, (counts.get(a.finding.severity) ?? 0) + 1);
  const bySeverity = ['critical', 'high', 'medium', 'low', 'info']
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
  const hosts = [...new Set(alerts.map((a) => a.finding.host))];
  const hostText = hosts.length <= 3 ? hosts.join(', ') : `${hosts.slice(0, 3).join(', ')} and ${hosts.length - 3} more`;
  return `${prefix} ${test}${alerts.length} alerts (${bySeverity}) from ${truncate(hostText, 120)}`;
}

/** The whole message for one alert (or a digest of several), ready for DATA. */
export function composeMail(alerts: readonly Alert[], o: MailOptions): string {
  const single = alerts.length === 1 ? alerts[0] : undefined;
  const id = single ? single.key : `digest-${createHash('sha256').update(alerts.map((a) => a.key).join(',')).digest('hex').slice(0, 32)}`;
  const body = single
    ? alertText(single)
    : [`exhunt digest: ${alerts.length} alerts`, '', ...alerts.map((a, i) => `${i > 0 ? '\n' : ''}${'-'.repeat(72)}\n${alertText(a)}`)].join('\n');
  const headers = [
    `From: ${o.from}`,
    `To: ${o.to.join(', ')}`,
    `Subject: ${headerText(subject(alerts, o.subjectPrefix))}`,
    `Date: ${mailDate(o.now)}`,
    `Message-ID: <${id}@${domainOf(o.from)}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    'Auto-Submitted: auto-generated',
    `X-Exhunt-Version: ${o.exhuntVersion}`,
    `X-Exhunt-Alerts: ${alerts.length}`,
  ];
  return `${headers.join('\r\n')}\r\n\r\n${quotedPrintable(`${body}\n`)}`;
}
