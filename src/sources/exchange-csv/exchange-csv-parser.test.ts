import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { LogRecord } from '../../core/record.js';
import { bytesInput, fixturePath, parseAll, prng, utf16 } from '../testutil.js';
import { parseHttpProxy } from './exchange-csv-parser.js';

const FIXTURE = readFileSync(fixturePath('httpproxy-ecp-synthetic.log'));
const TEXT = FIXTURE.toString('utf8');
const HEADER = TEXT.slice(0, TEXT.indexOf('\r\n'));
const COLUMNS = HEADER.split(',');

const view = (records: readonly LogRecord[]): unknown[] => records.map((r) => [r.origin.line, r.time, r.fields()]);

describe('parseHttpProxy: synthetic fixture', () => {
  it('reads the 74-column layout with a plain header on line 1', async () => {
    assert.equal(COLUMNS.length, 74);
    const { records, diagnostics, stats } = await parseAll(parseHttpProxy, bytesInput('HttpProxy/Ecp/HttpProxy_2021030300-1.LOG', FIXTURE));
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      records.map((r) => [r.origin.line, r.time]),
      [
        [7, '2021-03-03T00:00:01.068Z'],
        [8, '2021-03-03T02:11:02.335Z'],
        [9, '2021-03-03T02:11:09.901Z'],
        [10, '2021-03-03T02:12:40.002Z'],
        [11, '2021-03-03T02:13:00.500Z'],
        [14, '2021-03-03T05:59:58.999Z'],
      ],
    );
    assert.deepEqual(stats, {
      entries: 6,
      oldest: '2021-03-03T00:00:01.068Z',
      newest: '2021-03-03T05:59:58.999Z',
      serverName: 'EXCH01',
      version: '15.01.2176.002',
      encoding: 'utf8',
    });
    const [, ssrf, browser, reset, stack] = records;
    assert.equal(ssrf?.kind, 'httpproxy');
    assert.deepEqual(ssrf?.origin, { path: 'HttpProxy/Ecp/HttpProxy_2021030300-1.LOG', line: 8, kind: 'httpproxy' });
    assert.equal(ssrf?.get('anchormailbox'), 'ServerInfo~a]@exch01.contoso.local:444/autodiscover/autodiscover.xml?#');
    assert.equal(ssrf?.get('ClientIPAddress'), '203.0.113.66', 'names match case-insensitively');
    assert.equal(ssrf?.get('BackEndCookie'), 'Server~exch01.contoso.local:444/autodiscover/autodiscover.xml?#~1941962753');
    assert.equal(ssrf?.get('NoSuchColumn'), undefined);
    assert.equal(
      browser?.get('UserAgent'),
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
    );
    assert.equal(browser?.get('GenericInfo'), 'OnBeginRequest=0;OnAuthenticateRequest=1;ContentType=text/html; charset=utf-8;');
    assert.equal(reset?.get('GenericErrors'), 'Message="The ""ExternalUrl"" value was set", Source=DDI', 'doubled quotes read once');
    assert.equal(
      stack?.get('GenericErrors'),
      'System.Web.HttpException: Request timed out.\r\n   at System.Web.HttpRuntime.ProcessRequest(Marker=StackTraceMarker)\r\n   at Microsoft.Exchange.HttpProxy.ProxyModule.OnEndRequest',
    );
    assert.equal(stack?.get('RoutingStatus'), 'Completed', 'columns after the multi-line value stay aligned');
    assert.deepEqual(Object.keys(stack?.fields() ?? {}), COLUMNS);
  });

  it('reads the same rows from copies that start at #Software, use LF, or were re-saved as UTF-16', async () => {
    const base = await parseAll(parseHttpProxy, bytesInput('a.log', FIXTURE));
    const noHeader = TEXT.slice(HEADER.length + 2);
    const shifted = base.records.map((r) => [(r.origin.line ?? 0) - 1, r.time, r.fields()]);
    const variants: [string, Buffer, unknown[]][] = [
      ['starts at #Software', Buffer.from(noHeader), shifted],
      ['LF', Buffer.from(TEXT.replace(/\r\n/g, '\n')), view(base.records).map((v) => JSON.parse(JSON.stringify(v).replace(/\\r\\n/g, '\\n')) as unknown)],
      ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), FIXTURE]), view(base.records)],
      ['UTF-16LE', utf16(TEXT, 'le', true), view(base.records)],
      ['UTF-16BE without BOM', utf16(TEXT, 'be', false), view(base.records)],
    ];
    for (const [name, bytes, expected] of variants) {
      const got = await parseAll(parseHttpProxy, bytesInput('a.log', bytes, 500));
      assert.deepEqual(view(got.records), expected, name);
      assert.equal(got.stats.entries, 6, name);
      assert.equal(got.stats.version, '15.01.2176.002', name);
    }
  });

  it('delivers a multi-line record whose literal is on a continuation line', async () => {
    const { records, stats } = await parseAll(parseHttpProxy, bytesInput('a.log', FIXTURE, 1000), ['stacktracemarker']);
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [11],
    );
    assert.match(records[0]?.get('GenericErrors') ?? '', /OnEndRequest$/);
    assert.equal(stats.entries, 6);
    assert.equal(stats.oldest, '2021-03-03T00:00:01.068Z', 'first entry read for coverage only');
    assert.equal(stats.newest, '2021-03-03T05:59:58.999Z', 'last entry read for coverage only');
  });

  it('finds the ServerInfo~ rows Test-ProxyLogon looks for', async () => {
    const { records } = await parseAll(parseHttpProxy, bytesInput('a.log', FIXTURE), ['serverinfo~']);
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [8, 10],
    );
  });
});

describe('parseHttpProxy: layouts and damage', () => {
  it('switches layout when #Fields: appears again', async () => {
    const text = `${TEXT}#Software: Microsoft Exchange Server\r\n#Version: 15.01.2242.004\r\n#Fields: DateTime,ClientIpAddress,AnchorMailbox\r\n2021-03-04T00:00:00.000Z,203.0.113.9,ServerInfo~x]@y:444/ecp/z#\r\n`;
    const { records, diagnostics, stats } = await parseAll(parseHttpProxy, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(diagnostics, []);
    const last = records.at(-1);
    assert.equal(last?.origin.line, 18);
    assert.deepEqual(last?.fields(), { DateTime: '2021-03-04T00:00:00.000Z', ClientIpAddress: '203.0.113.9', AnchorMailbox: 'ServerInfo~x]@y:444/ecp/z#' });
    assert.equal(stats.entries, 7);
    assert.equal(stats.version, '15.01.2176.002', 'the first #Version: names the build the file started with');
  });

  it('reports a row with the wrong number of values and a truncated last row', async () => {
    const cut = TEXT.slice(0, TEXT.lastIndexOf('Mapi,mail.contoso.com'));
    const text = cut.replace('2021-03-03T02:11:09.901Z,', '2021-03-03T02:11:09.901Z,extra,');
    const { records, diagnostics, stats } = await parseAll(parseHttpProxy, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [7, 8, 10, 11],
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line]),
      [
        ['bad-row', 9],
        ['bad-row', 14],
      ],
    );
    assert.equal(stats.entries, 6);
    assert.equal(stats.newest, '2021-03-03T02:13:00.500Z');
  });

  it('reads a file cut inside a quoted value line by line', async () => {
    const text = TEXT.slice(0, TEXT.indexOf('   at Microsoft.Exchange'));
    const { records, diagnostics } = await parseAll(parseHttpProxy, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [7, 8, 9, 10],
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line]),
      [
        ['unclosed-quote', 11],
        ['bad-row', 11],
        ['bad-row', 12],
      ],
    );
  });

  it('reports data without any header', async () => {
    const { records, diagnostics } = await parseAll(parseHttpProxy, bytesInput('a.log', Buffer.from('2021-03-03T00:00:00.000Z,a,b\r\n')));
    assert.equal(records.length, 0);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line]),
      [['bad-row', 1]],
    );
  });
});

describe('parseHttpProxy: prefilter property', () => {
  const LITERALS = ['serverinfo~', '/ecp/y.js', 'python-requests', 'antsword', 'x-beresource'];

  function randomValue(rand: () => number): string {
    const r = rand();
    const token = Math.floor(rand() * 36 ** 6).toString(36);
    if (r < 0.5) return rand() < 0.5 ? '' : token;
    if (r < 0.6) return `${token}, ${token}`;
    if (r < 0.7) return `say ""${token}""`.replace(/""/g, '"');
    if (r < 0.75) return `${token}\r\n   at ${token}`;
    if (r < 0.85) {
      const l = LITERALS[Math.floor(rand() * LITERALS.length)] ?? '';
      return [...`${token}${l}`].map((c) => (rand() < 0.3 ? c.toUpperCase() : c)).join('');
    }
    return token;
  }

  const csv = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

  it('delivers every record holding a literal, with the same line numbers and fields (150 files)', async () => {
    const rand = prng(2021);
    for (let c = 0; c < 150; c++) {
      const rows: string[] = [];
      const n = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) {
        const time = new Date(Date.UTC(2021, 2, 3) + i * 1000 + Math.floor(rand() * 999)).toISOString();
        rows.push([time, ...COLUMNS.slice(1).map(() => randomValue(rand))].map(csv).join(','));
      }
      const head = rand() < 0.5 ? `${HEADER}\r\n` : '';
      const text = `${head}#Software: Microsoft Exchange Server\r\n#Fields: ${HEADER}\r\n${rows.join('\r\n')}\r\n`;
      const all = await parseAll(parseHttpProxy, bytesInput('a.log', Buffer.from(text)));
      const some = await parseAll(parseHttpProxy, bytesInput('a.log', Buffer.from(text), 1 + Math.floor(rand() * 3000)), LITERALS);
      assert.equal(all.records.length, n, `case ${c}`);
      assert.deepEqual(all.diagnostics, []);
      assert.deepEqual(some.stats, all.stats, `case ${c}: stats`);
      const full = new Map(all.records.map((r) => [r.origin.line, JSON.stringify(r.fields())]));
      for (const r of some.records) assert.equal(JSON.stringify(r.fields()), full.get(r.origin.line), `case ${c}: line ${r.origin.line}`);
      const delivered = new Set(some.records.map((r) => r.origin.line));
      for (const r of all.records) {
        const hay = Object.values(r.fields()).join('\n').toLowerCase();
        if (LITERALS.some((l) => hay.includes(l))) assert.ok(delivered.has(r.origin.line), `case ${c}: line ${r.origin.line} dropped`);
      }
    }
  });
});
