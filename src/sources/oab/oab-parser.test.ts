import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bytesInput, fixturePath, parseAll } from '../testutil.js';
import { parseOab } from './oab-parser.js';

const FIXTURE = readFileSync(fixturePath('oab-generator-synthetic.log'));

describe('parseOab', () => {
  it('reads free-text lines as records with the whole line in Message', async () => {
    const { records, diagnostics, stats } = await parseAll(parseOab, bytesInput('OABGeneratorLog/OABGenerator.log', FIXTURE));
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      records.map((r) => [r.kind, r.origin.line, r.time]),
      [
        ['oab', 2, '2021-03-03T03:00:00.120Z'],
        ['oab', 3, '2021-03-03T03:00:04.871Z'],
        ['oab', 4, '2021-03-03T03:00:05.002Z'],
        ['oab', 5, '2021-03-03T03:00:09.930Z'],
      ],
    );
    const planted = records[2];
    assert.equal(
      planted?.get('message'),
      "2021-03-03T03:00:05.002Z OABGenerator: Download failed and temporary file 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\shell.aspx' needs to be removed.",
    );
    assert.deepEqual(Object.keys(planted?.fields() ?? {}), ['Message']);
    assert.equal(planted?.get('DateTime'), undefined);
    assert.deepEqual(stats, {
      entries: 4,
      oldest: '2021-03-03T03:00:00.120Z',
      newest: '2021-03-03T03:00:09.930Z',
      serverName: null,
      version: null,
      encoding: 'utf8',
    });
  });

  it('adds the named columns when the file has an Exchange #Fields: header', async () => {
    const text = [
      '#Software: Microsoft Exchange Server',
      '#Version: 15.01.2176.002',
      '#Log-type: OAB Generator Log',
      '#Fields: DateTime,Level,Message',
      '2021-03-03T03:00:05.002Z,Error,"Download failed and temporary file \'C:\\root\\x.aspx\' needs to be removed, see ""details"""',
      '2021-03-03T03:00:06.000Z,Error,"Stack:',
      '   at OABGenerator.Download()"',
      'a line that does not fit the columns',
    ].join('\r\n');
    const { records, stats } = await parseAll(parseOab, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [5, 6, 8],
    );
    const [first, multi, loose] = records;
    assert.equal(first?.get('Level'), 'Error');
    assert.equal(first?.get('MessageColumn'), 'Download failed and temporary file \'C:\\root\\x.aspx\' needs to be removed, see "details"');
    assert.match(first?.get('Message') ?? '', /^2021-03-03T03:00:05\.002Z,Error,"Download failed/, 'Message is the whole line');
    assert.equal(multi?.get('MessageColumn'), 'Stack:\r\n   at OABGenerator.Download()', 'quoted line breaks honoured after #Fields:');
    assert.equal(multi?.time, '2021-03-03T03:00:06.000Z');
    assert.equal(loose?.get('Level'), undefined);
    assert.equal(loose?.time, null);
    assert.equal(stats.version, '15.01.2176.002');
    assert.equal(stats.entries, 3);
  });

  it('treats quotes in free text as characters', async () => {
    const text = '2021-03-03T03:00:00.000Z Started "quoted\r\n2021-03-03T03:00:01.000Z next line\r\n';
    const { records } = await parseAll(parseOab, bytesInput('a.log', Buffer.from(text)));
    assert.deepEqual(
      records.map((r) => r.origin.line),
      [1, 2],
    );
  });
});
