// exhunt's built-in Windows event checks (issue 5) on this suite's SYNTHETIC fixtures
// (test/events/fixtures, wevtutil XML written by hand where no public capture exists): every
// event's expected result is listed here, positives with their severity, and every other event
// of the fixtures must raise nothing. Real public captures are in real-captures.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Hit } from '../../src/core/finding.js';
import { MapRecord } from '../../src/core/record.js';
import { contentErrors, EVENT_RULES, eventDetectors, FIXTURES, fileHits, hitsOf } from './support.js';

type Expected = Readonly<Record<string, readonly [rule: string, severity: Hit['severity'], outcome: Hit['outcome']]>>;

/** EventRecordID → the one hit expected on that event; events not listed raise nothing. */
const FIXTURE_EXPECTATIONS: Readonly<Record<string, Expected>> = {
  'msexchange-management.xml': {
    5101: ['Exchange.ProxyShell.ManagementMailboxImportExportRole', 'medium', 'context'],
    5102: ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder', 'critical', 'compromised'], // .aspx under \\127.0.0.1\C$\inetpub
    5104: ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder', 'high', 'compromised'], // \\localhost\D$\Exports\x.pst
    5105: ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder', 'high', 'compromised'], // PST into FrontEnd\HttpProxy\owa\auth
    5103: ['Exchange.ProxyShell.ManagementRemoveMailboxExportRequest', 'low', 'context'], // the clean-up after 5102
    5106: ['Exchange.ProxyShell.ManagementCertificateRequestToWebFolder', 'critical', 'compromised'], // -RequestFile ...\owa\auth\x.aspx
    5107: ['Exchange.ProxyShell.ManagementCertificateRequestToWebFolder', 'high', 'compromised'], // -RequestFile into aspnet_client (.txt)
    5301: ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder', 'critical', 'compromised'], // RenderedXml message only
    5302: ['Exchange.ProxyShell.ManagementMailboxImportExportRole', 'medium', 'context'], // RenderedXml message only
    5303: ['Exchange.ProxyShell.ManagementCertificateRequestToWebFolder', 'critical', 'compromised'], // RenderedXml, \\localhost\C$ ... .aspx
    5304: ['Exchange.ProxyShell.ManagementRemoveMailboxExportRequest', 'low', 'context'], // RenderedXml message only
    // 5201 export to a file server share, 5202 another role, 5203 Get-MailboxExportRequest,
    // 5204 Set-OwaVirtualDirectory, 5205 "aspx" in a folder name; 5206 certificate request to a
    // file share, 5207 self-signed certificate (no request file), 5208 the cmdlet's name as a
    // parameter of another cmdlet, 5209 ".aspx." inside a folder name
  },
  'application-um-crash.xml': {
    6101: ['Exchange.ProxyLogon.UnifiedMessagingInvalidCast', 'high', 'attempted'], // Test-ProxyLogon's sign
    6102: ['Exchange.ProxyLogon.UnifiedMessagingInvalidCast', 'critical', 'attempted'], // the same, naming the gadget
    6103: ['Exchange.ProxyLogon.UnifiedMessagingInvalidCast', 'critical', 'attempted'], // Watson report (MSExchange Common 4999)
    6104: ['Exchange.ProxyLogon.UnifiedMessagingInvalidCast', 'critical', 'attempted'], // .NET Runtime 1026, UMWorkerProcess.exe
    6105: ['Exchange.ProxyLogon.UnifiedMessagingInvalidCast', 'critical', 'attempted'], // .NET Runtime 1026, UMService.exe, RenderedXml
    // 6151 UM Watson report of another exception, 6152 WER bucket (exception type only),
    // 6153 the gadget in w3wp.exe, 6154 a UM warning, 6155 a UM error of another kind
  },
  'process-creation.xml': {
    7101: ['Exchange.WebShell.WorkerProcessShellChild', 'high', 'compromised'], // DefaultAppPool (aspnet_client) -> cmd
    7102: ['Exchange.WebShell.WorkerProcessShellChild', 'critical', 'compromised'], // MSExchangeOWAAppPool -> powershell
    7103: ['Exchange.WebShell.WorkerProcessShellChild', 'critical', 'compromised'], // renamed cmd.exe (OriginalFileName)
    7104: ['Exchange.WebShell.WorkerProcessShellChild', 'high', 'compromised'], // Security 4688 w3wp -> certutil
    7201: ['Exchange.ProxyLogon.UnifiedMessagingChildProcess', 'critical', 'compromised'], // UMWorkerProcess -> cmd
    7202: ['Exchange.ProxyLogon.UnifiedMessagingChildProcess', 'high', 'compromised'], // UMWorkerProcess -> notepad
    7203: ['Exchange.ProxyLogon.UnifiedMessagingChildProcess', 'critical', 'compromised'], // 4688 UMService -> powershell
    7301: ['Exchange.Staging.LsassDumpCommandLine', 'critical', 'compromised'], // comsvcs.dll MiniDump (Sysmon 1)
    7302: ['Exchange.Staging.LsassDumpCommandLine', 'critical', 'compromised'], // comsvcs.dll #24 (4688)
    7303: ['Exchange.Staging.LsassDumpCommandLine', 'critical', 'compromised'], // procdump64 -ma lsass.exe (4688)
    7304: ['Exchange.Staging.LsassDumpCommandLine', 'critical', 'compromised'], // renamed procdump (OriginalFileName)
    // 7151-7155 csc.exe, cvtres.exe, conhost.exe, WerFault.exe under w3wp (Exchange's own
    // children), 7156 cmd under explorer, 7251/7252 wermgr/WerFault under UM, 7351 regsvr32
    // comsvcs.dll, 7352 procdump of another process, 7353 findstr lsass
  },
  'lsass-access-and-dumps.xml': {
    8101: ['Exchange.Staging.LsassProcessAccess', 'critical', 'compromised'], // dbgcore.dll in CallTrace
    8102: ['Exchange.Staging.LsassProcessAccess', 'medium', 'context'], // svchost.exe outside System32, 0x1fffff
    8103: ['Exchange.Staging.LsassProcessAccess', 'medium', 'context'], // 0x1438 from C:\Users\Public
    8201: ['Exchange.Staging.DumpFileCreated', 'critical', 'compromised'], // C:\Windows\Temp\lsass.dmp
    8202: ['Exchange.Staging.DumpFileCreated', 'high', 'compromised'], // .dmp in aspnet_client
    8203: ['Exchange.Staging.DumpFileCreated', 'medium', 'attempted'], // .dmp under ProgramData
    8204: ['Exchange.Staging.DumpFileCreated', 'medium', 'attempted'], // .dmp in C:\root
    // 8151-8154 Defender, svchost and wininit in System32, an Exchange process with 0x1000;
    // 8155 a dump of another process; 8251 WER's own folder, 8252 Minidump, 8253 not a .dmp
  },
  'web-folder-files.xml': {
    8401: ['Exchange.WebShell.ScriptFileCreatedInWebFolder', 'critical', 'compromised'], // System (loopback share) -> owa\auth
    8402: ['Exchange.WebShell.ScriptFileCreatedInWebFolder', 'critical', 'compromised'], // w3wp.exe -> aspnet_client\system_web
    8403: ['Exchange.WebShell.ScriptFileCreatedInWebFolder', 'critical', 'compromised'], // MSExchangeMailboxReplication.exe (ProxyShell)
    8404: ['Exchange.WebShell.ScriptFileCreatedInWebFolder', 'high', 'compromised'], // cmd.exe -> ecp\auth\x.ashx
    8405: ['Exchange.WebShell.ScriptFileCreatedInWebFolder', 'high', 'compromised'], // powershell.exe -> ClientAccess\OAB (other install drive)
    8406: ['Exchange.WebShell.ScriptFileCreatedInWebFolder', 'critical', 'compromised'], // UMWorkerProcess.exe -> aspnet_client\x.asp
    // 8451 msiexec.exe and 8452 ExSetup.exe (updates), 8453 ASP.NET's compiled copy, 8454 not a
    // script extension, 8455 wwwroot outside aspnet_client, 8456 Sysmon 23 (delete), 8457
    // "aspnet_client_old", 8458 an image under owa\auth
  },
  'log-cleared.xml': {
    9101: ['Exchange.DefenseEvasion.EventLogCleared', 'medium', 'context'], // Security 1102
    9102: ['Exchange.DefenseEvasion.EventLogCleared', 'medium', 'context'], // System 104
    // 9151 Security 1100 (service shutdown), 9152 System 104 of another provider
  },
};

test('the built-in pack has every Windows event check, each with a public reference', () => {
  assert.deepEqual(contentErrors(), []);
  const byId = new Map(eventDetectors().map((d) => [d.id, d]));
  for (const id of EVENT_RULES) {
    const d = byId.get(id);
    assert.ok(d, `${id} in the built-in pack`);
    assert.deepEqual(d.kinds, ['event']);
    assert.ok(d.rule.references.length >= 1 && d.rule.references.every((r) => r.name.length > 10), `${id} names its sources`);
  }
});

describe('synthetic fixtures (wevtutil XML)', () => {
  for (const [file, expected] of Object.entries(FIXTURE_EXPECTATIONS)) {
    test(`${file}: exactly the expected events raise, with the expected severity`, async () => {
      const { hits, records } = await fileHits(join(FIXTURES, file));
      const got: Record<string, [string, string, string]> = {};
      records.forEach((r) => {
        for (const h of hitsOf(r)) {
          const id = r.get('EventRecordID') ?? '?';
          assert.equal(got[id], undefined, `one hit per event (${id}: ${h.ruleId} and ${got[id]?.[0] ?? ''})`);
          got[id] = [h.ruleId, h.severity, h.outcome];
        }
      });
      assert.deepEqual(got, Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v]])));
      assert.ok(records.length > Object.keys(expected).length, 'the fixture has events that must not raise');
      for (const h of hits) {
        // Every finding names the event: record id, channel, computer and time.
        for (const f of ['EventRecordID', 'Channel', 'Computer', 'TimeCreated']) assert.ok(h.evidence[f], `${h.ruleId}: evidence ${f}`);
        assert.ok(h.time?.startsWith('2021-'), 'the finding has the event time');
        assert.equal(h.source.kind, 'event');
      }
    });
  }
});

describe('field variants', () => {
  const event = (fields: Record<string, string>): MapRecord =>
    new MapRecord('event', { path: 'x.evtx', line: null, kind: 'event' }, '2021-03-03T00:00:00.000Z', { EventRecordID: '1', Computer: 'EXCH01', TimeCreated: '2021-03-03T00:00:00.0000000Z', ...fields });
  const ids = (fields: Record<string, string>): string[] => hitsOf(event(fields)).map((h) => h.ruleId);

  test('image names compare case-insensitively and parents match only as the last path element', () => {
    const base = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: '1' };
    assert.deepEqual(ids({ ...base, ParentImage: 'C:\\WINDOWS\\SYSTEM32\\INETSRV\\W3WP.EXE', Image: 'C:\\WINDOWS\\SYSTEM32\\WHOAMI.EXE' }), ['Exchange.WebShell.WorkerProcessShellChild']);
    assert.deepEqual(ids({ ...base, ParentImage: 'C:\\Tools\\notw3wp.exe', Image: 'C:\\Windows\\System32\\cmd.exe' }), []);
    assert.deepEqual(ids({ ...base, ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', Image: 'C:\\Tools\\mycmd.exe' }), [], 'endsWith \\cmd.exe, not cmd.exe');
    assert.deepEqual(ids({ ...base, EventID: '5', ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', Image: 'C:\\Windows\\System32\\cmd.exe' }), [], 'only process creation');
  });

  test('Security 4688 needs its own field names; Sysmon names in a Security event do not count', () => {
    const sec = { Channel: 'Security', EventID: '4688' };
    assert.deepEqual(ids({ ...sec, ParentProcessName: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\UMWorkerProcess.exe', NewProcessName: 'C:\\Windows\\System32\\cmd.exe' }), ['Exchange.ProxyLogon.UnifiedMessagingChildProcess']);
    assert.deepEqual(ids({ ...sec, ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', Image: 'C:\\Windows\\System32\\cmd.exe' }), []);
    assert.deepEqual(ids({ ...sec, NewProcessName: 'C:\\Windows\\System32\\cmd.exe' }), [], 'no parent (4688 before Windows Server 2016): nothing to judge');
  });

  test('cmdlet log: the Message rendering and the Data rendering are read alike', () => {
    const mgmt = { Channel: 'MSExchange Management', EventID: '1' };
    const cmd = 'New-MailboxExportRequest -Mailbox "a" -FilePath "\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\a.aspx"';
    assert.deepEqual(ids({ ...mgmt, Data: cmd }), ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder']);
    assert.deepEqual(ids({ ...mgmt, Message: `Cmdlet succeeded. Cmdlet ${cmd.replace(' -Mailbox', ', parameters -Mailbox')}.` }), ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder']);
    assert.deepEqual(ids({ ...mgmt, Channel: 'Application', Data: cmd }), [], 'only the MSExchange Management log');
    assert.deepEqual(ids({ ...mgmt, Data: 'New-MailboxExportRequest -Mailbox "a" -FilePath "\\\\fs01\\pst$\\a.pst"' }), []);
    assert.deepEqual(ids({ ...mgmt, Data: 'New-MailboxExportRequest -Mailbox "a" -FilePath "\\\\fs01\\pst$\\a.aspx.pst"' }), []);
    assert.deepEqual(ids({ ...mgmt, Data: 'New-MailboxExportRequest -Mailbox "a" -FilePath "\\\\127.0.0.2\\share\\a.pst"' }), ['Exchange.ProxyShell.ManagementMailboxExportToWebFolder'], 'any loopback address');
  });

  test('Unified Messaging crash reports: the gadget and a UM process, in the Application log, in Message or Data', () => {
    const gadget = "System.InvalidCastException: Unable to cast object of type 'Microsoft.VisualStudio.Text.Formatting.TextFormattingRunProperties' to type 'X'.";
    const app = { Channel: 'Application', EventID: '4999', Provider_Name: 'MSExchange Common', Level: '2' };
    const um = 'Exchange.ProxyLogon.UnifiedMessagingInvalidCast';
    assert.deepEqual(ids({ ...app, Data: `UMWorkerProcess ${gadget}` }), [um]);
    assert.deepEqual(ids({ ...app, Message: `Application: umservice.exe Exception Info: ${gadget}` }), [um], 'case-insensitive, Message alone');
    assert.deepEqual(ids({ ...app, Message: 'Watson report for UMWorkerProcess', Data: gadget }), [um], 'one in the message, one in the data');
    assert.deepEqual(ids({ ...app, Data: `w3wp ${gadget}` }), [], 'not a UM process');
    assert.deepEqual(ids({ ...app, Data: 'UMWorkerProcess System.InvalidCastException' }), [], 'no gadget, not the UM provider');
    assert.deepEqual(ids({ ...app, Channel: 'System', Data: `UMWorkerProcess ${gadget}` }), [], 'only the Application log');
    const hit = hitsOf(event({ ...app, Data: `UMService ${gadget}` }))[0];
    assert.equal(hit?.severity, 'critical');
    assert.equal(hit?.outcome, 'attempted');
  });

  test('Remove-MailboxExportRequest: the cmdlet itself, not its name in another cmdlet', () => {
    const mgmt = { Channel: 'MSExchange Management', EventID: '1' };
    const rm = 'Exchange.ProxyShell.ManagementRemoveMailboxExportRequest';
    assert.deepEqual(ids({ ...mgmt, Data: 'Remove-MailboxExportRequest -Identity "a\\MailboxExport" -Confirm "False"' }), [rm]);
    assert.deepEqual(ids({ ...mgmt, Message: 'Cmdlet succeeded. Cmdlet Remove-MailboxExportRequest, parameters -Identity "a".' }), [rm]);
    assert.deepEqual(ids({ ...mgmt, Data: 'Add-ManagementRoleEntry -Identity "Role\\Remove-MailboxExportRequest"' }), []);
    assert.deepEqual(ids({ ...mgmt, Channel: 'Application', Data: 'Remove-MailboxExportRequest -Identity "a"' }), []);
  });

  test('New-ExchangeCertificate: only a request file in a web folder, on the loopback share or named like a script', () => {
    const mgmt = { Channel: 'MSExchange Management', EventID: '1' };
    const cert = 'Exchange.ProxyShell.ManagementCertificateRequestToWebFolder';
    const req = (file: string): string[] => ids({ ...mgmt, Data: `New-ExchangeCertificate -GenerateRequest "True" -RequestFile "${file}" -SubjectName "CN=x"` });
    assert.deepEqual(req('\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\a.aspx'), [cert]);
    assert.deepEqual(req('\\\\localhost\\D$\\certs\\a.req'), [cert], 'any file on the loopback share');
    assert.deepEqual(req('E:\\Exchange\\FrontEnd\\HttpProxy\\ecp\\auth\\a.txt'), [cert], 'the front end of a non-default install');
    assert.deepEqual(req('C:\\certs\\shell.ashx'), [cert]);
    assert.deepEqual(req('C:\\certs\\mail.req'), []);
    assert.deepEqual(req('\\\\fs01\\certs\\mail.req'), []);
    assert.deepEqual(ids({ ...mgmt, Data: 'New-ExchangeCertificate -DomainName "mail.contoso.test" -Services "IIS"' }), [], 'no request file');
    assert.deepEqual(ids({ ...mgmt, Data: 'Import-ExchangeCertificate -FileData "C:\\inetpub\\x.aspx"' }), [], 'another cmdlet');
  });

  test('script files in web folders: paths compare as Windows paths, installers and other events are left out', () => {
    const base = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: '11' };
    const web = 'Exchange.WebShell.ScriptFileCreatedInWebFolder';
    const created = (image: string, target: string): string[] => ids({ ...base, Image: image, TargetFilename: target });
    assert.deepEqual(created('System', 'c:/program files/microsoft/exchange server/v15/frontend/httpproxy/OWA/AUTH/x.ASPX'), [web]);
    assert.deepEqual(created('C:\\Windows\\System32\\cmd.exe', 'E:\\Exchange\\FrontEnd\\HttpProxy\\oab\\x.aspx'), [web]);
    assert.deepEqual(created('C:\\WINDOWS\\SYSTEM32\\MSIEXEC.EXE', 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx'), []);
    assert.deepEqual(created('C:\\Windows\\System32\\cmd.exe', 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx.bak'), []);
    assert.deepEqual(ids({ ...base, EventID: '15', Image: 'System', TargetFilename: 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx' }), [], 'only Sysmon 11');
    assert.deepEqual(ids({ ...base, Channel: 'Security', Image: 'System', TargetFilename: 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx' }), []);
    assert.equal(hitsOf(event({ ...base, Image: 'system', TargetFilename: 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx' }))[0]?.severity, 'critical');
    assert.equal(hitsOf(event({ ...base, Image: 'C:\\Tools\\x.exe', TargetFilename: 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx' }))[0]?.severity, 'high');
  });

  test('log clearing needs the Eventlog provider', () => {
    assert.deepEqual(ids({ Channel: 'Security', EventID: '1102', Provider_Name: 'Microsoft-Windows-Eventlog' }), ['Exchange.DefenseEvasion.EventLogCleared']);
    assert.deepEqual(ids({ Channel: 'Security', EventID: '1102', Provider_Name: 'Some-Other-Provider' }), []);
    assert.deepEqual(ids({ Channel: 'Application', EventID: '104', Provider_Name: 'Microsoft-Windows-Eventlog' }), []);
  });
});
