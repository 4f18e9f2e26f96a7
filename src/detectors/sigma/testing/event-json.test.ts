// The JSON event adapter: nested evtx_dump JSON, flat OTRF lines and Get-WinEvent JSON give
// records that follow the field convention of src/core/event.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonEvents, splitJsonValues } from './event-json.js';

const NESTED = `{
  "Event": {
    "#attributes": { "xmlns": "http://schemas.microsoft.com/win/2004/08/events/event" },
    "System": {
      "Provider": { "#attributes": { "Name": "Microsoft-Windows-Sysmon", "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9" } },
      "EventID": 11, "Version": 2, "Level": 4, "Task": 11, "Opcode": 0, "Keywords": "0x8000000000000000",
      "TimeCreated": { "#attributes": { "SystemTime": "2026-04-17T05:24:53.092051Z" } },
      "EventRecordID": 83239, "Correlation": null,
      "Execution": { "#attributes": { "ProcessID": 3208, "ThreadID": 1724 } },
      "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "host1",
      "Security": { "#attributes": { "UserID": "S-1-5-18" } }
    },
    "EventData": { "RuleName": "EXE", "ProcessId": 15596, "Image": "C:\\\\x.exe", "TargetFilename": "C:\\\\t.exe" }
  }
}
{
  "Event": {
    "System": { "EventID": { "#text": 4104, "#attributes": { "Qualifiers": 0 } }, "Channel": "Microsoft-Windows-PowerShell/Operational" },
    "EventData": { "Data": [ { "#text": "one", "#attributes": { "Name": "A" } }, { "#text": "two" } ] },
    "UserData": { "Op": { "#attributes": { "xmlns": "x" }, "User": "bob", "Inner": { "Deep": "d" } } }
  }
}`;

test('nested JSON (evtx_dump, SigmaHQ regression data), several values one after another', () => {
  const [a, b] = readJsonEvents(NESTED, 'x.json');
  assert.ok(a && b);
  assert.equal(a.kind, 'event');
  assert.equal(a.get('EventID'), '11');
  assert.equal(a.get('Provider_Name'), 'Microsoft-Windows-Sysmon');
  assert.equal(a.get('channel'), 'Microsoft-Windows-Sysmon/Operational');
  assert.equal(a.get('Computer'), 'host1');
  assert.equal(a.get('Execution_ProcessID'), '3208');
  assert.equal(a.get('Execution_ThreadID'), '1724');
  assert.equal(a.get('UserID'), 'S-1-5-18');
  assert.equal(a.get('ProcessId'), '15596');
  assert.equal(a.get('TargetFilename'), 'C:\\t.exe');
  assert.equal(a.time, '2026-04-17T05:24:53.092Z');
  assert.equal(a.origin.recordId, 83239);
  assert.equal(a.origin.line, 1);
  assert.equal(a.get('Data'), 'EXE 15596 C:\\x.exe C:\\t.exe');
  assert.equal(b.get('EventID'), '4104');
  assert.equal(b.get('A'), 'one');
  assert.equal(b.get('Data1'), 'two');
  assert.equal(b.get('User'), 'bob');
  assert.equal(b.get('Deep'), 'd');
  assert.equal(b.origin.line, 16);
});

test('flat JSON Lines (OTRF / Winlogbeat style)', () => {
  const line = JSON.stringify({ SourceName: 'Microsoft-Windows-Security-Auditing', Channel: 'Security', Hostname: 'MXS01', EventID: 4688, TimeCreated: '2021-03-14T01:40:10.775Z', NewProcessName: 'C:\\python.exe', Message: 'A new process', '@timestamp': 'x' });
  const [r] = readJsonEvents(`${line}\n${line}\n`, 'x.jsonl');
  assert.equal(r?.get('Provider_Name'), 'Microsoft-Windows-Security-Auditing');
  assert.equal(r?.get('Computer'), 'MXS01');
  assert.equal(r?.get('EventID'), '4688');
  assert.equal(r?.get('Data'), 'C:\\python.exe');
  assert.equal(readJsonEvents(`${line}\n${line}\n`, 'x.jsonl')[1]?.origin.line, 2);
});

test('Get-WinEvent | ConvertTo-Json, as an array', () => {
  const [r] = readJsonEvents(JSON.stringify([{ Id: 1, LogName: 'MSExchange Management', ProviderName: 'MSExchange CmdletLogs', TimeCreated: '/Date(1615686012987)/', Message: 'Cmdlet suceeded', Properties: [{ Value: 'Set-OabVirtualDirectory' }] }]), 'x.json');
  assert.equal(r?.get('Channel'), 'MSExchange Management');
  assert.equal(r?.get('Data1'), 'Set-OabVirtualDirectory');
  assert.equal(r?.time, '2021-03-14T01:40:12.987Z');
});

test('bad JSON is reported with its line', () => {
  assert.throws(() => splitJsonValues('{"a":1}\n{"b":\n'), /line 2/);
  assert.deepEqual(readJsonEvents('{"not":"an event"}', 'x.json'), []);
});
