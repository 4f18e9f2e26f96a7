// exhunt's built-in Windows event checks (issue 5) on REAL public captures in ../shared/data,
// read with exhunt's own readers (EVTX reader; OTRF JSON through the event export readers):
// each attack capture raises exactly the listed findings, and nothing else in the whole
// corpus (EVTX-ATTACK-SAMPLES, evtx-rs samples, SigmaHQ's regression captures, the OTRF
// datasets including the whole ProxyLogon zip: about 30,200 events, most of them benign) raises
// any of these checks. Every hit below was reviewed by hand; the comment says what it is.
// Skipped without ../shared/data.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EVENT_RULES, eventDetectors, fileHits, shared } from './support.js';

const detectors = (): ReturnType<typeof eventDetectors> => eventDetectors().filter((d) => (EVENT_RULES as readonly string[]).includes(d.id));

/** The OTRF ProxyLogon capture (SDWIN-210314014019): the web shell write and its children. */
const OTRF_PROXYLOGON = [
  ['Exchange.WebShell.ScriptFileCreatedInWebFolder @ 2021-03-14T01:40:13.6600000Z', 'critical', 'System writes FrontEnd\\HttpProxy\\owa\\auth\\ohyeah.aspx through the loopback admin share (Sysmon 11; Security 5145 at the same instant)'],
  ['Exchange.WebShell.WorkerProcessShellChild @ 2021-03-14T01:40:15.3420000Z', 'critical', 'w3wp.exe -ap "MSExchangeOWAAppPool" -> cmd /c whoami (Sysmon 1)'],
  ['Exchange.WebShell.WorkerProcessShellChild @ 2021-03-14T01:40:15.3380000Z', 'high', 'the same process in Security 4688 (no parent command line)'],
  ['Exchange.WebShell.WorkerProcessShellChild @ 2021-03-14T01:40:15.3470000Z', 'critical', 'w3wp.exe MSExchangeOWAAppPool -> cmd /c whoami, second request (Sysmon 1)'],
  ['Exchange.WebShell.WorkerProcessShellChild @ 2021-03-14T01:40:15.3450000Z', 'high', 'the same in Security 4688'],
  // w3wp.exe -> cvtres.exe (ASP.NET compiling the planted page) and w3wp.exe writing the
  // compiled copy under Temporary ASP.NET Files (ohyeah.aspx.f5dba9b9.compiled) are not reported
] as const;

/** File under ../shared/data → the hits expected in it (`ruleId @ EventRecordID`, or `@ TimeCreated` in the OTRF JSON), with severity. */
const REAL_POSITIVES: Readonly<Record<string, readonly (readonly [key: string, severity: string, what: string])[]>> = {
  'evtx-attack-samples/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx': [
    ['Exchange.WebShell.WorkerProcessShellChild @ 1044', 'high', 'w3wp.exe (DefaultAppPool) -> "cmd.exe /c net user" (Sysmon 1)'],
  ],
  'evtx-attack-samples/Credential Access/discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx': [
    ['Exchange.WebShell.WorkerProcessShellChild @ 5875', 'high', 'w3wp.exe -> powershell -nop -noni -enc (Sysmon 1)'],
  ],
  'evtx-attack-samples/Credential Access/sysmon_10_1_memdump_comsvcs_minidump.evtx': [
    ['Exchange.Staging.LsassDumpCommandLine @ 32154', 'critical', 'rundll32 C:\\windows\\system32\\comsvcs.dll, MiniDump <pid> ... full (Sysmon 1)'],
  ],
  'evtx-attack-samples/Credential Access/sysmon_10_11_lsass_memdump.evtx': [
    ['Exchange.Staging.DumpFileCreated @ 4433', 'critical', 'procdump.exe writes lsass.exe_190317_120941.dmp (Sysmon 11)'],
    ['Exchange.Staging.LsassProcessAccess @ 4434', 'critical', 'procdump.exe opens lsass.exe 0x1fffff, dbghelp.dll in CallTrace (Sysmon 10)'],
    ['Exchange.Staging.DumpFileCreated @ 4441', 'critical', 'taskmgr.exe writes AppData\\Local\\Temp\\lsass (2).DMP (Sysmon 11)'],
    ['Exchange.Staging.LsassProcessAccess @ 4442', 'critical', 'taskmgr.exe opens lsass.exe 0x1fffff, dbghelp.dll in CallTrace (Sysmon 10)'],
  ],
  'evtx-attack-samples/Privilege Escalation/Runas_4624_4648_Webshell_CreateProcessAsUserA.evtx': [
    ['Exchange.DefenseEvasion.EventLogCleared @ 161471', 'medium', 'Security 1102, audit log cleared by IEUser'],
  ],
  'evtx-rs-samples/system.evtx': [
    ['Exchange.DefenseEvasion.EventLogCleared @ 1847', 'medium', 'System 104: the Sysmon log cleared by tony'],
    ['Exchange.DefenseEvasion.EventLogCleared @ 1848', 'medium', 'System 104: the Sysmon log cleared again'],
  ],
  'evtx-rs-samples/sysmon.evtx': [
    ['Exchange.Staging.LsassProcessAccess @ 1876', 'medium', 'Procmon64.exe from a Temp folder opens lsass.exe with PROCESS_ALL_ACCESS: reported as context, as the rule intends'],
    ['Exchange.Staging.LsassProcessAccess @ 1880', 'medium', 'the same, a second time'],
  ],
  'sigma/regression_data/rules/windows/file/file_event/file_event_win_dump_file_susp_creation/aba15bdd-657f-422a-bab3-ac2d2a0d6f1c.evtx': [
    ['Exchange.Staging.DumpFileCreated @ 28881', 'critical', 'cmd.exe writes C:\\lsass.dmp (Sysmon 11)'],
  ],
  'sigma/regression_data/rules/windows/file/file_event/file_event_win_taskmgr_lsass_dump/69ca12af-119d-44ed-b50f-a47af0ebc364.evtx': [
    ['Exchange.Staging.DumpFileCreated @ 53968', 'critical', 'taskmgr.exe writes AppData\\Local\\Temp\\lsass.DMP (Sysmon 11)'],
  ],
  'sigma/regression_data/rules/windows/process_access/proc_access_win_susp_dbgcore_dbghelp_load/9f5c1d59-33be-4e60-bcab-85d2f566effd.evtx': [
    ['Exchange.Staging.LsassProcessAccess @ 676404', 'critical', 'WSASS: WerFaultSecure.exe copied to C:\\Users\\Public dumps lsass.exe (Sysmon 10)'],
  ],
  'otrf-security-datasets/proxylogon_ssrf_rce_poc.subset.jsonl': OTRF_PROXYLOGON,
  // The whole dataset (10,487 events: also Exchange ActiveMonitoring, PowerShell and the rest of
  // Security and Sysmon), read from the original zip: the same hits and nothing more.
  'otrf-security-datasets/proxylogon_ssrf_rce_poc.zip': OTRF_PROXYLOGON,
  'otrf-security-datasets/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json': [
    ['Exchange.DefenseEvasion.EventLogCleared @ 2020-10-18T07:49:39.7760000Z', 'medium', 'Security 1102 (the lab cleared the log before the run)'],
    ['Exchange.Staging.LsassDumpCommandLine @ 2020-10-18T07:50:05.9100000Z', 'critical', 'rundll32 comsvcs.dll MiniDump 756 ...lsass-comsvcs.dmp full (Security 4688)'],
    ['Exchange.Staging.LsassDumpCommandLine @ 2020-10-18T07:50:05.9170000Z', 'critical', 'the same (Sysmon 1)'],
    ['Exchange.Staging.LsassProcessAccess @ 2020-10-18T07:50:06.0250000Z', 'critical', 'rundll32.exe opens lsass.exe 0x1fffff with dbghelp.dll in CallTrace (Sysmon 10); its 0x1410 open is not reported'],
    ['Exchange.Staging.DumpFileCreated @ 2020-10-18T07:50:06.0010000Z', 'critical', 'rundll32.exe writes AppData\\Local\\Temp\\lsass-comsvcs.dmp (Sysmon 11)'],
  ],
};

/** Every event file of the shared corpus these checks are run on. */
function corpus(root: string): string[] {
  const evtx = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.evtx') && !f.startsWith('sigma/'));
  const regression = readdirSync(join(root, 'sigma', 'regression_data'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.evtx'))
    .map((f) => `sigma/regression_data/${f}`);
  return [
    ...evtx,
    ...regression,
    'otrf-security-datasets/proxylogon_ssrf_rce_poc.subset.jsonl',
    'otrf-security-datasets/proxylogon_ssrf_rce_poc.zip',
    'otrf-security-datasets/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json',
  ].sort();
}

describe('real captures (../shared/data)', () => {
  for (const [file, expected] of Object.entries(REAL_POSITIVES)) {
    test(`${file.split('/').pop() ?? file}: ${expected.map((e) => e[0].split(' @ ')[0]!.split('.').pop()).join(', ')}`, async (t) => {
      const path = shared(t, ...file.split('/'));
      if (!path) return;
      const { keys, hits } = await fileHits(path, detectors());
      assert.deepEqual(
        keys.map((k, i) => `${k} ${hits[i]!.severity}`).sort(),
        expected.map(([k, sev]) => `${k} ${sev}`).sort(),
      );
    });
  }

  test('no other event of the corpus raises these checks (benign and unrelated attack samples)', async (t) => {
    const root = shared(t);
    if (!root) return;
    const files = corpus(root);
    assert.ok(files.length >= 230, `${files.length} files`);
    let records = 0;
    const unexpected: string[] = [];
    for (const f of files) {
      const { keys, records: rs } = await fileHits(join(root, f), detectors());
      records += rs.length;
      const allowed = new Set((REAL_POSITIVES[f] ?? []).map((e) => e[0]));
      for (const k of keys) if (!allowed.has(k)) unexpected.push(`${f}: ${k}`);
    }
    t.diagnostic(`${files.length} files, ${records} events`);
    assert.ok(records > 30_000, `${records} events read`);
    assert.deepEqual(unexpected, []);
  });
});
