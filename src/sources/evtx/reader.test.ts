/**
 * The EVTX reader on damaged files: bad checksums, bad chunk magic, dirty and damaged headers,
 * truncation, records cut short, inputs that are not EVTX; and memory on a large file. Damage
 * is done to copies in a temp folder (never to the shared samples), or to synthetic files.
 */
import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { tempDir } from '../../../test/helpers/cli.js';
import type { Diagnostic } from '../../core/diagnostic.js';
import { bytesInput, fileInput, parseAll, requireShared, sharedDataPath } from '../testutil.js';
import { ChunkWriter, fileHeader, fixFileHeaderChecksum, writeStandardEvent } from './builder.testutil.js';
import { CHUNK_BYTES, FILE_HEADER_BYTES } from './file-header.js';
import { parseEvtx, readEvtx } from './parse-evtx.js';
import type { EvtxSummary } from './reader.js';

const SECURITY = sharedDataPath('evtx-rs-samples', 'security.evtx');

interface Read {
  readonly ids: number[];
  readonly diagnostics: Diagnostic[];
  readonly summary: EvtxSummary;
}

async function read(path: string, bytes?: Buffer, chunkSize?: number): Promise<Read> {
  const diagnostics: Diagnostic[] = [];
  let summary: EvtxSummary | null = null;
  const ids: number[] = [];
  const input = bytes === undefined ? fileInput(path) : bytesInput(path, bytes, chunkSize);
  for await (const ev of readEvtx(input, { onDiagnostic: (d) => diagnostics.push(d), onSummary: (s) => (summary = s) })) ids.push(ev.recordId);
  assert.ok(summary !== null);
  return { ids, diagnostics, summary };
}

function codes(r: Read): string[] {
  return [...new Set(r.diagnostics.map((d) => d.code))].sort();
}

function flip(b: Buffer, at: number): void {
  b.writeUInt8(b.readUInt8(at) ^ 0xff, at);
}

function chunkStart(i: number): number {
  return FILE_HEADER_BYTES + i * CHUNK_BYTES;
}

/** A copy of security.evtx (26 chunks, 2261 records, ids 1..2261) in memory. */
function securityCopy(t: TestContext): Buffer | null {
  if (!requireShared(t, SECURITY)) return null;
  return Buffer.from(readFileSync(SECURITY));
}

describe('EVTX reader: damaged files', () => {
  it('reads a clean file completely, whatever the size of the pieces it arrives in', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    const whole = await read('security.evtx', bytes);
    assert.equal(whole.ids.length, 2261);
    assert.deepEqual(whole.ids, Array.from({ length: 2261 }, (_, i) => i + 1));
    assert.deepEqual(codes(whole), []);
    const small = await read('security.evtx', bytes, 777);
    assert.deepEqual(small.ids, whole.ids);
    assert.equal(whole.summary.validChunks, 26);
    assert.equal(whole.summary.slackChunks, 7, 'zero-filled chunks after the last one are unused space, not damage');
  });

  it('reports a chunk whose record data fails its CRC32 and still returns its records', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    // Change one character of a Channel value inside chunk 3 ("Security" -> "security").
    const at = bytes.indexOf(Buffer.from('Security', 'utf16le'), chunkStart(3) + 512);
    assert.ok(at > 0 && at < chunkStart(4));
    bytes[at] = 's'.charCodeAt(0);
    const r = await read('security.evtx', bytes);
    assert.equal(r.ids.length, 2261, 'every record is still read');
    const d = r.diagnostics.find((x) => x.code === 'evtx-chunk-checksum');
    assert.ok(d, 'checksum diagnostic');
    assert.match(d.message, /^security\.evtx: chunk 3 \(offset 0x31000\): record data checksum mismatch .*; 89 records recovered from it$/);
    assert.deepEqual(r.summary.damagedChunks.map((c) => c.index), [3]);
  });

  it('reports a chunk header that fails its CRC32 (bad string table) and reads on', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    flip(bytes, chunkStart(5) + 200); // in the string offset table
    const r = await read('security.evtx', bytes);
    assert.equal(r.ids.length, 2261);
    assert.match(r.diagnostics.find((x) => x.code === 'evtx-chunk-checksum')?.message ?? '', /chunk 5 \(offset 0x51000\): header checksum mismatch/);
  });

  it('skips a chunk with a bad magic, says which, and reads the chunks after it', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    bytes.write('XXXXXXXX', chunkStart(2), 'latin1');
    const r = await read('security.evtx', bytes);
    const d = r.diagnostics.filter((x) => x.code === 'evtx-bad-chunk-magic');
    assert.equal(d.length, 1);
    assert.match(d[0]?.message ?? '', /chunk 2 \(offset 0x21000\): no ElfChnk signature; skipped/);
    assert.equal(r.ids.length, 2261 - 83, 'all records but those of chunk 2 (178..260)');
    assert.ok(!r.ids.includes(200) && r.ids.includes(261) && r.ids.includes(2261));
  });

  it('reads a dirty file past the chunk count and next record id of its header', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    bytes.writeUInt16LE(2, 42); // header says 2 chunks
    bytes.writeBigUInt64LE(100n, 24); // and next record id 100
    bytes.writeUInt32LE(1, 120); // dirty
    fixFileHeaderChecksum(bytes);
    const r = await read('security.evtx', bytes);
    assert.equal(r.ids.length, 2261);
    assert.equal(r.summary.header?.dirty, true);
    assert.equal(r.summary.header?.chunkCount, 2);
    assert.deepEqual(codes(r), []);
  });

  it('reports a file header with a bad checksum and reads on', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    flip(bytes, 60); // inside the checksummed part, unused
    const r = await read('security.evtx', bytes);
    assert.equal(r.ids.length, 2261);
    assert.deepEqual(codes(r), ['evtx-header-checksum']);
  });

  it('reads a file with its ElfFile signature wiped when its chunks are there', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    bytes.write('\0\0\0\0\0\0\0\0', 0, 'latin1');
    const r = await read('security.evtx', bytes);
    assert.equal(r.ids.length, 2261);
    assert.deepEqual(codes(r), ['evtx-bad-header']);
  });

  it('returns the records of a file cut inside a chunk and says it was truncated', async (t) => {
    const bytes = securityCopy(t);
    if (bytes === null) return;
    const cut = bytes.subarray(0, chunkStart(5) + 30000);
    const r = await read('security.evtx', cut);
    assert.ok(r.summary.truncated);
    assert.ok(r.diagnostics.some((d) => d.code === 'evtx-truncated' && /chunk 5 \(offset 0x51000\): file ends after 30000/.test(d.message)));
    // Chunks 0-4 hold records 1..441; the part of chunk 5 that arrived holds some more.
    assert.ok(r.ids.length > 441 && r.ids.length < 530, `${r.ids.length} records`);
    assert.deepEqual(r.ids, Array.from({ length: r.ids.length }, (_, i) => i + 1));
    const header = await read('security.evtx', bytes.subarray(0, 1000));
    assert.equal(header.ids.length, 0);
    assert.deepEqual(codes(header), ['evtx-truncated']);
  });

  it('refuses input that is not EVTX with one error, and an empty file', async () => {
    const text = Buffer.from('#Software: Microsoft Internet Information Services 10.0\n'.repeat(3000));
    const r = await read('u_ex210302.log', text);
    assert.deepEqual(r.ids, []);
    assert.deepEqual(r.diagnostics.map((d) => [d.level, d.code]), [['error', 'evtx-not-evtx']]);
    assert.equal(r.summary.isEvtx, false);
    const empty = await read('empty.evtx', Buffer.alloc(0));
    assert.deepEqual(empty.diagnostics.map((d) => d.code), ['evtx-not-evtx']);
  });

  it('keeps a record that lost the copy of its size when its XML names its id, and drops junk', async () => {
    const w = new ChunkWriter();
    const base = { provider: 'P', eventId: 1, time: '2021-03-14T00:00:00Z', channel: 'Application', computer: 'H', data: [['A', 'x']] as [string, string][] };
    const def = writeStandardEvent(w, null, { ...base, recordId: 1 });
    const second = w.pos;
    writeStandardEvent(w, def, { ...base, recordId: 2 });
    const third = w.pos;
    writeStandardEvent(w, def, { ...base, recordId: 3 });
    const chunk = w.finish();
    // Record 2 lost the trailing copy of its size; record 3's signature and size are junk.
    chunk.writeUInt32LE(0, third - 4);
    chunk.write('JUNKJUNK', third, 'latin1');
    const file = Buffer.concat([fileHeader(1, 4), chunk]);
    const r = await read('synthetic.evtx', file);
    assert.deepEqual(r.ids, [1, 2]);
    assert.ok(r.diagnostics.some((d) => d.code === 'evtx-damaged-record'));
    assert.ok(r.diagnostics.some((d) => d.code === 'evtx-bad-record'));
    assert.ok(second > 0);
  });

  it('honours the no-CRC32 flag (Windows 10 logs written without checksums)', async (t) => {
    const path = sharedDataPath('evtx-rs-samples', 'Application_no_crc32.evtx');
    if (!requireShared(t, path)) return;
    const r = await read(path);
    assert.equal(r.ids.length, 17);
    assert.deepEqual(codes(r), []);
    assert.equal(r.summary.header?.noCrc32, true);
  });
});

describe('EVTX reader: parseEvtx records', () => {
  it('produces event records with origin, time and stats', async (t) => {
    if (!requireShared(t, SECURITY)) return;
    const { records, diagnostics, stats } = await parseAll(parseEvtx, fileInput(SECURITY, 'Security.evtx'));
    assert.equal(records.length, 2261);
    assert.deepEqual(diagnostics, []);
    const r = records[1];
    assert.ok(r);
    assert.equal(r.kind, 'event');
    assert.deepEqual(r.origin, { path: 'Security.evtx', line: null, recordId: 2, kind: 'event' });
    assert.equal(r.time, '2016-07-08T18:12:51.681Z');
    assert.equal(r.get('TimeCreated'), '2016-07-08T18:12:51.6816408Z');
    assert.equal(r.get('eventid'), '4624');
    assert.equal(r.get('TargetUserName'), 'SYSTEM');
    assert.equal(stats.entries, 2261);
    assert.equal(stats.oldest, '2016-07-08T18:12:51.681Z');
    assert.equal(stats.serverName, '37L4247F27-25');
  });
});

describe('EVTX reader: memory', () => {
  it('stays flat on a 300 MB file (chunks of a sample repeated)', { timeout: 10 * 60_000 }, async (t) => {
    if (!requireShared(t, SECURITY)) return;
    const src = readFileSync(SECURITY);
    const chunks = Array.from({ length: 26 }, (_, i) => src.subarray(chunkStart(i), chunkStart(i + 1)));
    const dir = tempDir(t, 'exhunt-evtx-mem-');
    const big = join(dir, 'big.evtx');
    const total = 4600; // 4600 x 64 KiB = 301 MB
    const out = createWriteStream(big);
    out.write(src.subarray(0, FILE_HEADER_BYTES));
    for (let i = 0; i < total; i++) {
      if (!out.write(chunks[i % chunks.length])) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const before = process.memoryUsage().rss;
    let peak = before;
    let n = 0;
    const stats = await parseEvtx(fileInput(big), {
      literals: null,
      onRecord: () => {
        if ((++n & 0x3ff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
      },
      onDiagnostic: () => undefined,
    });
    const deltaMb = (peak - before) / 1e6;
    t.diagnostic(`${n} records from ${((FILE_HEADER_BYTES + total * CHUNK_BYTES) / 1e6).toFixed(0)} MB; RSS ${Math.round(before / 1e6)} MB before, peak +${deltaMb.toFixed(0)} MB`);
    assert.equal(stats.entries, n);
    assert.ok(n > 390_000);
    assert.ok(deltaMb < 120, `RSS grew by ${deltaMb.toFixed(0)} MB while reading a 301 MB file`);
    writeFileSync(big, ''); // free the disk space early
  });
});
