/**
 * @module Reading one source one step further from its checkpoint. Three modes:
 *
 * - `tail` (HttpProxy, ECP, OAB generator and IIS logs): the complete lines after the
 *   checkpoint's offset, at most one batch, parsed with the header context replayed first
 *   (replay.ts) and with their true line numbers (lines.ts);
 * - `whole` (event log exports and `.evtx` files dropped in a folder): the whole file once its
 *   size and time have stopped changing, again after each change;
 * - `sweep` (files in web and staging folders): a file record (name, hash, content) once the
 *   file has settled, again when its content changes.
 *
 * Identity of a file: device and inode (file index on Windows) plus a hash of its first bytes.
 * A different inode at the same path is a new file (replaced under the same name, or a rename
 * rotation, which the watcher resolves before asking here); a file shorter than the checkpoint,
 * or whose first bytes changed, was truncated or rewritten: it is read again from its start.
 *
 * Nothing here writes state: the step returns the next checkpoint, and the watcher commits it
 * together with the findings of the records it produced.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import type { ColumnProbe } from '../core/detector.js';
import type { DiagnosticSink } from '../core/diagnostic.js';
import type { LogRecord } from '../core/record.js';
import type { Placement } from '../inputs/placement.js';
import { fileEntry } from '../inputs/walk.js';
import { readLog } from '../engine/read-log.js';
import { readFileRecord } from '../sources/files/index.js';
import type { ExtraHash } from '../sources/files/index.js';
import type { LogKind } from '../sources/source.js';
import type { Checkpoint } from './state.js';
import { HeaderContext, cutLines, textLayout } from './lines.js';
import type { TextLayout } from './lines.js';
import { parseSlice } from './replay.js';

export type SourceMode = 'tail' | 'whole' | 'sweep';

/** Bytes at the start of a file that identify it (with its inode) and give its encoding. */
export const HEAD_BYTES = 4096;
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export function modeOf(p: Placement): SourceMode {
  if (p.type === 'sweep') return 'sweep';
  return p.kind === 'event' ? 'whole' : 'tail';
}

export interface FileIdentity {
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Identity and size of a file, or null when it is gone (or not a regular file). */
export async function identify(abs: string): Promise<FileIdentity | null> {
  try {
    const st = await fsp.stat(abs, { bigint: true });
    if (!st.isFile()) return null;
    // BigInt stats give whole milliseconds (truncated); the fraction from mtimeNs keeps the time a
    // scan reports (fs.Stats rounds it), so a file's findings have the same alert key in both.
    return { dev: st.dev.toString(), ino: st.ino.toString(), size: Number(st.size), mtimeMs: Number(st.mtimeNs) / 1e6 };
  } catch {
    return null;
  }
}

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex').slice(0, 32);
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Why a tail source started again from its first byte. */
export type Restart = 'new' | 'replaced' | 'truncated' | 'rewritten';

export interface TailOptions {
  readonly input: string;
  readonly path: string;
  readonly abs: string;
  readonly kind: LogKind;
  readonly format?: string | undefined;
  readonly literals: readonly string[] | null;
  /** Column probes beside the literals (see `ParseOptions.probes`). */
  readonly probes?: readonly ColumnProbe[] | undefined;
  readonly maxBatchBytes: number;
  readonly maxLineBytes: number;
  /** After this long without a write, a last line without line feed counts as complete. */
  readonly tailGraceMs: number;
  readonly nowMs: number;
  readonly onRecord: (record: LogRecord) => void;
  readonly onDiagnostic: DiagnosticSink;
}

export interface TailResult {
  /** The checkpoint after this step (null: the file is gone). */
  readonly checkpoint: Checkpoint | null;
  /** Whether the checkpoint differs from the one given (something to commit). */
  readonly changed: boolean;
  /** More complete bytes may be waiting (the batch was full). */
  readonly more: boolean;
  readonly restart: Restart | null;
  readonly identity: FileIdentity | null;
}

function fresh(o: { input: string; path: string; kind: string }, id: FileIdentity): Checkpoint {
  return {
    input: o.input,
    path: o.path,
    kind: o.kind,
    dev: id.dev,
    ino: id.ino,
    headHash: null,
    headLen: 0,
    offset: 0,
    line: 0,
    header: null,
    headerLines: 0,
    skipping: false,
    size: null,
    mtimeMs: null,
    sha256: null,
  };
}

/** Kinds whose line 1 may be a plain CSV header, and whose quoted values may span lines. */
function csvKind(kind: LogKind): boolean {
  return kind === 'httpproxy' || kind === 'ecp' || kind === 'oab';
}

/** One step of a tail source. */
export async function tailStep(cp: Checkpoint | null, o: TailOptions): Promise<TailResult> {
  const id = await identify(o.abs);
  if (id === null) return { checkpoint: null, changed: false, more: false, restart: null, identity: null };
  let fh: FileHandle;
  try {
    fh = await fsp.open(o.abs, 'r');
  } catch {
    return { checkpoint: cp, changed: false, more: false, restart: null, identity: null };
  }
  try {
    const head = await readAt(fh, 0, Math.min(id.size, HEAD_BYTES));
    let restart: Restart | null = null;
    let base: Checkpoint;
    if (cp === null) {
      restart = 'new';
      base = fresh(o, id);
    } else if (cp.dev !== id.dev || cp.ino !== id.ino) {
      restart = 'replaced';
      base = fresh(o, id);
    } else if (id.size < cp.offset || head.length < cp.headLen) {
      restart = 'truncated';
      base = fresh(o, id);
    } else if (cp.headLen > 0 && cp.headHash !== sha(head.subarray(0, cp.headLen))) {
      restart = 'rewritten';
      base = fresh(o, id);
    } else {
      base = cp;
    }
    const layout = textLayout(head);
    const header = HeaderContext.parse(base.header, layout);
    let line = base.line;
    const offset = base.offset;
    let skipping = base.skipping;
    const headNow = { headLen: head.length, headHash: head.length > 0 ? sha(head) : null };

    if (line === null) {
      // Taken over at its end by --from-now: count the lines and find the header once, now
      // that the file grew and its next lines need true numbers.
      if (id.size <= offset) return { checkpoint: base, changed: false, more: false, restart, identity: id };
      const skim = await skimLines(fh, offset, layout, csvKind(o.kind), header, Math.max(o.maxBatchBytes, o.maxLineBytes + 4096) * 4, o.maxLineBytes);
      line = skim.lines;
      skipping = skim.skipping;
    }

    const available = id.size - offset;
    if (available <= 0) {
      const changed = restart !== null || base.headLen < headNow.headLen || line !== base.line;
      const next: Checkpoint = { ...base, ...headNow, line, header: header.serialize(), headerLines: header.lineCount, skipping };
      return { checkpoint: next, changed, more: false, restart, identity: id };
    }
    // The window always holds a longest acceptable line, so one that is longer is recognised.
    const window = Math.max(o.maxBatchBytes, o.maxLineBytes + 4096);
    const length = Math.min(available, window);
    const buf = await readAt(fh, offset, length);
    const idle = o.nowMs - id.mtimeMs >= o.tailGraceMs;
    const cut = cutLines(buf, {
      layout,
      quoted: o.kind === 'oab' ? header.hasCsvColumns(layout) : csvKind(o.kind),
      keepLine1: csvKind(o.kind),
      firstLine: line + 1,
      skipBytes: offset === 0 ? layout.bom.length : 0,
      skipping,
      maxLineBytes: o.maxLineBytes,
      windowFull: length === window,
      final: idle && length === available,
    });
    if (cut.bytes === 0) {
      const changed = restart !== null || line !== base.line;
      const next: Checkpoint = { ...base, ...headNow, line, header: header.serialize(), headerLines: header.lineCount, skipping };
      return { checkpoint: next, changed, more: false, restart, identity: id };
    }
    if (cut.tooLongAt !== null) {
      o.onDiagnostic({ level: 'warning', code: 'line-too-long', message: `line longer than ${o.maxLineBytes} bytes skipped`, path: o.path, ...(cut.tooLongAt > 0 ? { line: cut.tooLongAt } : {}) });
    }
    if (cut.parseTo > cut.parseFrom) {
      // At offset 0 the byte-order mark stays in front, as the parser expects it.
      const from = offset === 0 && !skipping ? 0 : cut.parseFrom;
      await parseSlice({
        kind: o.kind,
        format: o.format,
        path: o.path,
        prefix: offset === 0 ? Buffer.alloc(0) : Buffer.concat([layout.bom, header.serialize() ?? Buffer.alloc(0)]),
        prefixLines: offset === 0 ? 0 : header.lineCount,
        bytes: buf.subarray(from, cut.parseTo),
        firstLine: line + 1 + (skipping && cut.parseFrom > 0 ? 1 : 0),
        literals: o.literals,
        ...(o.probes ? { probes: o.probes } : {}),
        onRecord: o.onRecord,
        onDiagnostic: o.onDiagnostic,
      });
    }
    for (const h of cut.headerLines) {
      if (h.line1) header.line1 = Buffer.from(h.bytes);
      else header.addDirective(h.bytes);
    }
    const next: Checkpoint = {
      ...base,
      ...headNow,
      offset: offset + cut.bytes,
      line: line + cut.lines,
      header: header.serialize(),
      headerLines: header.lineCount,
      skipping: cut.skipping,
    };
    return { checkpoint: next, changed: true, more: offset + cut.bytes < id.size && (length === window || cut.skipping), restart, identity: id };
  } finally {
    await fh.close();
  }
}

/** Counts the lines of `[0, end)` and collects its header context, without parsing records. */
async function skimLines(
  fh: FileHandle,
  end: number,
  layout: TextLayout,
  csv: boolean,
  header: HeaderContext,
  window: number,
  maxLineBytes: number,
): Promise<{ lines: number; skipping: boolean }> {
  let pos = 0;
  let lines = 0;
  let skipping = false;
  while (pos < end) {
    const length = Math.min(window, end - pos);
    const buf = await readAt(fh, pos, length);
    if (buf.length === 0) break;
    const cut = cutLines(buf, {
      layout,
      quoted: false,
      keepLine1: csv,
      firstLine: lines + 1,
      skipBytes: pos === 0 ? layout.bom.length : 0,
      skipping,
      maxLineBytes,
      windowFull: true,
      final: pos + buf.length >= end,
    });
    for (const h of cut.headerLines) {
      if (h.line1) header.line1 = Buffer.from(h.bytes);
      else header.addDirective(h.bytes);
    }
    lines += cut.lines;
    skipping = cut.skipping;
    if (cut.bytes === 0) break;
    pos += cut.bytes;
  }
  return { lines, skipping };
}

/** Hash and length of a file's first {@link HEAD_BYTES} bytes (its content identity), or null. */
export async function headOf(abs: string): Promise<{ readonly hash: string; readonly len: number } | null> {
  try {
    const fh = await fsp.open(abs, 'r');
    try {
      const head = await readAt(fh, 0, HEAD_BYTES);
      return { hash: sha(head), len: head.length };
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

/** The offset of the end of the last complete line (for --from-now), scanning back from the end. */
export async function lastLineEnd(abs: string, size: number): Promise<number> {
  const fh = await fsp.open(abs, 'r');
  try {
    const step = 64 * 1024;
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - step);
      const buf = await readAt(fh, start, end - start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl >= 0) return start + nl + 1;
      end = start;
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/** The checkpoint of a file taken over at its end (--from-now): lines counted later, if it grows. */
export async function baselineCheckpoint(o: { input: string; path: string; kind: string; abs: string; mode: SourceMode }): Promise<Checkpoint | null> {
  const id = await identify(o.abs);
  if (id === null) return null;
  const base = fresh(o, id);
  if (o.mode !== 'tail') return { ...base, line: null, size: id.size, mtimeMs: id.mtimeMs };
  let head: Buffer;
  const fh = await fsp.open(o.abs, 'r');
  try {
    head = await readAt(fh, 0, Math.min(id.size, HEAD_BYTES));
  } finally {
    await fh.close();
  }
  const offset = await lastLineEnd(o.abs, id.size);
  return { ...base, offset, line: offset === 0 ? 0 : null, headLen: head.length, headHash: head.length > 0 ? sha(head) : null };
}

export interface WholeOptions {
  readonly input: string;
  readonly path: string;
  readonly abs: string;
  readonly placement: Placement;
  readonly exchangeInstall: string | null;
  readonly literals: readonly string[] | null;
  /** Column probes beside the literals (see `ParseOptions.probes`). */
  readonly probes?: readonly ColumnProbe[] | undefined;
  readonly extraHashes: ReadonlySet<ExtraHash>;
  /** A file must keep its size and time this long before it is read. */
  readonly settleMs: number;
  readonly nowMs: number;
  readonly onRecord: (record: LogRecord) => void;
  readonly onDiagnostic: DiagnosticSink;
}

export interface WholeResult {
  readonly checkpoint: Checkpoint | null;
  readonly changed: boolean;
  /** Not settled yet: look again after this many milliseconds. */
  readonly waitMs: number | null;
  readonly identity: FileIdentity | null;
  /** The file was read (records were produced from it). */
  readonly read: boolean;
}

/**
 * One step of a whole-file source (event export, `.evtx`, swept file). `seen` is the size and
 * time observed at the previous look: the file is read once they have not changed for
 * `settleMs`, so a file being copied in is read once, complete.
 */
export async function wholeStep(cp: Checkpoint | null, seen: { size: number; mtimeMs: number; sinceMs: number } | null, o: WholeOptions): Promise<WholeResult> {
  const id = await identify(o.abs);
  if (id === null) return { checkpoint: null, changed: false, waitMs: null, identity: null, read: false };
  if (cp && cp.dev === id.dev && cp.ino === id.ino && cp.size === id.size && cp.mtimeMs === id.mtimeMs) {
    return { checkpoint: cp, changed: false, waitMs: null, identity: id, read: false };
  }
  // Settled means unchanged across our own looks for settleMs: the file's time is not trusted
  // for this (a time stamped into the future must not delay the read).
  const stableSince = seen && seen.size === id.size && seen.mtimeMs === id.mtimeMs ? seen.sinceMs : o.nowMs;
  const quietFor = o.nowMs - stableSince;
  if (quietFor < o.settleMs) return { checkpoint: cp, changed: false, waitMs: o.settleMs - quietFor, identity: id, read: false };

  const base = cp && cp.dev === id.dev && cp.ino === id.ino ? cp : fresh({ input: o.input, path: o.path, kind: o.placement.type === 'sweep' ? 'file' : o.placement.kind }, id);
  // fs.Stats rounds mtimeMs to its Date (`new Date(x)` would truncate): the same time as a scan.
  const mtime = new Date(Math.round(id.mtimeMs));
  const entry = fileEntry(o.abs, o.path, id.size, mtime);
  if (o.placement.type === 'sweep') {
    const record = await readFileRecord(
      { path: o.path, windowsPath: o.placement.windowsPath, zone: o.placement.zone, size: id.size, mtime, open: () => entry.open() },
      { exchangeInstall: o.exchangeInstall, extraHashes: o.extraHashes },
    );
    const digest = record.get('SHA256') ?? '';
    const same = digest !== '' && cp !== null && cp.sha256 === digest;
    // Only the time changed (touched, or copied again): nothing new to say about it.
    if (!same) o.onRecord(record);
    const next: Checkpoint = { ...base, dev: id.dev, ino: id.ino, size: id.size, mtimeMs: id.mtimeMs, sha256: digest || null };
    return { checkpoint: next, changed: true, waitMs: null, identity: id, read: !same };
  }
  await readLog(o.placement.kind, o.placement.format, o.path, () => entry.open(), {
    literals: o.literals,
    ...(o.probes ? { probes: o.probes } : {}),
    onRecord: o.onRecord,
    onDiagnostic: o.onDiagnostic,
  });
  const next: Checkpoint = { ...base, dev: id.dev, ino: id.ino, size: id.size, mtimeMs: id.mtimeMs, line: null };
  return { checkpoint: next, changed: true, waitMs: null, identity: id, read: true };
}
