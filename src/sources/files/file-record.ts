/**
 * @module Turns a file found in a sweep zone (web folders, staging folders) into a record: its
 * path on the server, name, extension, size, time, SHA-256, and for web folders the start of
 * its text so content rules can read it.
 *
 * Record fields (see README "Record fields"):
 * `Path` (Windows path on the server), `CanonicalPath` (same, with the Exchange install folder
 * written `%ExchangeInstallPath%\`), `TreePath` (path in the scanned input), `Name`, `Extension`
 * (lower case, with the dot), `Zone`, `ZonePath` (path below the zone folder), `Size`,
 * `Modified` (ISO 8601 UTC), `SHA256` (empty when the file is larger than the hash limit), `MD5`,
 * `SHA1`, `SHA512` (only when asked for: indicator feeds list those hashes too), and
 * `Content` (web zones only: the first bytes as text, UTF-16 decoded when it has a BOM).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MapRecord } from '../../core/record.js';
import type { LogRecord } from '../../core/record.js';
import type { SweepZone } from '../../inputs/placement.js';

/** Zones whose files are server-side code locations: their content is read for code patterns. */
const CONTENT_ZONES: ReadonlySet<SweepZone> = new Set(['aspnet-client', 'wwwroot', 'owa-auth', 'ecp-auth', 'oab']);

/** The folder that starts each zone, to cut ZonePath from the Windows path. */
const ZONE_MARKERS: Readonly<Record<SweepZone, readonly string[]>> = {
  'aspnet-client': ['\\aspnet_client\\'],
  wwwroot: ['\\wwwroot\\'],
  'owa-auth': ['\\owa\\auth\\'],
  'ecp-auth': ['\\ecp\\auth\\'],
  oab: ['\\oab\\'],
  staging: ['\\root\\', '\\temp\\'],
  programdata: ['\\programdata\\'],
  other: [],
};

export interface FileRecordInput {
  /** Path in the scanned input, `/` separators. */
  readonly path: string;
  readonly windowsPath: string;
  readonly zone: SweepZone;
  readonly size: number;
  readonly mtime: Date | null;
  open(): Promise<Readable>;
}

export interface FileRecordOptions {
  /** Windows form of the Exchange install folder (trailing backslash), when known. */
  readonly exchangeInstall: string | null;
  /** Bytes of text kept for content rules. Default 1 MiB: web shells are small, pages are too. */
  readonly maxContentBytes?: number;
  /** Files larger than this are not hashed (an lsass dump can be gigabytes). Default 256 MiB. */
  readonly maxHashBytes?: number;
  /** Hashes computed besides SHA-256 (in the same pass), when indicators of that type are loaded. */
  readonly extraHashes?: ReadonlySet<ExtraHash>;
}

/** File hashes other than SHA-256 that a record can carry, as field names in lower case. */
export type ExtraHash = 'md5' | 'sha1' | 'sha512';
const EXTRA_HASHES: readonly ExtraHash[] = ['md5', 'sha1', 'sha512'];

export async function readFileRecord(input: FileRecordInput, options: FileRecordOptions): Promise<LogRecord> {
  const maxContent = options.maxContentBytes ?? 1024 * 1024;
  const maxHash = options.maxHashBytes ?? 256 * 1024 * 1024;
  const wantContent = CONTENT_ZONES.has(input.zone);
  const wantHash = input.size <= maxHash;

  let sha256 = '';
  const extra: Partial<Record<ExtraHash, string>> = {};
  let head = Buffer.alloc(0);
  if (wantHash || wantContent) {
    const hash = wantHash ? createHash('sha256') : null;
    const extraHashes = wantHash ? EXTRA_HASHES.filter((h) => options.extraHashes?.has(h)).map((h) => ({ h, hash: createHash(h) })) : [];
    const chunks: Buffer[] = [];
    let kept = 0;
    const stream = await input.open();
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash?.update(chunk);
      for (const x of extraHashes) x.hash.update(chunk);
      if (wantContent && kept < maxContent) {
        const part = chunk.subarray(0, maxContent - kept);
        chunks.push(part);
        kept += part.length;
      }
      if (!hash && kept >= maxContent) {
        stream.destroy();
        break;
      }
    }
    if (hash) sha256 = hash.digest('hex');
    for (const x of extraHashes) extra[x.h] = x.hash.digest('hex');
    head = Buffer.concat(chunks);
  }

  const name = input.windowsPath.split('\\').pop() ?? input.windowsPath;
  const dot = name.lastIndexOf('.');
  const fields: Record<string, string> = {
    Path: input.windowsPath,
    CanonicalPath: canonicalPath(input.windowsPath, options.exchangeInstall),
    TreePath: input.path,
    Name: name,
    Extension: dot > 0 ? name.slice(dot).toLowerCase() : '',
    Zone: input.zone,
    ZonePath: zonePath(input.windowsPath, input.zone),
    Size: String(input.size),
    Modified: input.mtime ? input.mtime.toISOString() : '',
    SHA256: sha256,
  };
  for (const h of EXTRA_HASHES) if (extra[h] !== undefined) fields[h.toUpperCase()] = extra[h];
  if (wantContent) fields.Content = decodeText(head);
  const time = input.mtime ? input.mtime.toISOString() : null;
  return new MapRecord('file', { path: input.path, line: null, kind: 'file' }, time, fields);
}

/** The Windows path with the Exchange install folder replaced by `%ExchangeInstallPath%\`. */
export function canonicalPath(windowsPath: string, exchangeInstall: string | null): string {
  if (exchangeInstall && windowsPath.toLowerCase().startsWith(exchangeInstall.toLowerCase())) {
    return `%ExchangeInstallPath%\\${windowsPath.slice(exchangeInstall.length)}`;
  }
  return windowsPath;
}

/** Path below the zone's folder, e.g. `Current\themes\x.aspx` for owa\auth\Current\themes\x.aspx. */
export function zonePath(windowsPath: string, zone: SweepZone): string {
  const lower = windowsPath.toLowerCase();
  for (const marker of ZONE_MARKERS[zone]) {
    const at = lower.indexOf(marker);
    if (at >= 0) return windowsPath.slice(at + marker.length);
  }
  return windowsPath.split('\\').pop() ?? windowsPath;
}

/** Text of a file head: UTF-16 when it carries a BOM (PowerShell's default), else UTF-8. */
export function decodeText(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  return new TextDecoder('utf-8').decode(buf);
}
