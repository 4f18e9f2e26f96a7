/**
 * @module Builds in Exchange logs, and when each started running. Exchange writes its build into
 * the `#Version:` directive of most of its CSV logs (HttpProxy, OAB generator, ...) and into the
 * HttpProxy columns `MajorVersion`, `MinorVersion`, `BuildVersion`, `RevisionVersion` (the front-end
 * server's own build; `TargetServerVersion` is the back end's and is not used); the ECP server log
 * carries `S:BLD=15.1.2375.7` in EventData (its `#Version: 15.0.0.0` is a constant, ignored).
 *
 * Only the head of each file is read (first 64 KiB): a new log file starts whenever the service
 * restarts, as it does when an update is installed, so the first entries of the files written by
 * a build tell when it started running without reading gigabytes of logs.
 */
import type { Readable } from 'node:stream';
import { parseBuild, formatShort } from '../build.js';
import type { BuildSighting } from '../types.js';
import { decodeText } from './text.js';
import { parseCsvRecords } from './tables.js';

export const LOG_HEAD_BYTES = 64 * 1024;

export interface LogHead {
  readonly software: string | null;
  readonly version: string | null;
  readonly logType: string | null;
  readonly date: string | null;
  /** Builds seen in the first entries, with the time of the first and last of those entries. */
  readonly builds: readonly { build: string; how: string; first: string | null; last: string | null }[];
  readonly serverName: string | null;
}

/** Reads at most `max` bytes from the start of a stream, then stops it. */
export async function readHead(stream: Readable, max = LOG_HEAD_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      chunks.push(b);
      n += b.length;
      if (n >= max) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

function isoTime(s: string | undefined): string | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** A build from a log value, ignoring placeholders such as `15.0.0.0`. */
export function logBuild(text: string): string | null {
  const b = parseBuild(text);
  if (!b || b.revision === null || b.build === 0) return null;
  return formatShort(b);
}

/** Parses the head of an Exchange CSV log; null when it is not one. */
export function parseLogHead(bytes: Buffer): LogHead | null {
  const text = decodeText(bytes);
  const lines = text.split(/\r?\n/);
  // The last line of a cut head is probably incomplete.
  if (bytes.length >= LOG_HEAD_BYTES) lines.pop();
  let software: string | null = null;
  let version: string | null = null;
  let logType: string | null = null;
  let date: string | null = null;
  let fields: string[] | null = null;
  const dataLines: string[] = [];
  lines.forEach((line, i) => {
    const d = /^#\s*([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (d) {
      const name = (d[1] ?? '').toLowerCase();
      const value = (d[2] ?? '').trim();
      if (name === 'software') software ??= value;
      else if (name === 'version') version ??= value;
      else if (name === 'log-type') logType ??= value;
      else if (name === 'date') date ??= value;
      else if (name === 'fields') fields = value.split(',').map((f) => f.trim());
      return;
    }
    if (line.trim() === '') return;
    if (i === 0 && fields === null && /^[A-Za-z][A-Za-z0-9-]*(,[A-Za-z][A-Za-z0-9-]*)+$/.test(line.trim())) {
      fields = line.trim().split(',');
      return;
    }
    if (dataLines.length < 200) dataLines.push(line);
  });
  if (software === null || !/exchange/i.test(software)) return null;

  const cols = (fields ?? []) as string[];
  const idx = (name: string): number => cols.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  const timeCol = [idx('DateTime'), idx('TimeStamp'), idx('date-time')].find((i) => i >= 0) ?? -1;
  const parts = ['MajorVersion', 'MinorVersion', 'BuildVersion', 'RevisionVersion'].map(idx);
  const eventData = idx('EventData');
  const serverCol = [idx('ServerHostName'), idx('ServerName')].find((i) => i >= 0) ?? -1;
  const seen = new Map<string, { build: string; how: string; first: string | null; last: string | null }>();
  let serverName: string | null = null;
  const note = (build: string | null, how: string, time: string | null): void => {
    if (build === null) return;
    const key = `${build}|${how}`;
    const s = seen.get(key) ?? { build, how, first: time, last: time };
    if (time !== null) {
      if (s.first === null || time < s.first) s.first = time;
      if (s.last === null || time > s.last) s.last = time;
    }
    seen.set(key, s);
  };
  for (const rec of parseCsvRecords(dataLines.join('\n'))) {
    const v = rec.values;
    if (cols.length > 0 && v.length !== cols.length) continue;
    const time = timeCol >= 0 ? isoTime(v[timeCol]) : null;
    if (serverName === null && serverCol >= 0 && (v[serverCol] ?? '') !== '') serverName = v[serverCol] ?? null;
    if (parts.every((p) => p >= 0)) note(logBuild(parts.map((p) => v[p] ?? '').join('.')), 'build columns', time);
    if (eventData >= 0) {
      const m = /(?:^|;)S:BLD=([0-9.]+)/.exec(v[eventData] ?? '');
      if (m) note(logBuild(m[1] ?? ''), 'S:BLD', time);
    }
  }
  const headerBuild = version === null ? null : logBuild(version);
  if (headerBuild !== null) {
    const times = [...seen.values()].flatMap((s) => [s.first, s.last]).filter((t): t is string => t !== null).sort();
    note(headerBuild, '#Version', times[0] ?? isoTime(date ?? undefined));
    const s = seen.get(`${headerBuild}|#Version`);
    if (s && times.length > 0) s.last = times[times.length - 1] ?? s.last;
  }
  return { software, version, logType, date, builds: [...seen.values()], serverName };
}

/** Merges per-file sightings into one per build, oldest first. */
export class SightingCollector {
  readonly #by = new Map<string, { first: string | null; last: string | null; files: Set<string>; how: Set<string> }>();

  add(file: string, logType: string | null, b: { build: string; how: string; first: string | null; last: string | null }): void {
    const s = this.#by.get(b.build) ?? { first: null, last: null, files: new Set<string>(), how: new Set<string>() };
    if (b.first !== null && (s.first === null || b.first < s.first)) s.first = b.first;
    if (b.last !== null && (s.last === null || b.last > s.last)) s.last = b.last;
    s.files.add(file);
    s.how.add(`${logType ?? 'log'} ${b.how}`);
    this.#by.set(b.build, s);
  }

  get size(): number {
    return this.#by.size;
  }

  sightings(): BuildSighting[] {
    return [...this.#by.entries()]
      .map(([build, s]) => ({ build, firstSeen: s.first, lastSeen: s.last, files: s.files.size, how: [...s.how].sort() }))
      .sort((a, b) => (a.firstSeen ?? '').localeCompare(b.firstSeen ?? '') || a.build.localeCompare(b.build));
  }
}
