/**
 * The field convention of `src/core/event.ts`, on event XML written for the purpose.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventXmlReader } from '../event-exports/xml-events.js';
import { EventRecord } from './event-record.js';
import { eventFieldsByWalking } from './fields.js';
import type { ElementNode } from './nodes.js';
import { iso7ToMillis, recordTime, toIso7 } from './time.js';

function fields(xml: string): Record<string, string> {
  const events: ElementNode[] = [];
  const reader = new EventXmlReader(
    (e) => events.push(e.event),
    (p) => assert.fail(p.message),
  );
  reader.push(xml);
  reader.end();
  assert.equal(events.length, 1);
  return Object.fromEntries(eventFieldsByWalking(events));
}

const SYSTEM =
  "<System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}' EventSourceName='x'/><EventID Qualifiers='16384'>1</EventID><Version>5</Version>" +
  "<Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2021-03-14T01:41:33.1234567Z'/><EventRecordID>42</EventRecordID>" +
  "<Correlation ActivityID='{00000000-0000-0000-0000-000000000000}'/><Execution ProcessID='3208' ThreadID='4000'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>" +
  "<Computer>MXS01.azsentinel.local</Computer><Security UserID='S-1-5-18'/></System>";

describe('event field convention', () => {
  it('System fields flat under their names', () => {
    assert.deepEqual(fields(`<Event>${SYSTEM}</Event>`), {
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Provider_Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      EventID: '1',
      Version: '5',
      Level: '4',
      Task: '1',
      Opcode: '0',
      Keywords: '0x8000000000000000',
      TimeCreated: '2021-03-14T01:41:33.1234567Z',
      EventRecordID: '42',
      ProcessID: '3208',
      ThreadID: '4000',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'MXS01.azsentinel.local',
      UserID: 'S-1-5-18',
    });
  });

  it('EventData Data by Name, unnamed ones numbered, Binary by element name, Data joined', () => {
    const f = fields(
      `<Event>${SYSTEM}<EventData><Data Name='Image'>C:\\w3wp.exe</Data><Data>first</Data><Data Name='Empty'/><Data>second</Data><Data Name='Image'>dup</Data><Binary>0A0B</Binary></EventData></Event>`,
    );
    assert.equal(f.Image, 'C:\\w3wp.exe', 'first occurrence wins');
    assert.equal(f.Data1, 'first');
    assert.equal(f.Data2, 'second');
    assert.equal(f.Empty, '');
    assert.equal(f.Binary, '0A0B');
    assert.equal(f.Data, 'C:\\w3wp.exe first second dup 0A0B', 'every non-empty value, in order');
  });

  it('UserData leaves (and their attributes) by name, first occurrence wins', () => {
    const f = fields(
      `<Event>${SYSTEM}<UserData><LogFileCleared xmlns='urn:x'><SubjectUserName>admin</SubjectUserName><Deep><SubjectUserName>other</SubjectUserName><Leaf>v</Leaf></Deep>` +
        `<Error Code='15007'/></LogFileCleared></UserData></Event>`,
    );
    assert.equal(f.SubjectUserName, 'admin');
    assert.equal(f.Leaf, 'v');
    assert.equal(f.Code, '15007');
    assert.equal(f.Error, '');
    assert.ok(!('xmlns' in f));
    assert.equal(f.Data, 'admin other v 15007');
  });

  it('data names never replace the System fields that identify an event', () => {
    const f = fields(`<Event>${SYSTEM}<EventData><Data Name='EventID'>4624</Data><Data Name='Channel'>Security</Data><Data Name='ProcessId'>6700</Data><Data Name='Data'>x</Data></EventData></Event>`);
    assert.equal(f.EventID, '1');
    assert.equal(f.Channel, 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(f.ProcessID, '3208');
    assert.equal(f.ProcessId, '6700');
    assert.equal(f.Data, '4624 Security 6700 x', 'their values stay searchable in Data');
    const r = new EventRecord({ path: 'x', line: null, kind: 'event' }, null, new Map(Object.entries(f)));
    assert.equal(r.get('ProcessID'), '3208');
    assert.equal(r.get('ProcessId'), '6700');
    assert.equal(r.get('PROCESSID'), '6700');
    assert.equal(r.get('channel'), 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(r.get('nope'), undefined);
  });

  it('RenderingInfo Message, and no Data field without event data', () => {
    const f = fields(`<Event>${SYSTEM}<RenderingInfo Culture='en-US'><Message>Process Create</Message><Level>Information</Level></RenderingInfo></Event>`);
    assert.equal(f.Message, 'Process Create');
    assert.equal(f.Level, '4');
    assert.ok(!('Data' in f));
  });
});

describe('event times', () => {
  it('TimeCreated keeps 100-ns precision; record time is canonical milliseconds', () => {
    assert.equal(toIso7('2016-07-08T18:12:51.681640800Z'), '2016-07-08T18:12:51.6816408Z');
    assert.equal(toIso7('2021-03-14T01:39:32.609Z'), '2021-03-14T01:39:32.6090000Z');
    assert.equal(toIso7('2020-10-18 07:50:06.220'), '2020-10-18T07:50:06.2200000Z');
    assert.equal(toIso7('2021-03-03T04:05:00.5000001+01:00'), '2021-03-03T03:05:00.5000001Z');
    assert.equal(toIso7('2021-02-30T00:00:00Z'), '2021-02-30T00:00:00Z', 'impossible dates are left alone');
    assert.equal(toIso7('yesterday'), 'yesterday');
    assert.equal(iso7ToMillis('2021-03-14T01:41:33.1234567Z'), '2021-03-14T01:41:33.123Z');
    assert.equal(recordTime('2021-03-14T01:41:33.1239999Z'), '2021-03-14T01:41:33.123Z', 'truncated, never rounded up');
    assert.equal(recordTime('not a time'), null);
  });
});
