import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinXmlError, BinXmlParser } from './binxml.js';
import { ChunkWriter, isoToFiletime, val, writeStandardEvent } from './builder.testutil.js';
import { eventFields, eventFieldsByWalking } from './fields.js';
import { renderDocument } from './render.js';

/** Parses the Binary XML of the record at `offset` in a written chunk. */
function parseRecord(w: ChunkWriter, offset: number): ReturnType<BinXmlParser['parseDocument']> {
  const chunk = w.finish();
  const size = chunk.readUInt32LE(offset + 4);
  return new BinXmlParser(chunk).parseDocument(offset + 24, offset + size - 4);
}

function fields(doc: ReturnType<BinXmlParser['parseDocument']>): Record<string, string> {
  const fast = Object.fromEntries(eventFields(doc));
  assert.deepEqual(Object.fromEntries(eventFieldsByWalking(doc)), fast, 'fast path and walk agree');
  return fast;
}

describe('Binary XML tokens', () => {
  it('reads elements, attributes, value text, references, CDATA and PIs without a template', () => {
    const w = new ChunkWriter();
    const at = w.record(7, isoToFiletime('2021-03-14T01:41:33Z'), () => {
      w.fragmentHeader();
      w.element(
        'Event',
        (a) => a.attribute('xmlns', (x) => x.text('urn:x')),
        (e) => {
          e.element('System', null, (s) => {
            s.element('EventID', null, (x) => x.text('4', true).text('624'));
            s.element('Channel', null, (x) => x.text('Secu').charRef(0x72).text('ity'));
            s.element('Computer', (a) => a.attribute('Note', (x) => x.text('a').entityRef('amp').text('b')), (x) => x.text('HOST'));
          });
          e.element('UserData', null, (u) =>
            u.element('Op', null, (o) => {
              o.element('Script', null, (x) => x.cdata('if (a < b) {}'));
              o.pi('xml-stylesheet', 'href="a.xsl"');
              o.element('Empty', null, null);
            }),
          );
        },
      );
      w.eof();
    });
    const doc = parseRecord(w, at);
    assert.equal(
      renderDocument(doc),
      [
        '<Event xmlns="urn:x">',
        '  <System>',
        '    <EventID>4624</EventID>',
        '    <Channel>Secu&#114;ity</Channel>',
        '    <Computer Note="a&amp;b">HOST</Computer>',
        '  </System>',
        '  <UserData>',
        '    <Op>',
        '      <Script><![CDATA[if (a < b) {}]]></Script>',
        '      <?xml-stylesheet href="a.xsl"?>',
        '      <Empty/>',
        '    </Op>',
        '  </UserData>',
        '</Event>',
        '',
      ].join('\n'),
    );
    const f = fields(doc);
    assert.equal(f.EventID, '4624');
    assert.equal(f.Channel, 'Security');
    assert.equal(f.Script, 'if (a < b) {}');
    assert.equal(f.Empty, '');
  });

  it('instantiates a template inline, then reuses it by offset with new values', () => {
    const w = new ChunkWriter();
    const event = { provider: 'Microsoft-Windows-Sysmon', eventId: 1, time: '2021-03-14T01:41:33.123Z', channel: 'Microsoft-Windows-Sysmon/Operational', computer: 'MXS01' };
    const first = w.pos;
    const def = writeStandardEvent(w, null, { ...event, recordId: 1, data: [['Image', 'C:\\Windows\\System32\\cmd.exe'], ['CommandLine', 'cmd /c whoami']] });
    const second = w.pos;
    writeStandardEvent(w, def, { ...event, recordId: 2, data: [['Image', 'w3wp.exe'], ['CommandLine', 'x & <y>']] });
    const f1 = fields(parseRecord(w, first));
    const f2 = fields(parseRecord(w, second));
    assert.deepEqual(f1, {
      Provider_Name: 'Microsoft-Windows-Sysmon',
      EventID: '1',
      Level: '4',
      TimeCreated: '2021-03-14T01:41:33.1230000Z',
      EventRecordID: '1',
      ProcessID: '1234',
      ThreadID: '5678',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'MXS01',
      Image: 'C:\\Windows\\System32\\cmd.exe',
      CommandLine: 'cmd /c whoami',
      Data: 'C:\\Windows\\System32\\cmd.exe cmd /c whoami',
    });
    assert.equal(f2.EventRecordID, '2');
    assert.equal(f2.CommandLine, 'x & <y>');
    assert.ok(!('UserID' in f2), 'optional substitution with a null value: attribute left out');
    const xml = renderDocument(parseRecord(w, second));
    assert.match(xml, /<Data Name="CommandLine">x &amp; &lt;y&gt;<\/Data>/);
    assert.match(xml, /<Security\/>/);
  });

  it('expands nested Binary XML values (0x21) holding their own template instance, as Security events do', () => {
    const w = new ChunkWriter();
    // The nested value is written first, at its final place, so its offsets are right.
    const at = w.record(3, 0n, () => {
      w.fragmentHeader();
      // Outer template: System with a text value, then substitution 1 of type BinXml.
      w.u8(0x0c).u8(1).u32(1);
      const def = w.pos + 4;
      w.u32(def).u32(0).bytes(Buffer.alloc(16));
      const sizeAt = w.pos;
      w.u32(0).fragmentHeader();
      w.element('Event', null, (e) => {
        e.element('System', null, (s) => s.element('EventID', null, (x) => x.sub(0, 0x06)));
        e.sub(1, 0x21);
      });
      w.eof();
      w.buf.writeUInt32LE(w.pos - sizeAt - 4, sizeAt);
      // Instance data: two values; the second is nested XML written in place.
      w.u32(2).u16(2).u8(0x06).u8(0);
      const nestedSizeAt = w.pos;
      w.u16(0).u8(0x21).u8(0);
      w.u16(4624);
      const nestedStart = w.pos;
      w.fragmentHeader();
      w.templateInstance(
        null,
        (t) => t.element('EventData', null, (d) => d.element('Data', (a) => a.attribute('Name', (x) => x.text('TargetUserName')), (x) => x.sub(0, 0x01))),
        [val.str('EXCHANGE$')],
      );
      w.eof();
      w.buf.writeUInt16LE(w.pos - nestedStart, nestedSizeAt);
      w.eof();
    });
    const doc = parseRecord(w, at);
    const f = fields(doc);
    assert.equal(f.EventID, '4624');
    assert.equal(f.TargetUserName, 'EXCHANGE$');
    assert.match(renderDocument(doc), /<EventData>\n {4}<Data Name="TargetUserName">EXCHANGE\$<\/Data>\n {2}<\/EventData>/);
  });

  it('reads elements without a dependency id, as in forwarded events', () => {
    const w = new ChunkWriter();
    const at = w.record(1, 0n, () => {
      w.fragmentHeader();
      w.element(
        'Event',
        (a) => a.attribute('xmlns', (x) => x.text('http://schemas.microsoft.com/win/2004/08/events/event')),
        (e) => {
          e.element('System', null, (s) => {
            s.element('Provider', (a) => a.attribute('Name', (x) => x.text('MSExchange CmdletLogs')), null, false);
            s.element('EventID', (a) => a.attribute('Qualifiers', (x) => x.text('16384')), (x) => x.text('1'), false);
            s.element('TimeCreated', (a) => a.attribute('SystemTime', (x) => x.text('2021-11-19T16:52:33.833733500Z')), null, false);
          }, false);
          e.element('EventData', null, (d) => d.element('Data', null, (x) => x.text('Set-OabVirtualDirectory'), false), false);
        },
        false,
      );
      w.eof();
    });
    const f = fields(parseRecord(w, at));
    assert.equal(f.Provider_Name, 'MSExchange CmdletLogs');
    assert.equal(f.EventID, '1');
    assert.equal(f.TimeCreated, '2021-11-19T16:52:33.8337335Z');
    assert.equal(f.Data1, 'Set-OabVirtualDirectory');
  });

  it('repeats an element for each item of an array substitution', () => {
    const w = new ChunkWriter();
    const at = w.record(1, 0n, () => {
      w.fragmentHeader();
      w.templateInstance(null, (t) => t.element('Event', null, (e) => e.element('EventData', null, (d) => d.element('Data', null, (x) => x.sub(0, 0x81)))), [
        val.raw(0x81, Buffer.from('10.00.\u000017134\u0000\u0000Free\u0000', 'utf16le')),
      ]);
      w.eof();
    });
    const doc = parseRecord(w, at);
    const f = fields(doc);
    assert.deepEqual([f.Data1, f.Data2, f.Data3, f.Data4], ['10.00.', '17134', '', 'Free']);
    assert.equal(f.Data, '10.00. 17134 Free');
    assert.equal(renderDocument(doc), '<Event>\n  <EventData>\n    <Data>10.00.</Data>\n    <Data>17134</Data>\n    <Data/>\n    <Data>Free</Data>\n  </EventData>\n</Event>\n');
  });

  it('throws BinXmlError (never a crash or a hang) on malformed input', () => {
    const cases: [string, (w: ChunkWriter) => void][] = [
      ['unknown token', (w) => w.u8(0x3f)],
      ['element not closed', (w) => w.u8(0x01).u16(0xffff).u32(20).name('A').u8(0x02).eof()],
      ['name outside the chunk', (w) => w.u8(0x01).u16(0xffff).u32(8).u32(0xfffffff0).u8(0x03)],
      ['values past the record', (w) => w.u8(0x0c).u8(1).u32(1).u32(0x300).u32(1000).u16(0xffff).u8(1).u8(0)],
      [
        'nesting too deep',
        (w) => {
          for (let i = 0; i < 80; i++) w.u8(0x01).u16(0xffff).u32(8).name('N').u8(0x02);
        },
      ],
    ];
    for (const [what, write] of cases) {
      const w = new ChunkWriter();
      const at = w.record(1, 0n, () => {
        w.fragmentHeader();
        write(w);
      });
      assert.throws(() => parseRecord(w, at), BinXmlError, what);
    }
  });
});
