// What a Sigma match becomes: the Hit fields (id, severity from level, outcome, stage from
// tactic tags, CVEs, techniques, references), the evidence the DRL asks for, and robustness.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileOne, HOST, iisRecord, winEvent } from './testing/fixtures.js';
import { cvesOf, ruleIdOf, severityOf, stageOf, techniquesOf } from './hit.js';

const RULE = `title: ProxyLogon MSExchange OabVirtualDirectory
id: 550d3350-bb8a-4ff3-9533-2ba533f4a1c0
status: test
description: Detects specific patterns found after a successful ProxyLogon exploitation
references:
    - https://bi-zone.medium.com/hunting-down-ms-exchange-attacks-part-1-proxylogon-cve-2021-26855-26858-27065-26857-6e885c5f3fbb
    - internal note
author: Florian Roth (Nextron Systems)
date: 2021-08-09
tags:
    - attack.initial-access
    - attack.t1190
    - attack.t1059.001
    - cve.2021-26855
    - cve.2021-27065
logsource:
    product: windows
    service: msexchange-management
detection:
    keywords_cmdlet:
        '|all':
            - 'OabVirtualDirectory'
            - ' -ExternalUrl '
    keywords_cmd:
        - 'eval(Request'
        - '<script'
    condition: keywords_cmdlet and keywords_cmd
falsepositives:
    - Unlikely
level: critical
`;

describe('hits', () => {
  test('carry the rule metadata and the DRL evidence', () => {
    const d = compileOne(RULE);
    const msg = 'Cmdlet suceeded. Cmdlet Set-OabVirtualDirectory, parameters -ExternalUrl "http://ffff/#<script language="JScript" runat="server"> function Page_Load(){/**/eval(Request["code"],"unsafe");}</script>"';
    const h = d.match(winEvent({ Channel: 'MSExchange Management', EventID: '1', Message: msg, TimeCreated: '2021-03-14T01:40:12.987Z' }), HOST);
    assert.ok(h);
    assert.equal(h.ruleId, '550d3350-bb8a-4ff3-9533-2ba533f4a1c0');
    assert.equal(h.title, 'ProxyLogon MSExchange OabVirtualDirectory');
    assert.equal(h.severity, 'critical');
    assert.equal(h.outcome, 'attempted');
    assert.equal(h.stage, 'initial-access');
    assert.deepEqual(h.cves, ['CVE-2021-26855', 'CVE-2021-27065']);
    assert.deepEqual(h.attack, ['T1190', 'T1059.001']);
    assert.deepEqual(h.references, [
      { name: 'bi-zone.medium.com', url: 'https://bi-zone.medium.com/hunting-down-ms-exchange-attacks-part-1-proxylogon-cve-2021-26855-26858-27065-26857-6e885c5f3fbb' },
      { name: 'internal note' },
    ]);
    assert.equal(h.time, '2021-03-14T01:40:12.987Z');
    assert.equal(h.source.kind, 'event');
    assert.equal(h.evidence['sigma.author'], 'Florian Roth (Nextron Systems)');
    assert.equal(h.evidence['sigma.license'], 'unknown');
    assert.equal(h.evidence['sigma.status'], 'test');
    assert.equal(h.evidence['sigma.file'], 'test.yml');
    assert.equal(h.evidence['sigma.level'], 'critical');
    assert.equal(h.evidence['sigma.logsource'], 'windows.msexchange-management');
    assert.equal(h.evidence['sigma.keywords'], '*OabVirtualDirectory*, * -ExternalUrl *, *eval(Request*, *<script*');
  });
  test('evidence holds the fields that matched, not those of negated parts', () => {
    const d = compileOne(`title: t
logsource:
    category: webserver
detection:
    selection:
        cs-method: 'POST'
        cs-uri-stem|endswith: '.aspx'
    filter:
        cs(User-Agent)|contains: 'probe'
    condition: selection and not filter
level: low
`);
    const h = d.match(iisRecord({ 'cs-method': 'POST', 'cs-uri-stem': '/owa/auth/x.aspx', 'c-ip': '203.0.113.9', 'cs(User-Agent)': 'curl' }), HOST);
    assert.ok(h);
    assert.equal(h.ruleId, 'sigma-t');
    assert.equal(h.clientIp, '203.0.113.9');
    assert.equal(h.source.line, 7);
    assert.equal(h.evidence['cs-method'], 'POST');
    assert.equal(h.evidence['cs-uri-stem'], '/owa/auth/x.aspx');
    assert.equal(h.evidence['cs(User-Agent)'], undefined);
    assert.equal(h.severity, 'low');
    assert.equal(h.outcome, 'context');
    assert.equal(h.stage, 'execution');
  });
  test('long evidence values are capped', () => {
    const d = compileOne(`title: t\nlogsource:\n    product: windows\ndetection:\n    s:\n        CommandLine|contains: 'x'\n    condition: s\n`);
    const h = d.match(winEvent({ CommandLine: 'x'.repeat(10_000) }), HOST);
    assert.ok((h?.evidence.CommandLine?.length ?? 0) < 4200);
  });
  test('attacker-controlled values never make match throw', () => {
    const d = compileOne(`title: t\nlogsource:\n    product: windows\ndetection:\n    s:\n        CommandLine|re: '(a+)+$'\n        CommandLine|base64offset|contains: 'x'\n        Ip|cidr: '10.0.0.0/8'\n        N|gt: 3\n        T|hour: 4\n    condition: 1 of them\n`);
    for (const v of ['', '\0', '\uffff'.repeat(1000), 'a'.repeat(50_000) + '!', '::::', '1e999', 'NaN', '2021-99-99T99:99']) {
      assert.doesNotThrow(() => d.match(winEvent({ CommandLine: v, Ip: v, N: v, T: v }), HOST));
    }
  });
});

describe('mapping helpers', () => {
  test('levels, tactics, techniques, CVEs and derived ids', () => {
    assert.equal(severityOf('informational'), 'info');
    assert.equal(severityOf(undefined), 'medium');
    assert.equal(stageOf(['attack.credential_access']), 'credential-access');
    assert.equal(stageOf(['attack.t1003', 'attack.persistence', 'attack.execution']), 'persistence');
    assert.equal(stageOf(['attack.discovery']), 'reconnaissance');
    assert.equal(stageOf([]), 'execution');
    assert.deepEqual(techniquesOf(['attack.t1059.001', 'attack.T1190', 'attack.execution', 'attack.t1190']), ['T1059.001', 'T1190']);
    assert.deepEqual(cvesOf(['cve.2021-26855', 'cve.2021.34473', 'cve.x']), ['CVE-2021-26855', 'CVE-2021-34473']);
    assert.equal(ruleIdOf({ id: undefined, title: 'Webshell Detection With Command Line Keywords!' }), 'sigma-webshell-detection-with-command-line-keywords');
  });
});
