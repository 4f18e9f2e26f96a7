/**
 * @module Probe targets: `host`, `host:port`, `https://host[:port]/`, `[2001:db8::1]:8443`, read
 * from the command line or a `--targets` file (one per line, `#` comments, or a CSV whose first
 * column or `host`/`name`/`target` column holds them).
 */
import { isIP } from 'node:net';
import { UsageError } from '../../core/errors.js';
import { parseCsvRecords } from '../observe/tables.js';

export interface Target {
  /** As given (trimmed), used as the server's name in reports. */
  readonly label: string;
  /** Host name or IP address to connect to (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** TLS server name (SNI); null for IP addresses. */
  readonly servername: string | null;
}

export function parseTarget(text: string, defaultPort = 443): Target {
  const label = text.trim();
  let rest = label;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    if (scheme[1]?.toLowerCase() !== 'https') throw new UsageError(`target "${label}": only https:// is probed`);
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/[/?#].*$/, '');
  let host: string;
  let port = defaultPort;
  const v6 = /^\[([0-9a-f:.%]+)\](?::(\d+))?$/i.exec(rest);
  if (v6) {
    host = v6[1] ?? '';
    if (v6[2]) port = Number(v6[2]);
  } else if (isIP(rest) === 6) {
    host = rest;
  } else {
    const m = /^([^:\s]+)(?::(\d+))?$/.exec(rest);
    if (!m) throw new UsageError(`target "${label}" is not host, host:port or https://host:port`);
    host = m[1] ?? '';
    if (m[2]) port = Number(m[2]);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`target "${label}": bad port`);
  if (!/^[A-Za-z0-9.:_%-]+$/.test(host)) throw new UsageError(`target "${label}": bad host name`);
  return { label, host, port, servername: isIP(host) === 0 ? host : null };
}

/** Targets listed in a file's text. */
export function parseTargetsFile(text: string, defaultPort = 443): Target[] {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l !== '');
  if (lines.length === 0) return [];
  if (lines.some((l) => l.includes(','))) {
    const records = parseCsvRecords(lines.join('\n'));
    const head = (records[0]?.values ?? []).map((v) => v.trim().toLowerCase());
    const col = head.findIndex((h) => ['host', 'hostname', 'name', 'target', 'server', 'fqdn', 'address'].includes(h));
    const rows = col >= 0 ? records.slice(1) : records;
    return rows.map((r) => (r.values[col >= 0 ? col : 0] ?? '').trim()).filter((v) => v !== '').map((v) => parseTarget(v, defaultPort));
  }
  return lines.map((l) => parseTarget(l, defaultPort));
}
