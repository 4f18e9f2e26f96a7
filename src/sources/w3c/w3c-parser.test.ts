import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bytesInput, fileInput, fixturePath, parseAll, prng, requireShared, sharedDataPath, utf16 } from '../testutil.js';
import { parseW3c } from './w3c-parser.js';

const FIXTURE = readFileSync(fixturePath('iis-w3c-synthetic.log'));
const TUNNA = sharedDataPath('evtx-attack-samples', 'Command and Control', 'Tunna_rdp_tunnel_IIS.log');

describe('parseW3c: synthetic fixture', () => {
  it('reads both header blocks by column name, with W3C conventions', async () => {
    const { records, diagnostics, stats } = await parseAll(parseW3c, bytesInput('W3SVC1/u_ex210303.log', FIXTURE));
    assert.deepEqual(diagnostics, [], 'the leading `# ...` comment line is tolerated');
    assert.deepEqual(
      records.map((r) => [r.origin.line, r.time, r.get('cs-uri-stem')]),
      [
        [6, '2021-03-02T23:58:11.000Z', '/owa/'],
        [7, '2021-03-03T02:11:02.000Z', '/ecp/y.js'],
        [8, '2021-03-03T02:14:55.000Z', '/aspnet_client/system_web/shell.aspx'],
        [13, '2021-03-03T04:00:07.000Z', '/owa/auth/logon.aspx'],
        [14, '2021-03-03T05:59:59.000Z', '/EWS/Exchange.asmx'],
      ],
    );
    const [first, , shell, logon] = records;
    assert.equal(first?.kind, 'iis');
    assert.deepEqual(first?.origin, { path: 'W3SVC1/u_ex210303.log', line: 6, kind: 'iis' });
    assert.equal(first?.get('CS(USER-AGENT)'), 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)', "IIS's + for space is kept");
    assert.equal(first?.get('cs-username'), '', '`-` reads as empty');
    assert.equal(first?.get('s-computername'), undefined, 'not in the first layout');
    assert.equal(shell?.get('cs(User-Agent)'), 'antSword/v2.1');
    assert.equal(logon?.get('s-computername'), 'EXCH01', 'second #Fields: layout applies from there on');
    assert.equal(logon?.get('cs-uri-query'), 'replaceCurrent=1');
    assert.equal(Object.keys(logon?.fields() ?? {}).length, 19);
    assert.deepEqual(stats, {
      entries: 5,
      oldest: '2021-03-02T23:58:11.000Z',
      newest: '2021-03-03T05:59:59.000Z',
      serverName: 'EXCH01',
      version: null,
      encoding: 'utf8',
    });
  });

  it('reads LF, UTF-8 BOM and UTF-16 copies of the file the same', async () => {
    const base = await parseAll(parseW3c, bytesInput('a.log', FIXTURE));
    const text = FIXTURE.toString('utf8');
    const variants: [string, Buffer, string][] = [
      ['LF', Buffer.from(text.replace(/\r\n/g, '\n')), 'utf8'],
      ['BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), FIXTURE]), 'utf8'],
      ['UTF-16LE (PowerShell Out-File)', utf16(text, 'le', true), 'utf16le'],
    ];
    for (const [name, bytes, encoding] of variants) {
      const got = await parseAll(parseW3c, bytesInput('a.log', bytes, 333));
      assert.equal(got.stats.encoding, encoding, name);
      assert.deepEqual(
        got.records.map((r) => [r.origin.line, r.time, r.fields()]),
        base.records.map((r) => [r.origin.line, r.time, r.fields()]),
        name,
      );
      assert.deepEqual(
        got.diagnostics.map((d) => d.code),
        encoding === 'utf8' ? [] : ['utf16'],
        name,
      );
    }
  });

  it('keeps coverage times when the prefilter skips the first and last entries', async () => {
    const { records, stats } = await parseAll(parseW3c, bytesInput('a.log', FIXTURE), ['/ecp/y.js']);
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [7],
    );
    assert.equal(stats.entries, 5);
    assert.equal(stats.oldest, '2021-03-02T23:58:11.000Z');
    assert.equal(stats.newest, '2021-03-03T05:59:59.000Z');
    assert.equal(stats.serverName, 'EXCH01', 'from the last entry, read for coverage');
  });
});

describe('parseW3c: bad input', () => {
  const header = '#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-method cs-uri-stem sc-status\n';

  it('reports rows whose field count differs from #Fields and skips them', async () => {
    const text = `${header}2021-03-03 01:00:00 GET /owa/ 200\n2021-03-03 01:00:01 GET /owa/ 200 extra\n2021-03-03 01:00:02 GET\n2021-03-03 01:00:03 GET /ecp/ 302\n`;
    const { records, diagnostics, stats } = await parseAll(parseW3c, bytesInput('x/a.log', Buffer.from(text)));
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [3, 6],
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line, d.path]),
      [
        ['bad-row', 4, 'x/a.log'],
        ['bad-row', 5, 'x/a.log'],
      ],
    );
    assert.equal(stats.entries, 4, 'bad rows are still entries of the file');
  });

  it('reports data before any #Fields: and a truncated last line', async () => {
    const text = `2021-03-03 00:59:59 GET /early 200\n${header}2021-03-03 01:00:00 GET /owa/ 200\n2021-03-03 01:00:0`;
    const { records, diagnostics } = await parseAll(parseW3c, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [4],
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line]),
      [
        ['bad-row', 1],
        ['bad-row', 5],
      ],
    );
  });

  it('tolerates trailing blanks after the last value', async () => {
    const text = `${header}2021-03-03 01:00:00 GET /owa/ 200 \r\n2021-03-03 01:00:01 GET /ecp/ 302  \n`;
    const { records, diagnostics } = await parseAll(parseW3c, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      records.map((r) => r.get('sc-status')),
      ['200', '302'],
    );
  });

  it('takes the date from #Date: when the layout logs time only', async () => {
    const text = '#Date: 2021-03-03 00:00:00\n#Fields: time c-ip cs-uri-stem\n04:05:06 10.0.0.1 /owa/\n';
    const { records } = await parseAll(parseW3c, bytesInput('a.log', Buffer.from(text)));
    assert.equal(records[0]?.time, '2021-03-03T04:05:06.000Z');
  });

  it('caps diagnostics on a garbage file and never throws', async () => {
    const rand = prng(42);
    const junk = Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(rand() * 256)));
    const { records, diagnostics, stats } = await parseAll(parseW3c, bytesInput('junk.log', Buffer.concat([Buffer.from(header), junk])));
    const badRows = diagnostics.filter((d) => d.code === 'bad-row');
    assert.equal(badRows.length, 21, '20 listed plus one summary');
    assert.match(badRows[20]?.message ?? '', /more `bad-row` problems/);
    assert.ok(stats.entries > 500, `${stats.entries} entries`);
    // A few random lines happen to hold five space-separated fields; none has a readable time.
    assert.ok(records.length < 20, `${records.length} records`);
    assert.ok(records.every((r) => r.time === null));
    assert.equal(stats.oldest, null);
  });
});

describe('parseW3c: real IIS log (Tunna tunnel sample)', () => {
  it('reads every entry of both header blocks and tolerates the inserted comment', async (t) => {
    if (!requireShared(t, TUNNA)) return;
    const { records, diagnostics, stats } = await parseAll(parseW3c, fileInput(TUNNA, 'Tunna_rdp_tunnel_IIS.log'));
    assert.deepEqual(diagnostics, []);
    assert.equal(stats.entries, 4298);
    assert.equal(records.length, 4298);
    assert.equal(stats.oldest, '2019-09-03T10:13:36.000Z');
    assert.equal(stats.newest, '2019-09-03T11:08:51.000Z');
    const first = records[0];
    assert.equal(first?.origin.line, 7, 'line 5 is a `# ...` comment, line 6 is blank');
    assert.equal(first?.get('cs-uri-query'), 'proxy&port=3389&ip=127.0.0.1');
    assert.equal(first?.get('c-ip'), '10.0.2.17');
    const second = records.find((r) => (r.origin.line ?? 0) > 2604);
    assert.equal(second?.origin.line, 2605, 'first entry after the second #Fields: block');
    assert.equal(records.at(-1)?.time, '2019-09-03T11:08:51.000Z');
  });

  it('finds only the tunnel set-up requests with a prefilter, with the same coverage', async (t) => {
    if (!requireShared(t, TUNNA)) return;
    const { records, stats } = await parseAll(parseW3c, fileInput(TUNNA), ['port=3389']);
    assert.deepEqual(
      records.map((r) => r.get('cs-uri-query')),
      ['proxy&port=3389&ip=127.0.0.1', 'proxy&port=3389&ip=127.0.0.1', 'proxy&port=3389&ip=127.0.0.1'],
    );
    assert.equal(stats.entries, 4298);
    assert.equal(stats.oldest, '2019-09-03T10:13:36.000Z');
    assert.equal(stats.newest, '2019-09-03T11:08:51.000Z');
  });
});
