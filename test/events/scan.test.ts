// End to end: `exhunt scan FILE --jsonl -` on event logs, as a user runs it: a SYNTHETIC .evtx
// written here with the EVTX test builder (always runs), this suite's wevtutil XML fixtures,
// and real EVTX-ATTACK-SAMPLES captures (skipped without ../shared/data).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Finding } from '../../src/core/finding.js';
import { ChunkWriter, fileHeader, writeStandardEvent } from '../../src/sources/evtx/builder.testutil.js';
import { exhunt, tempDir } from '../helpers/cli.js';
import { FIXTURES, shared } from './support.js';

function findings(stdout: string): Finding[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Finding);
}

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const UMW = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\UMWorkerProcess.exe';
const W3WP = 'C:\\Windows\\System32\\inetsrv\\w3wp.exe';

/**
 * SYNTHETIC Sysmon log: Unified Messaging starting cmd.exe (CVE-2021-26857), w3wp.exe compiling
 * a page with csc.exe (Exchange's own child: not reported), and an MSExchange Management log
 * record of ProxyShell's export, in one file (a real log holds one channel; the reader does not
 * care). Record ids 41, 42 and 43.
 */
function syntheticEvtx(): Buffer {
  const w = new ChunkWriter();
  const proc = (recordId: number, time: string, image: string, cmd: string, parent: string): void => {
    writeStandardEvent(w, null, {
      provider: 'Microsoft-Windows-Sysmon',
      eventId: 1,
      recordId,
      time,
      channel: SYSMON,
      computer: 'EXCH01.contoso.test',
      data: [
        ['UtcTime', time.replace('T', ' ').replace('Z', '')],
        ['ProcessId', '6120'],
        ['Image', image],
        ['CommandLine', cmd],
        ['User', 'NT AUTHORITY\\SYSTEM'],
        ['ParentProcessId', '4988'],
        ['ParentImage', parent],
      ],
    });
  };
  proc(41, '2021-03-02T23:10:00.000Z', 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami', UMW);
  proc(42, '2021-03-02T23:11:00.000Z', 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe', 'csc.exe /noconfig @x.cmdline', W3WP);
  // The cmdlet log's Data elements have no names (an empty Name reads as Data1, Data2...).
  writeStandardEvent(w, null, {
    provider: 'MSExchange CmdletLogs',
    eventId: 1,
    recordId: 43,
    time: '2021-08-24T03:10:19.125Z',
    channel: 'MSExchange Management',
    computer: 'EXCH01.contoso.test',
    data: [
      ['', 'New-MailboxExportRequest'],
      ['', '-Mailbox "alice@contoso.test" -FilePath "\\\\127.0.0.1\\C$\\inetpub\\wwwroot\\aspnet_client\\xqhvb.aspx"'],
      ['', 'contoso.test/Users/svc-exch'],
    ],
  });
  return Buffer.concat([fileHeader(1, 44), w.finish()]);
}

test('scan FILE.evtx --jsonl -: a synthetic Sysmon/cmdlet log gives one finding per attack event, with the event named', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'Microsoft-Windows-Sysmon%4Operational.evtx');
  writeFileSync(file, syntheticEvtx());
  const r = exhunt(['scan', file, '--jsonl', '-', '--no-intel']);
  assert.equal(r.code, 1, r.stderr);
  const got = findings(r.stdout);
  assert.deepEqual(
    got.map((f) => `${f.ruleId} ${f.evidence.EventRecordID ?? '?'} ${f.severity}`).sort(),
    ['Exchange.ProxyLogon.UnifiedMessagingChildProcess 41 critical', 'Exchange.ProxyShell.ManagementMailboxExportToWebFolder 43 critical'],
  );
  const um = got.find((f) => f.ruleId.endsWith('UnifiedMessagingChildProcess'))!;
  assert.equal(um.source.kind, 'event');
  assert.equal(um.source.line, null);
  assert.equal(um.time, '2021-03-02T23:10:00.000Z');
  assert.equal(um.evidence.Channel, SYSMON);
  assert.equal(um.evidence.Computer, 'EXCH01.contoso.test');
  assert.equal(um.evidence.CommandLine, 'cmd.exe /c whoami');
  assert.deepEqual(um.cves, ['CVE-2021-26857']);
  assert.equal(um.host, 'EXCH01.contoso.test', 'the host is the Computer the log names');
});

test('scan of the wevtutil XML fixtures (event exports) in a folder finds what the rules test expects', () => {
  const r = exhunt(['scan', FIXTURES, '--jsonl', '-', '--no-intel', '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  const got = findings(r.stdout);
  const byRule: Record<string, number> = {};
  for (const f of got) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  assert.deepEqual(byRule, {
    'Exchange.DefenseEvasion.EventLogCleared': 2,
    'Exchange.ProxyLogon.UnifiedMessagingChildProcess': 3,
    'Exchange.ProxyLogon.UnifiedMessagingInvalidCast': 5,
    'Exchange.ProxyShell.ManagementCertificateRequestToWebFolder': 3,
    'Exchange.ProxyShell.ManagementMailboxExportToWebFolder': 4,
    'Exchange.ProxyShell.ManagementMailboxImportExportRole': 2,
    'Exchange.ProxyShell.ManagementRemoveMailboxExportRequest': 2,
    'Exchange.Staging.DumpFileCreated': 4,
    'Exchange.Staging.LsassDumpCommandLine': 4,
    'Exchange.Staging.LsassProcessAccess': 3,
    'Exchange.WebShell.ScriptFileCreatedInWebFolder': 6,
    'Exchange.WebShell.WorkerProcessShellChild': 4,
  });
  // Text exports keep the line of each event.
  for (const f of got) assert.ok((f.source.line ?? 0) >= 2, `${f.ruleId}: line ${f.source.line ?? 'null'}`);
  // Weak findings are raised beside the rest: the role assignment and the clearings.
  const role = got.find((f) => f.ruleId.endsWith('ManagementMailboxImportExportRole'));
  assert.equal(role?.severity, 'high');
  assert.match(role?.evidence.Escalated ?? '', /other evidence/);
  // The export request's removal (ProxyShell's clean-up) is low alone, medium beside the export.
  const removals = got.filter((f) => f.ruleId.endsWith('ManagementRemoveMailboxExportRequest'));
  assert.deepEqual(removals.map((f) => [f.severity, f.outcome]), [['medium', 'context'], ['medium', 'context']]);
  for (const f of removals) assert.match(f.evidence.Escalated ?? '', /^from low/);
});

test('scan of real EVTX-ATTACK-SAMPLES captures: an LSASS dump, and a triage folder with a web shell child', (t) => {
  const dump = shared(t, 'evtx-attack-samples', 'Credential Access', 'sysmon_10_11_lsass_memdump.evtx');
  const webshell = shared(t, 'evtx-attack-samples', 'Lateral Movement', 'LM_typical_IIS_webshell_sysmon_1_10_traces.evtx');
  if (!dump || !webshell) return;
  const r = exhunt(['scan', dump, '--jsonl', '-', '--no-intel']);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    findings(r.stdout).map((f) => `${f.ruleId} ${f.evidence.EventRecordID ?? '?'}`).sort(),
    ['Exchange.Staging.DumpFileCreated 4433', 'Exchange.Staging.DumpFileCreated 4441', 'Exchange.Staging.LsassProcessAccess 4434', 'Exchange.Staging.LsassProcessAccess 4442'],
  );
  assert.match(r.stderr, /COMPROMISED/);

  // The same reader through a triage folder's winevt\Logs.
  const dir = tempDir(t);
  const logs = join(dir, 'C', 'Windows', 'System32', 'winevt', 'Logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'Microsoft-Windows-Sysmon%4Operational.evtx'), syntheticEvtx());
  const r2 = exhunt(['scan', dir, webshell, '--jsonl', '-', '--no-intel']);
  assert.equal(r2.code, 1, r2.stderr);
  const ids = findings(r2.stdout).map((f) => `${f.ruleId} ${f.evidence.EventRecordID ?? '?'}`);
  assert.ok(ids.includes('Exchange.WebShell.WorkerProcessShellChild 1044'), ids.join(', '));
  assert.ok(ids.includes('Exchange.ProxyLogon.UnifiedMessagingChildProcess 41'), ids.join(', '));
});

test('scan of the OTRF ProxyLogon dataset: the web shell plant and its w3wp -> cmd /c whoami children, verdict compromised', (t) => {
  const data = shared(t, 'otrf-security-datasets', 'proxylogon_ssrf_rce_poc.subset.jsonl');
  if (!data) return;
  const dir = tempDir(t);
  const summary = join(dir, 'summary.json');
  const r = exhunt(['scan', data, '--jsonl', '-', '--summary-json', summary, '--no-intel']);
  assert.equal(r.code, 1, r.stderr);
  const got = findings(r.stdout);
  const children = got.filter((f) => f.ruleId === 'Exchange.WebShell.WorkerProcessShellChild');
  assert.equal(children.length, 4, 'two whoami runs, each in Sysmon 1 and Security 4688');
  for (const c of children) assert.match(c.evidence.CommandLine ?? '', /^cmd \/c whoami$/);
  assert.ok(got.some((f) => f.ruleId === 'Exchange.ProxyLogon.ManagementSetVirtualDirectoryScript'));
  // The web shell file itself, written through the loopback share (Sysmon 11, Image "System").
  const written = got.filter((f) => f.ruleId === 'Exchange.WebShell.ScriptFileCreatedInWebFolder');
  assert.deepEqual(
    written.map((f) => [f.severity, f.evidence.Image, f.evidence.TargetFilename]),
    [['critical', 'System', 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\ohyeah.aspx']],
  );
  assert.equal((JSON.parse(readFileSync(summary, 'utf8')) as { verdict: string }).verdict, 'compromised');
});
