/**
 * @module `exhunt evtx dump` and `exhunt evtx info`: read Windows event logs (.evtx, and the
 * event exports of `src/sources/event-exports`) without running any rule. Option parsing and
 * printing only; reading is `src/sources/evtx` and `src/sources/event-exports`.
 *
 * Exit codes: `dump` 0 when every file was read (damage that was read around is reported on
 * standard error), 2 when a file could not be read at all; `info` 0 when every file is clean,
 * 2 when one is damaged or unreadable.
 */
import { createReadStream, createWriteStream, openSync, readSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Diagnostic } from '../../core/diagnostic.js';
import { UsageError } from '../../core/errors.js';
import type { LogRecord } from '../../core/record.js';
import { detectEventExport, eventExportParsers, EVENT_EXPORT_DETECT_BYTES } from '../../sources/event-exports/index.js';
import { evtxEventRecord, readEvtx, renderDocument, type EvtxSummary } from '../../sources/evtx/index.js';
import type { LogInput } from '../../sources/source.js';
import { escapeJsonText, escapeTerminal } from '../../sinks/escape/index.js';
import { EXIT_CLEAN, EXIT_ERROR } from '../exit-codes.js';

interface DumpFlags {
  jsonl?: string;
  xml?: boolean;
}

interface InfoFlags {
  json?: boolean;
}

/** Registers `evtx dump` and `evtx info`. */
export function registerEvtx(program: Command, setExit: (code: number) => void): void {
  const evtx = program
    .command('evtx')
    .summary('read Windows event logs (.evtx, wevtutil XML, Get-WinEvent JSON, JSON Lines) without rules')
    .description('Read Windows event logs and event exports as exhunt sees them, without running any rule. See docs/evtx.md.');

  evtx
    .command('dump')
    .description(
      'Print every event as one JSON object per line: the event fields (System fields, EventData by Name, UserData leaves, Data) ' +
        'plus _file and _recordId. Also reads wevtutil XML, Get-WinEvent JSON and JSON Lines exports.',
    )
    .argument('<file...>', '.evtx files or event exports')
    .option('--jsonl <out>', 'write the JSON Lines to this file instead of standard output ("-" for standard output)')
    .option('--xml', 'print each event as XML (as Event Viewer shows it) on standard output; .evtx files only')
    .action(async (files: string[], flags: DumpFlags) => {
      setExit(await dumpCommand(files, flags));
    });

  evtx
    .command('info')
    .description(
      'Print what an .evtx file says about itself and what reading it found: format version, chunk count, dirty and full flags, ' +
        'next record id; records read, lowest and highest record id and time, chunks with bad checksums or bad magic. ' +
        'Exit code 0 when every file is clean, 2 when one is damaged or unreadable.',
    )
    .argument('<file...>', '.evtx files')
    .option('--json', 'one JSON object per file instead of text')
    .action(async (files: string[], flags: InfoFlags) => {
      setExit(await infoCommand(files, flags));
    });
}

// ---------------------------------------------------------------------------------------------
// dump

async function dumpCommand(files: readonly string[], flags: DumpFlags): Promise<number> {
  // JSON to --jsonl OUT, else to standard output unless --xml asks for XML there.
  const jsonTarget = flags.jsonl ?? (flags.xml ? null : '-');
  const jsonOut = jsonTarget === null ? null : jsonTarget === '-' ? new LineWriter(process.stdout) : new LineWriter(createWriteStream(jsonTarget));
  const xmlOut = flags.xml ? (jsonOut?.stream === process.stdout ? jsonOut : new LineWriter(process.stdout)) : null;
  let failed = false;
  try {
    for (const file of files) {
      const ok = await dumpFile(file, jsonOut, xmlOut);
      if (!ok) failed = true;
    }
  } finally {
    await jsonOut?.close();
    if (xmlOut !== jsonOut) await xmlOut?.close();
  }
  return failed ? EXIT_ERROR : EXIT_CLEAN;
}

async function dumpFile(file: string, jsonOut: LineWriter | null, xmlOut: LineWriter | null): Promise<boolean> {
  const kind = sniff(file);
  if (kind === 'unreadable') return false;
  const input = fileInput(file);
  let ok = true;
  const onDiagnostic = (d: Diagnostic): void => {
    if (d.level === 'error') ok = false;
    printDiagnostic(d);
  };
  if (kind === 'evtx') {
    for await (const ev of readEvtx(input, { onDiagnostic })) {
      if (jsonOut !== null) await jsonOut.line(jsonLine(evtxEventRecord(ev, file), ev.recordId));
      if (xmlOut !== null) await xmlOut.line(renderDocument(ev.doc));
    }
    return ok;
  }
  if (kind === null) {
    process.stderr.write(`exhunt: ${escapeTerminal(file)}: not an .evtx file or a known event export; skipped\n`);
    return false;
  }
  if (xmlOut !== null) process.stderr.write(`exhunt: ${escapeTerminal(file)}: --xml is for .evtx files; printing the ${kind} events as JSON\n`);
  const out = (jsonOut ?? xmlOut) as LineWriter;
  // The parser pushes records synchronously; the input is fed only while the output keeps up.
  const source = createReadStream(file);
  const gated: LogInput = {
    path: file,
    open: () =>
      Promise.resolve(
        Readable.from(
          (async function* () {
            for await (const chunk of source as AsyncIterable<Buffer>) {
              await out.ready();
              yield chunk;
            }
          })(),
        ),
      ),
  };
  await eventExportParsers[kind](gated, {
    literals: null,
    onDiagnostic,
    onRecord: (r) => out.push(jsonLine(r, r.origin.recordId ?? null, r.origin.line)),
  });
  return ok;
}

function jsonLine(record: LogRecord, recordId: number | null, line?: number | null): string {
  const obj: Record<string, unknown> = { ...record.fields(), _file: record.origin.path, _recordId: recordId };
  if (line !== undefined && line !== null) obj._line = line;
  return escapeJsonText(JSON.stringify(obj));
}

// ---------------------------------------------------------------------------------------------
// info

async function infoCommand(files: readonly string[], flags: InfoFlags): Promise<number> {
  let bad = false;
  for (const file of files) {
    const diagnostics: Diagnostic[] = [];
    let summary: EvtxSummary | null = null;
    if (sniff(file) === 'unreadable') {
      bad = true;
      continue;
    }
    let records = 0;
    for await (const ev of readEvtx(fileInput(file), { onDiagnostic: (d) => diagnostics.push(d), onSummary: (s) => (summary = s) })) {
      void ev;
      records++;
    }
    const s = summary as EvtxSummary | null;
    const verdict = s === null || !s.isEvtx ? 'unreadable' : isDamaged(s) ? 'damaged' : 'clean';
    if (verdict !== 'clean') bad = true;
    if (flags.json) process.stdout.write(`${escapeJsonText(JSON.stringify(infoJson(file, s, verdict, diagnostics)))}\n`);
    else process.stdout.write(infoText(file, s, verdict, records, diagnostics));
  }
  return bad ? EXIT_ERROR : EXIT_CLEAN;
}

function isDamaged(s: EvtxSummary): boolean {
  return s.damagedChunks.length > 0 || s.truncated || s.badRecords > 0 || s.header === null || !s.header.magicOk || !s.header.checksumOk;
}

function infoJson(file: string, s: EvtxSummary | null, verdict: string, diagnostics: readonly Diagnostic[]): Record<string, unknown> {
  return {
    file,
    verdict,
    ...(s === null
      ? {}
      : {
          header: s.header,
          bytes: s.bytes,
          chunks: s.chunks,
          validChunks: s.validChunks,
          slackChunks: s.slackChunks,
          records: s.records,
          badRecords: s.badRecords,
          lowestRecordId: s.lowestRecordId,
          highestRecordId: s.highestRecordId,
          oldestWritten: s.oldestWritten,
          newestWritten: s.newestWritten,
          truncated: s.truncated,
          damagedChunks: s.damagedChunks,
        }),
    diagnostics: diagnostics.map((d) => ({ level: d.level, code: d.code, message: d.message })),
  };
}

function infoText(file: string, s: EvtxSummary | null, verdict: string, records: number, diagnostics: readonly Diagnostic[]): string {
  const lines = [escapeTerminal(file)];
  const h = s?.header ?? null;
  if (s === null || !s.isEvtx || h === null) {
    for (const d of diagnostics) lines.push(`  ${escapeTerminal(d.message)}`);
    lines.push(`  verdict: ${verdict}`, '', '');
    return lines.join('\n');
  }
  const flagNames = [h.dirty ? 'dirty' : '', h.full ? 'full' : '', h.noCrc32 ? 'no CRC32' : ''].filter((f) => f !== '');
  lines.push(
    `  format:   EVTX ${h.majorVersion}.${h.minorVersion}${h.magicOk ? '' : ' (file header signature missing)'}${h.checksumOk ? '' : ' (file header checksum mismatch)'}`,
    `  header:   ${h.chunkCount} chunks (numbers ${h.firstChunk}-${h.lastChunk}), next record id ${h.nextRecordId}, flags 0x${h.flags.toString(16)}${flagNames.length ? ` (${flagNames.join(', ')})` : ''}`,
    `  chunks:   ${s.chunks} in the file: ${s.validChunks} read${s.slackChunks ? `, ${s.slackChunks} unused after the last chunk` : ''}${s.damagedChunks.length ? `, ${s.damagedChunks.length} damaged` : ''}`,
    `  records:  ${records} read${s.badRecords ? `, ${s.badRecords} unreadable` : ''}` +
      (s.lowestRecordId === null ? '' : `; record ids ${s.lowestRecordId} to ${s.highestRecordId}`),
    `  written:  ${s.oldestWritten ?? '-'} to ${s.newestWritten ?? '-'}`,
  );
  if (h.dirty && h.chunkCount < s.validChunks) lines.push(`  note:     not closed cleanly: the header counts ${h.chunkCount} chunks, ${s.validChunks} were read`);
  for (const d of s.damagedChunks) lines.push(`  damage:   chunk ${d.index} at 0x${d.offset.toString(16)}: ${d.problems.join('; ')} (${d.records} records read from it)`);
  if (s.truncated) lines.push('  damage:   the file ends inside a chunk');
  lines.push(`  verdict:  ${verdict}`, '', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// shared

function fileInput(file: string): LogInput {
  return { path: file, open: () => Promise.resolve(createReadStream(file)) };
}

/** `evtx`, an export kind, null (unknown format), or `unreadable` (reported). */
function sniff(file: string): 'evtx' | 'unreadable' | ReturnType<typeof detectEventExport> {
  let head: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(EVENT_EXPORT_DETECT_BYTES);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    process.stderr.write(`exhunt: ${escapeTerminal(file)}: cannot read: ${escapeTerminal(e instanceof Error ? e.message : String(e))}\n`);
    return 'unreadable';
  }
  if (head.subarray(0, 7).toString('latin1') === 'ElfFile' || head.length === 0 || basename(file).toLowerCase().endsWith('.evtx')) return 'evtx';
  return detectEventExport(head);
}

function printDiagnostic(d: Diagnostic): void {
  process.stderr.write(`exhunt: ${d.level}: ${escapeTerminal(d.message)}\n`);
}

/** Buffered line output with back-pressure (large dumps must not fill memory). */
class LineWriter {
  readonly stream: Writable;
  #buf: string[] = [];
  #size = 0;
  #congested = false;
  #error: Error | null = null;

  constructor(stream: Writable) {
    this.stream = stream;
    // Surfaced by ready/close (a closed pipe must end the dump, not crash or hang it).
    stream.on('error', (e: Error) => {
      this.#error ??= e;
    });
  }

  /** Adds a line; writes out every 64 KiB. Call `ready` before producing much more. */
  push(text: string): void {
    this.#buf.push(text, '\n');
    this.#size += text.length + 1;
    if (this.#size >= 64 * 1024) this.#write();
  }

  async line(text: string): Promise<void> {
    this.push(text);
    await this.ready();
  }

  /** Resolves once the stream has taken what was written so far. */
  async ready(): Promise<void> {
    if (this.#error !== null) throw new UsageError(`cannot write output: ${this.#error.message}`);
    if (this.#congested) {
      await waitDrain(this.stream);
      this.#congested = false;
    }
  }

  #write(): void {
    if (this.#buf.length === 0) return;
    const chunk = this.#buf.join('');
    this.#buf = [];
    this.#size = 0;
    if (!this.stream.write(chunk)) this.#congested = true;
  }

  async close(): Promise<void> {
    this.#write();
    await this.ready();
    if (this.stream === process.stdout || this.stream === process.stderr) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(new UsageError(`cannot write: ${err.message}`)) : resolve()));
    });
  }
}

function waitDrain(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      reject(new UsageError(`cannot write output: ${e.message}`));
    };
    const onDrain = (): void => {
      stream.off('error', onError);
      stream.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      stream.off('drain', onDrain);
      reject(new UsageError('cannot write output: the stream was closed'));
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}
