import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../core/diagnostic.js';
import { prng, utf16 } from '../testutil.js';
import { CappedDiagnostics } from './capped-diagnostics.js';
import { literalStrategy } from './literals.js';
import { MAX_RECORD_LINES, type LineRole, type LineStats, type LineVisitor } from './line-visitor.js';
import type { SyncByteReader } from '../source.js';
import { LineScanner } from './line-scanner.js';
import { readLines, readLinesSync } from './read-lines.js';

interface Seen {
  readonly text: string;
  readonly line: number;
  readonly role: LineRole;
}

/** Records what it is handed; a line "has a time" when it starts with a date. */
class Recorder implements LineVisitor {
  quoted: boolean;
  readonly seen: Seen[] = [];

  constructor(quoted = false) {
    this.quoted = quoted;
  }

  line(text: string, line: number, role: LineRole): boolean {
    this.seen.push({ text, line, role });
    return /^\d{4}-\d\d-\d\d/.test(text);
  }
}

interface Scan {
  readonly seen: Seen[];
  readonly stats: LineStats;
  readonly diags: Diagnostic[];
}

function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

async function scan(
  input: string | Buffer,
  opts: { quoted?: boolean; literals?: readonly string[] | null; chunk?: number; max?: number } = {},
): Promise<Scan> {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const visitor = new Recorder(opts.quoted ?? false);
  const diags: Diagnostic[] = [];
  const stats = await readLines(chunked(bytes, opts.chunk ?? 65536), visitor, {
    literals: opts.literals ?? null,
    diagnostics: new CappedDiagnostics((d) => diags.push(d), 'x.log'),
    ...(opts.max === undefined ? {} : { maxLineBytes: opts.max }),
  });
  return { seen: visitor.seen, stats, diags };
}

const brief = (s: Scan): string[] => s.seen.map((x) => `${x.line}:${x.role[0]}:${x.text}`);

describe('readLines: lines and numbers', () => {
  it('reads LF, CRLF and a last line without terminator, numbering every line', async () => {
    const s = await scan('#Fields: a\nfirst\r\nsecond\n\r\n\nthird');
    assert.deepEqual(brief(s), ['1:d:#Fields: a', '2:d:first', '3:d:second', '6:d:third']);
    assert.deepEqual(s.stats, { encoding: 'utf8', lines: 6, dataLines: 3 });
  });

  it('gives the same lines and numbers at every chunk size', async () => {
    const text = '#a\r\nx,"q1\r\nq2",y\r\n\r\n#b\nlong line ' + 'z'.repeat(300) + '\n"u",v\nend';
    const whole = await scan(text, { quoted: true });
    assert.equal(whole.seen.length, 6);
    for (const chunk of [1, 2, 3, 5, 7, 64, 301]) {
      assert.deepEqual(brief(await scan(text, { quoted: true, chunk })), brief(whole), `chunk ${chunk}`);
    }
  });

  it('counts an empty file as no lines', async () => {
    const s = await scan('');
    assert.deepEqual(s.stats, { encoding: 'utf8', lines: 0, dataLines: 0 });
    assert.deepEqual(s.seen, []);
  });
});

describe('readLines: encodings', () => {
  const text = '#Fields: date time cs-uri-stem\r\n2021-03-03 02:11:02 /ecp/y.js\r\n2021-03-03 02:11:03 /owa/é😀\r\n';

  it('strips a UTF-8 BOM so that line 1 is still a directive', async () => {
    const s = await scan(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    assert.equal(s.seen[0]?.role, 'directive');
    assert.equal(s.seen[0]?.text, '#Fields: date time cs-uri-stem');
    assert.equal(s.diags.length, 0);
  });

  for (const [endian, bom, chunk] of [
    ['le', true, 1],
    ['le', false, 7],
    ['be', true, 3],
  ] as const) {
    it(`decodes UTF-16${endian.toUpperCase()} ${bom ? 'with' : 'without'} BOM and warns once`, async () => {
      const plain = await scan(text);
      const s = await scan(utf16(text, endian, bom), { chunk, literals: ['/ecp/'] });
      assert.equal(s.stats.encoding, endian === 'le' ? 'utf16le' : 'utf16be');
      assert.deepEqual(
        s.diags.map((d) => d.code),
        ['utf16'],
      );
      assert.deepEqual(
        s.seen.map((x) => [x.line, x.text]),
        plain.seen.map((x) => [x.line, x.text]),
      );
      assert.equal(s.seen[2]?.text, '2021-03-03 02:11:03 /owa/é😀');
    });
  }
});

describe('readLines: over-long lines', () => {
  it('skips a line over maxLineBytes, names it, and reads on with exact numbers', async () => {
    const text = `a\n${'x'.repeat(500)}\nb\n#${'y'.repeat(300)}\nc`;
    for (const chunk of [7, 64, 100_000]) {
      const s = await scan(text, { max: 100, chunk });
      assert.deepEqual(brief(s), ['1:d:a', '3:d:b', '5:d:c'], `chunk ${chunk}`);
      assert.deepEqual(
        s.diags.map((d) => [d.code, d.line, d.level]),
        [
          ['line-too-long', 2, 'warning'],
          ['line-too-long', 4, 'warning'],
        ],
      );
      assert.match(s.diags[0]?.message ?? '', /^x\.log:2: /);
      // The long data line is an entry that could not be read; the long directive is not.
      assert.equal(s.stats.dataLines, 4);
      assert.equal(s.stats.lines, 5);
    }
  });

  it('streams past a 50 MB line without holding it in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-lines-'));
    try {
      const file = join(dir, 'huge.log');
      const big = Buffer.alloc(50 * 1024 * 1024, 0x41);
      writeFileSync(file, Buffer.concat([Buffer.from('2021-03-03 first\r\n'), big, Buffer.from('\r\n2021-03-04 last\r\n')]));
      big.fill(0);
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
      const visitor = new Recorder();
      const diags: Diagnostic[] = [];
      const stats = await readLines(createReadStream(file), visitor, {
        literals: null,
        diagnostics: new CappedDiagnostics((d) => diags.push(d), 'huge.log'),
      });
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      assert.deepEqual(brief({ seen: visitor.seen, stats, diags }), ['1:d:2021-03-03 first', '3:d:2021-03-04 last']);
      assert.deepEqual(
        diags.map((d) => [d.code, d.line]),
        [['line-too-long', 2]],
      );
      // Streaming any 50 MB file through fs grows RSS by about 25 MB here (64 KB chunks waiting
      // for the garbage collector); holding the line would add its 50 MB on top of that.
      assert.ok(peak - before < 40 * 1024 * 1024, `RSS grew by ${((peak - before) / 1048576).toFixed(1)} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readLines: damaged files', () => {
  it('skips NUL padding and reads the header written after it on the same line', async () => {
    const s = await scan(`2021-03-03 a\r\n${'\0'.repeat(5000)}#Software: Microsoft Internet Information Services 10.0\r\n2021-03-03 b\r\n`, {
      chunk: 999,
    });
    assert.deepEqual(brief(s), ['1:d:2021-03-03 a', '2:d:#Software: Microsoft Internet Information Services 10.0', '3:d:2021-03-03 b']);
    assert.deepEqual(
      s.diags.map((d) => [d.code, d.line]),
      [['nul-padding', 2]],
    );
  });

  it('hands binary garbage lines to the visitor without failing', async () => {
    const rand = prng(5);
    const junk = Buffer.from(Array.from({ length: 20_000 }, () => Math.floor(rand() * 256)));
    const s = await scan(junk, { quoted: true, chunk: 4096 });
    const lineFeeds = junk.filter((b) => b === 10).length;
    assert.equal(s.stats.lines, lineFeeds + (junk[junk.length - 1] === 10 ? 0 : 1));
    assert.ok(s.seen.length > 10);
  });

  it('reports a read error as a diagnostic and keeps what was read', async () => {
    const stream = new Readable({
      read() {
        this.push(Buffer.from('2021-03-03 one\n2021-03-03 two\n'));
        this.destroy(new Error('EIO: i/o error, read'));
      },
    });
    const visitor = new Recorder();
    const diags: Diagnostic[] = [];
    const stats = await readLines(stream, visitor, { literals: null, diagnostics: new CappedDiagnostics((d) => diags.push(d), 'x.log') });
    assert.equal(stats.lines, 2);
    assert.deepEqual(
      diags.map((d) => [d.code, d.level]),
      [['read-failed', 'error']],
    );
    assert.match(diags[0]?.message ?? '', /EIO/);
  });
});

describe('readLines: quoted records', () => {
  it('joins a quoted value over line breaks into one record numbered by its first line', async () => {
    const all = await scan('h1,h2\r\n1,"a\r\nb,""c"""\r\n2,x\n3,"y\nz"', { quoted: true, literals: null });
    assert.deepEqual(brief(all), ['1:d:h1,h2', '2:d:1,"a\r\nb,""c"""', '4:d:2,x', '5:d:3,"y\nz"']);
    assert.deepEqual(all.stats, { encoding: 'utf8', lines: 6, dataLines: 4 });
  });

  it('treats quotes as characters when not in quoted mode', async () => {
    const s = await scan('1,"a\n2,b\n', { quoted: false });
    assert.deepEqual(brief(s), ['1:d:1,"a', '2:d:2,b']);
  });

  it('delivers the whole record when only a continuation line holds a literal', async () => {
    const text = '2021-03-03 h\n2021-03-03 1,"first part\nhas the NEEDLE\nend"\n2021-03-03 2,x\n2021-03-03 3,y\n';
    const s = await scan(text, { quoted: true, literals: ['needle'] });
    assert.deepEqual(
      s.seen.filter((x) => x.role === 'data').map((x) => [x.line, x.text]),
      [[2, '2021-03-03 1,"first part\nhas the NEEDLE\nend"']],
    );
  });

  it('gives up on a stray quote and reads the lines one by one', async () => {
    const lines = ['1,"stray', ...Array.from({ length: MAX_RECORD_LINES + 5 }, (_, i) => `${i + 2},plain`)];
    const s = await scan(lines.join('\n'), { quoted: true });
    assert.equal(s.seen.length, lines.length);
    s.seen.forEach((x, i) => assert.deepEqual([x.line, x.text], [i + 1, lines[i]]));
    assert.deepEqual(
      s.diags.map((d) => [d.code, d.line]),
      [['unclosed-quote', 1]],
    );
    assert.equal(s.stats.dataLines, lines.length);
  });

  it('reads a record cut off by the end of the file line by line', async () => {
    const s = await scan('1,ok\n2,"cut\nshort', { quoted: true });
    assert.deepEqual(brief(s), ['1:d:1,ok', '2:d:2,"cut', '3:d:short']);
    assert.equal(s.diags[0]?.code, 'unclosed-quote');
  });
});

describe('readLines: prefilter and coverage', () => {
  const dated = (n: number, extra = ''): string => `2021-03-${String(n).padStart(2, '0')} row ${n}${extra}`;

  it('hands over the first and last entries for coverage even when the prefilter skips them', async () => {
    const lines = ['#Fields: x', ...Array.from({ length: 20 }, (_, i) => dated(i + 1, i === 9 ? ' ServerInfo~x' : ''))];
    const s = await scan(lines.join('\r\n') + '\r\n', { literals: ['serverinfo~'] });
    assert.deepEqual(brief(s), ['1:d:#Fields: x', `2:c:${dated(1)}`, `11:d:${dated(10, ' ServerInfo~x')}`, `21:c:${dated(20)}`]);
    assert.equal(s.stats.dataLines, 20);
  });

  it('keeps looking for a first time when the first entries have none', async () => {
    const s = await scan(['header,line', 'garbage', dated(3), dated(4), dated(5)].join('\n'), { literals: ['nothing'] });
    assert.deepEqual(brief(s), ['1:c:header,line', '2:c:garbage', `3:c:${dated(3)}`, `5:c:${dated(5)}`]);
  });

  it('does not repeat a last entry that was already handed over', async () => {
    const s = await scan([dated(1), dated(2), dated(3, ' hit')].join('\n'), { literals: ['hit'] });
    assert.deepEqual(brief(s), [`1:c:${dated(1)}`, `3:d:${dated(3, ' hit')}`]);
  });

  it('hands over an empty literal set nothing but directives and coverage', async () => {
    const s = await scan(['#a', dated(1), dated(2), dated(3)].join('\n'), { literals: [] });
    assert.deepEqual(brief(s), ['1:d:#a', `2:c:${dated(1)}`, `4:c:${dated(3)}`]);
  });

  /** Random log-ish units, some quoted over several lines, some holding a literal in any case. */
  function randomLog(rand: () => number, literals: readonly string[]): string {
    const parts: string[] = [];
    const word = (): string => {
      if (rand() < 0.04) {
        const l = literals[Math.floor(rand() * literals.length)] ?? '';
        return [...l].map((c) => (rand() < 0.5 ? c.toUpperCase() : c)).join('');
      }
      return Math.floor(rand() * 1e9).toString(36);
    };
    const n = 1 + Math.floor(rand() * 60);
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (r < 0.05) parts.push(`#Directive ${word()}`);
      else if (r < 0.08) parts.push('');
      else if (r < 0.2) parts.push(`2021-03-03,"${word()}\n${word()} ""q""${rand() < 0.5 ? '\r\n' : '\n'}${word()}",${word()}`);
      else parts.push(`2021-03-03,${word()},"${word()}, ${word()}",${word()}`);
    }
    return parts.join(rand() < 0.5 ? '\n' : '\r\n') + (rand() < 0.5 ? '\n' : '');
  }

  for (const [name, literals] of [
    ['RegExp', ['serverinfo~', 'x.js']],
    ['word grams', ['serverinfo~', '/ecp/y.js', 'python-requests', 'antsword', 'set-oabvirtualdirectory', 'x-beresource', 'download failed', '~1941962753', 'x.js']],
    ['q-gram', ['serverinfo~', '/ecp/y.js', 'python-requests', 'antsword', 'set-oabvirtualdirectory', 'x-beresource', 'download failed', '~1941962753', 'x.js', '={{', 'cmd']],
  ] as const) {
    it(`${name}: records with literals are a superset of those holding one, numbered alike (property, 200 cases)`, async () => {
      assert.equal(literalStrategy(literals), { RegExp: 'regex', 'word grams': 'words', 'q-gram': 'qgram' }[name]);
      const rand = prng(name.length);
      for (let c = 0; c < 200; c++) {
        const text = randomLog(rand, literals);
        const chunk = 1 + Math.floor(rand() * 200);
        const all = await scan(text, { quoted: true, chunk: 997 });
        const some = await scan(text, { quoted: true, chunk, literals });
        assert.equal(some.stats.lines, all.stats.lines);
        assert.equal(some.stats.dataLines, all.stats.dataLines);
        const byLine = new Map(all.seen.map((x) => [x.line, x.text]));
        const delivered = new Set(some.seen.filter((x) => x.role === 'data').map((x) => x.line));
        for (const x of some.seen) assert.equal(byLine.get(x.line), x.text, `case ${c}: line ${x.line} differs`);
        for (const x of all.seen) {
          if (x.role !== 'data') continue;
          const lower = x.text.toLowerCase();
          if (literals.some((l) => lower.includes(l))) assert.ok(delivered.has(x.line), `case ${c}: line ${x.line} dropped`);
        }
        const directives = (s: Scan): number[] => s.seen.filter((x) => x.role === 'directive').map((x) => x.line);
        assert.deepEqual(directives(some), directives(all));
      }
    });
  }
});

describe('readLinesSync', () => {
  /** A reader over bytes that hands out at most `size` bytes per read, like a file read in chunks. */
  function chunkReader(bytes: Buffer, size: number, failAfter = Infinity): SyncByteReader {
    let pos = 0;
    return {
      read(buf: Buffer): number {
        if (pos >= failAfter) throw new Error('EIO: i/o error, read');
        const n = Math.min(size, buf.length, bytes.length - pos);
        bytes.copy(buf, 0, pos, pos + n);
        pos += n;
        return n;
      },
      close() {},
    };
  }

  async function both(text: string | Buffer, opts: { quoted?: boolean; literals?: readonly string[] | null; chunk: number }): Promise<[Scan, Scan]> {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    const streamed = await scan(bytes, opts);
    const visitor = new Recorder(opts.quoted ?? false);
    const diags: Diagnostic[] = [];
    const stats = readLinesSync(chunkReader(bytes, opts.chunk), visitor, {
      literals: opts.literals ?? null,
      diagnostics: new CappedDiagnostics((d) => diags.push(d), 'x.log'),
    });
    return [streamed, { seen: visitor.seen, stats, diags }];
  }

  it('reads what readLines reads over a stream of the same bytes, at every chunk size (property, 200 cases)', async () => {
    const rand = prng(77);
    const pieces = ['2021-03-03 a,b', '#Fields: x', '', '1,"q\r\nr ""s""",t', '2,"open', 'NEEDLE here', '\0\0\0#Software: x', 'é,ü', 'long ' + 'z'.repeat(3000)];
    for (let c = 0; c < 200; c++) {
      const n = 1 + Math.floor(rand() * 40);
      const text = Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)] ?? '').join(rand() < 0.5 ? '\n' : '\r\n');
      const chunk = 1 + Math.floor(rand() * 700);
      const literals = rand() < 0.5 ? ['needle'] : null;
      const [streamed, sync] = await both(text, { quoted: rand() < 0.5, literals, chunk });
      assert.deepEqual(brief(sync), brief(streamed), `case ${c}`);
      assert.deepEqual(sync.stats, streamed.stats, `case ${c}`);
      assert.deepEqual(sync.diags, streamed.diags, `case ${c}`);
    }
  });

  it('decodes UTF-16 and a file smaller than the encoding sniff alike', async () => {
    for (const text of [utf16('#Fields: a\r\n2021-03-03 x\r\n', 'le', true), Buffer.from('2021-03-03 tiny\n'), Buffer.alloc(0)]) {
      for (const chunk of [1, 3, 1000]) {
        const [streamed, sync] = await both(text, { chunk });
        assert.deepEqual(brief(sync), brief(streamed));
        assert.deepEqual(sync.stats, streamed.stats);
        assert.deepEqual(sync.diags, streamed.diags);
      }
    }
  });

  it('hands every raw byte to onBytes, in order, from a stream and from synchronous reads into one reused buffer', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('#Fields: a\r\n2021-03-03 é,"x\ny"\n'.repeat(50))]);
    for (const chunk of [1, 7, 4096]) {
      const fromStream: Buffer[] = [];
      await readLines(chunked(bytes, chunk), new Recorder(true), {
        literals: ['needle'],
        diagnostics: new CappedDiagnostics(() => undefined, 'x.log'),
        onBytes: (c) => fromStream.push(Buffer.from(c)),
      });
      assert.deepEqual(Buffer.concat(fromStream), bytes, `stream, chunk ${chunk}`);
      const fromSync: Buffer[] = [];
      readLinesSync(chunkReader(bytes, chunk), new Recorder(true), {
        literals: ['needle'],
        diagnostics: new CappedDiagnostics(() => undefined, 'x.log'),
        // Copied at once: the reader reuses its buffer for the next read.
        onBytes: (c) => fromSync.push(Buffer.from(c)),
      });
      assert.deepEqual(Buffer.concat(fromSync), bytes, `sync, chunk ${chunk}`);
    }
  });

  it('hands onLine the raw bytes of exactly the lines it hands over as data or directive, numbered alike', () => {
    const rand = prng(4711);
    const pieces = ['#Fields: a', '2021-03-03 needle x', '2021-03-03 plain', '2021-03-03 "q\nNEEDLE r",s', 'tail needle', ''];
    for (let c = 0; c < 100; c++) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => pieces[Math.floor(rand() * pieces.length)] ?? '').join(rand() < 0.5 ? '\n' : '\r\n');
      const visitor = new Recorder(true);
      const fed: string[] = [];
      readLinesSync(chunkReader(Buffer.from(text), 1 + Math.floor(rand() * 50)), visitor, {
        literals: ['needle'],
        diagnostics: new CappedDiagnostics(() => undefined, 'x.log'),
        onLine: (buf, start, end, line) => fed.push(`${line}:${buf.toString('utf8', start, end)}`),
      });
      const handed = visitor.seen.filter((x) => x.role !== 'coverage').map((x) => `${x.line}:${x.text}`);
      assert.deepEqual(fed, handed, `case ${c}: ${JSON.stringify(text)}`);
    }
  });

  it('reports a read error as a diagnostic and keeps what was read', () => {
    const visitor = new Recorder();
    const diags: Diagnostic[] = [];
    const bytes = Buffer.from('2021-03-03 one\n2021-03-03 two\n2021-03-03 three\n');
    const stats = readLinesSync(chunkReader(bytes, 30, 30), visitor, { literals: null, diagnostics: new CappedDiagnostics((d) => diags.push(d), 'x.log') });
    assert.equal(stats.lines, 2);
    assert.deepEqual(
      diags.map((d) => [d.code, d.level]),
      [['read-failed', 'error']],
    );
  });
});

describe('LineScanner', () => {
  it('keeps nothing of a chunk once push returns (the reader may reuse the buffer)', async () => {
    const text = '#Fields: a\n2021-03-03 1,"x\ny",z\n2021-03-03 2,' + 'w'.repeat(5000) + '\n2021-03-03 3,tail';
    const expected = brief(await scan(text, { quoted: true, chunk: 65536 }));
    const visitor = new Recorder(true);
    const scanner = new LineScanner(visitor, { literals: null, diagnostics: new CappedDiagnostics(() => undefined, 'x.log') });
    const bytes = Buffer.from(text);
    const reused = Buffer.alloc(7);
    for (let i = 0; i < bytes.length; i += reused.length) {
      const n = bytes.copy(reused, 0, i, i + reused.length);
      scanner.push(reused.subarray(0, n));
      reused.fill(0x21);
    }
    scanner.end();
    assert.deepEqual(
      visitor.seen.map((x) => `${x.line}:${x.role[0]}:${x.text}`),
      expected,
    );
  });
});
