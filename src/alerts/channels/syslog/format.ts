/**
 * @module What a syslog channel sends for one alert: an RFC 5424 message whose MSG is CEF or
 * JSON. A message longer than the channel's limit is shortened in steps that keep it parseable
 * (evidence values cut, then evidence dropped, then the description cut); only as a last resort
 * is the message itself cut.
 */
import { escapeJsonText, truncate } from '../../../sinks/escape/index.js';
import type { Alert } from '../../alert.js';
import { alertJson } from '../../alert.js';
import type { Facility } from './rfc5424.js';
import { cutUtf8, formatRfc5424 } from './rfc5424.js';
import { formatCef } from './cef.js';

export interface SyslogFormat {
  readonly format: 'cef' | 'json';
  readonly facility: Facility;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly exhuntVersion: string;
  readonly maxMessageBytes: number;
}

function payload(alert: Alert, f: SyslogFormat): string {
  if (f.format === 'cef') return formatCef(alert, { version: f.exhuntVersion });
  return escapeJsonText(JSON.stringify(alertJson(alert)));
}

function message(alert: Alert, f: SyslogFormat): string {
  return formatRfc5424({
    facility: f.facility,
    severity: alert.finding.severity,
    timestamp: alert.createdAt,
    hostname: f.hostname,
    appName: f.appName,
    procId: f.procId,
    msgId: alert.test ? 'test' : 'finding',
    msg: payload(alert, f),
  });
}

function shortened(alert: Alert, step: number): Alert {
  const f = alert.finding;
  if (step === 1 || step === 2) {
    const max = step === 1 ? 256 : 64;
    const evidence = Object.fromEntries(Object.entries(f.evidence).map(([k, v]) => [k, truncate(v, max)]));
    return { ...alert, finding: { ...f, evidence } };
  }
  return { ...alert, finding: { ...f, evidence: {}, description: truncate(f.description, 200), references: [] } };
}

/** The RFC 5424 message for an alert, at most `maxMessageBytes` of UTF-8. */
export function syslogMessage(alert: Alert, f: SyslogFormat): string {
  let text = message(alert, f);
  for (let step = 1; step <= 3 && Buffer.byteLength(text, 'utf8') > f.maxMessageBytes; step++) text = message(shortened(alert, step), f);
  return cutUtf8(text, f.maxMessageBytes);
}
