/**
 * @module ArcSight Common Event Format (CEF) version 0, as the CEF specification ("Implementing
 * ArcSight CEF", revision 25) defines it:
 *
 *     CEF:0|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
 *
 * Escaping, exactly as the specification says:
 * - header fields: `\` → `\\` and `|` → `\|`; line breaks are not allowed in the header;
 * - extension values: `\` → `\\`, `=` → `\=`, line feed → `\n`, carriage return → `\r`
 *   (a CR LF pair is one `\n`); `|` needs no escape there.
 *
 * The specification has no escape for other control characters. ESC, TAB, DEL, C1 controls and
 * bidi or invisible characters come from attacker-written logs and could drive the terminal of
 * an analyst who reads the raw feed, so they are first made visible as text (`\x1b`,
 * `\u{202e}`, as the terminal sink writes them), and that text is then escaped like any other
 * (`\\x1b` on the wire, which a CEF parser reads back as the four characters `\x1b`). In the
 * header, where no line break may stand, line breaks are made visible the same way.
 */
import { isIP } from 'node:net';
import type { Severity } from '../../../core/severity.js';
import { escapeTerminal } from '../../../sinks/escape/index.js';
import type { Alert } from '../../alert.js';

/** CEF severity (0-10) of each exhunt severity: Low 0-3, Medium 4-6, High 7-8, Very-High 9-10. */
export const CEF_SEVERITY: Readonly<Record<Severity, number>> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

export interface CefOptions {
  readonly vendor?: string;
  readonly product?: string;
  readonly version: string;
}

/** One header field: controls made visible, then `\` and `|` escaped. */
export function cefHeader(value: string): string {
  return escapeTerminal(value).replace(/[\\|]/g, (c) => `\\${c}`);
}

/** One extension value: line breaks as `\n`/`\r`, other controls made visible, `\` and `=` escaped. */
export function cefValue(value: string): string {
  return value
    .split(/(\r\n|\n|\r)/)
    .map((part, i) => {
      if (i % 2 === 1) return part === '\r' ? '\\r' : '\\n';
      return escapeTerminal(part).replace(/[\\=]/g, (c) => `\\${c}`);
    })
    .join('');
}

/** Milliseconds since the epoch of an ISO time, or null. */
function epochMs(iso: string | null): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/**
 * The CEF extension pairs of an alert, in a fixed order (see docs/alerts.md "CEF mapping").
 * Keys are CEF dictionary keys; custom strings carry their labels.
 */
export function cefExtensions(alert: Alert): [string, string][] {
  const f = alert.finding;
  const ext: [string, string][] = [];
  const rt = epochMs(f.time);
  if (rt !== null) ext.push(['rt', String(rt)]);
  ext.push(['dvchost', f.host]);
  if (f.clientIp && isIP(f.clientIp) !== 0) ext.push(['src', f.clientIp]);
  ext.push(['filePath', f.source.path]);
  if (f.source.line !== null) ext.push(['cn1Label', 'line'], ['cn1', String(f.source.line)]);
  ext.push(['cat', f.stage], ['outcome', f.outcome]);
  if (f.cves.length > 0) ext.push(['cs1Label', 'CVE'], ['cs1', f.cves.join(',')]);
  if (f.attack.length > 0) ext.push(['cs2Label', 'ATT&CK'], ['cs2', f.attack.join(',')]);
  if (Object.keys(f.evidence).length > 0) ext.push(['cs3Label', 'evidence'], ['cs3', JSON.stringify(f.evidence)]);
  if (f.clientIp && isIP(f.clientIp) === 0) ext.push(['cs4Label', 'clientIp'], ['cs4', f.clientIp]);
  if (alert.test) ext.push(['cs5Label', 'test'], ['cs5', 'true']);
  ext.push(['externalId', alert.key], ['msg', f.description]);
  return ext;
}

/** The whole CEF record of an alert, on one line. */
export function formatCef(alert: Alert, options: CefOptions): string {
  const f = alert.finding;
  const header = [
    'CEF:0',
    cefHeader(options.vendor ?? 'exhunt'),
    cefHeader(options.product ?? 'exhunt'),
    cefHeader(options.version),
    cefHeader(f.ruleId),
    cefHeader(f.title),
    String(CEF_SEVERITY[f.severity]),
  ].join('|');
  const extension = cefExtensions(alert)
    .map(([k, v]) => `${k}=${cefValue(v)}`)
    .join(' ');
  return `${header}|${extension}`;
}
