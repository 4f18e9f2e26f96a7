// Log sources and field mappings from content/pipelines: routing records to rules before
// matching, IIS as Sigma's webserver and proxy categories, Windows channels and event ids,
// Security 4688 as process creation, the Data pseudo-field, Exchange's own log sources, and
// the pipeline file format.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { loadSigmaText } from '../load.js';
import { compileOne, iisRecord, procRule, record, winEvent } from '../testing/fixtures.js';
import { ContentCache } from '../../../content/cache.js';
import { builtinPipelineFiles, loadPipelines, parsePipelineText } from './load.js';

const web = (detection: string): string => procRule(detection, 'category: webserver');
const proxy = (detection: string): string => procRule(detection, 'category: proxy');

describe('webserver on IIS W3C records', () => {
  test('cs-uri-query is stem + ? + query; cs-uri-stem stays the stem', () => {
    const d = compileOne(web("selection:\n    cs-uri-query|contains|all:\n        - '/owa/'\n        - '/powershell'\n        - 'email='\ncondition: selection"));
    assert.ok(d.test(iisRecord({ 'cs-uri-stem': '/autodiscover/autodiscover.json', 'cs-uri-query': '@x.com/owa/?&Email=autodiscover/powershell' })));
    assert.ok(!d.test(iisRecord({ 'cs-uri-stem': '/owa/powershell', 'cs-uri-query': 'x=1' })));
    const stem = compileOne(web("selection:\n    cs-uri-stem: '/ecp/y.js'\ncondition: selection"));
    assert.ok(stem.test(iisRecord({ 'cs-uri-stem': '/ecp/y.js', 'cs-uri-query': 'a=b' })));
    assert.ok(!stem.test(iisRecord({ 'cs-uri-stem': '/ecp/y.jsx' })));
    const full = compileOne(web("selection:\n    cs-uri-query|contains: '.aspx?cmd='\ncondition: selection"));
    assert.ok(full.test(iisRecord({ 'cs-uri-stem': '/aspnet_client/x.aspx', 'cs-uri-query': 'cmd=whoami' })));
  });
  test('cs-uri-query: null still means "no query"', () => {
    const d = compileOne(web("selection:\n    cs-uri-stem|contains: '/wp-content/'\nfilter:\n    cs-uri-query: null\ncondition: selection and not filter"));
    assert.ok(d.test(iisRecord({ 'cs-uri-stem': '/wp-content/x.php', 'cs-uri-query': 'a=1' })));
    assert.ok(!d.test(iisRecord({ 'cs-uri-stem': '/wp-content/x.php' })));
  });
  test('user agents match with spaces and with W3C +', () => {
    const d = compileOne(web("selection:\n    cs-user-agent|contains: 'Mozilla/5.0 (Windows NT 10.0'\ncondition: selection"));
    assert.ok(d.test(iisRecord({ 'cs(User-Agent)': 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)' })));
    assert.ok(d.test(iisRecord({ 'cs(User-Agent)': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' })));
    const plus = compileOne(web("selection:\n    cs-user-agent: 'python-requests/2.25.1'\ncondition: selection"));
    assert.ok(plus.test(iisRecord({ 'cs(User-Agent)': 'python-requests/2.25.1' })));
    const ref = compileOne(web("selection:\n    cs-referer|contains: 'evil'\ncondition: selection"));
    assert.ok(ref.test(iisRecord({ 'cs(Referer)': 'http://evil/' })));
  });
  test('sc-status compares as a number and as text', () => {
    assert.ok(compileOne(web('selection:\n    sc-status: 200\ncondition: selection')).test(iisRecord({ 'sc-status': '200' })));
    assert.ok(compileOne(web("selection:\n    sc-status: '200'\ncondition: selection")).test(iisRecord({ 'sc-status': '200' })));
    assert.ok(compileOne(web('selection:\n    sc-status|gte: 500\ncondition: selection')).test(iisRecord({ 'sc-status': '503' })));
    assert.ok(!compileOne(web('selection:\n    sc-status: 200\ncondition: selection')).test(iisRecord({ 'sc-status': '404' })));
  });
  test('keywords search the built URI too', () => {
    const d = compileOne(web("keywords:\n    - '.aspx?cmd='\ncondition: keywords"));
    assert.ok(d.test(iisRecord({ 'cs-uri-stem': '/x.aspx', 'cs-uri-query': 'cmd=dir' })));
    assert.ok(!d.test(iisRecord({ 'cs-uri-stem': '/x.aspx', 'cs-uri-query': 'foo=dir' })));
  });
  test('webserver rules never see event records', () => {
    const d = compileOne(web("selection:\n    cs-method: 'POST'\ncondition: selection"));
    assert.deepEqual(d.kinds, ['iis']);
    assert.ok(!d.test(winEvent({ 'cs-method': 'POST' })));
  });
});

describe('proxy on IIS W3C records', () => {
  test('c-uri, c-useragent, c-uri-extension, cs-host, src_ip', () => {
    const d = compileOne(proxy("selection:\n    cs-method: 'POST'\n    sc-status: 200\n    c-uri|contains|all:\n        - '/owa/'\n        - '/powershell'\n    c-uri|contains: '@'\nfilter:\n    c-useragent: 'Microsoft WinRM Client'\ncondition: selection and not filter"));
    const rec = (ua: string): ReturnType<typeof iisRecord> => iisRecord({ 'cs-method': 'POST', 'sc-status': '200', 'cs-uri-stem': '/owa/mastermailbox@outlook.com/powershell', 'cs(User-Agent)': ua });
    assert.ok(d.test(rec('python-requests/2.28')));
    assert.ok(!d.test(rec('Microsoft+WinRM+Client')));
    const ext = compileOne(proxy("selection:\n    c-uri-extension: 'aspx'\ncondition: selection"));
    assert.ok(ext.test(iisRecord({ 'cs-uri-stem': '/owa/auth/x.ASPX' })));
    const ip = compileOne(proxy("selection:\n    src_ip|cidr: '10.0.0.0/8'\ncondition: selection"));
    assert.ok(ip.test(iisRecord({ 'c-ip': '10.1.1.1' })));
  });
});

describe('Windows event logs', () => {
  test('process_creation is Sysmon 1 and Security 4688 with its fields mapped', () => {
    const d = compileOne(procRule("selection:\n    Image|endswith: '\\python.exe'\n    ParentImage|endswith: '\\cmd.exe'\n    CommandLine|contains: 'poc'\ncondition: selection", 'category: process_creation\nproduct: windows'));
    assert.ok(d.test(winEvent({ Image: 'C:\\py\\python.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'python poc.py' })));
    const sec = winEvent({ Channel: 'Security', EventID: '4688', NewProcessName: 'C:\\py\\python.exe', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'python poc.py' });
    assert.ok(d.test(sec));
    assert.equal(d.view(sec)?.routeId, 'windows.process_creation.security');
    assert.ok(d.test(winEvent({ Channel: 'Security', EventID: '4688', NewProcessName: 'C:\\python.exe', ParentProcessName: 'C:\\cmd.exe', ProcessCommandLine: 'poc' })));
    assert.ok(!d.test(winEvent({ Channel: 'Security', EventID: '4689', NewProcessName: 'C:\\py\\python.exe', ParentProcessName: 'C:\\cmd.exe', CommandLine: 'poc' })));
    assert.ok(!d.test(winEvent({ EventID: '11', Image: 'C:\\py\\python.exe', ParentImage: 'C:\\cmd.exe', CommandLine: 'poc' })), 'file_event is not process_creation');
  });
  test('service security uses the Security channel field names as they are', () => {
    const d = compileOne(procRule("selection:\n    EventID: 4688\n    NewProcessName|endswith: '\\whoami.exe'\ncondition: selection", 'product: windows\nservice: security'));
    assert.ok(d.test(winEvent({ Channel: 'Security', EventID: '4688', NewProcessName: 'C:\\Windows\\System32\\whoami.exe' })));
    assert.ok(!d.test(winEvent({ Channel: 'System', EventID: '4688', NewProcessName: 'C:\\Windows\\System32\\whoami.exe' })));
  });
  test('msexchange-management is the MSExchange Management channel', () => {
    const d = compileOne(procRule("keywords:\n    '|all':\n        - 'Set-OabVirtualDirectory'\n        - 'ExternalUrl'\n        - 'Page_Load'\ncondition: keywords", 'product: windows\nservice: msexchange-management'));
    const msg = 'Cmdlet suceeded. Cmdlet Set-OabVirtualDirectory, parameters -ExternalUrl "http://ffff/#<script language="JScript" runat="server"> function Page_Load(){}</script>"';
    assert.ok(d.test(winEvent({ Channel: 'MSExchange Management', EventID: '1', Message: msg })));
    assert.ok(!d.test(winEvent({ Channel: 'Application', EventID: '1', Message: msg })));
  });
  test('registry categories follow the Sysmon event type', () => {
    const add = compileOne(procRule("selection:\n    TargetObject|contains: 'Run'\ncondition: selection", 'category: registry_add\nproduct: windows'));
    assert.ok(add.test(winEvent({ EventID: '12', EventType: 'CreateKey', TargetObject: 'HKLM\\Run' })));
    assert.ok(!add.test(winEvent({ EventID: '12', EventType: 'DeleteKey', TargetObject: 'HKLM\\Run' })));
    const set = compileOne(procRule("selection:\n    TargetObject|contains: 'Run'\ncondition: selection", 'category: registry_set\nproduct: windows'));
    assert.ok(set.test(winEvent({ EventID: '13', EventType: 'SetValue', TargetObject: 'HKLM\\Run' })));
  });
  test('ps_script is 4104 in both PowerShell channels', () => {
    const d = compileOne(procRule("selection:\n    ScriptBlockText|contains: 'MiniDumpWriteDump'\ncondition: selection", 'category: ps_script\nproduct: windows'));
    for (const ch of ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']) {
      assert.ok(d.test(winEvent({ Channel: ch, EventID: '4104', ScriptBlockText: '[x]::MiniDumpWriteDump(' })), ch);
    }
    assert.ok(!d.test(winEvent({ Channel: 'Microsoft-Windows-PowerShell/Operational', EventID: '4103', ScriptBlockText: 'MiniDumpWriteDump' })));
  });
  test('Data is every event data value, one by one and joined', () => {
    const d = compileOne(procRule("selection:\n    Data|contains: 'HostApplication=powershell'\ncondition: selection", 'category: ps_classic_start\nproduct: windows'));
    assert.ok(d.test(winEvent({ Channel: 'Windows PowerShell', EventID: '400', Data1: 'Available', Data2: 'NewEngineState=Available HostApplication=powershell -enc x' })));
    const exact = compileOne(procRule("selection:\n    Data: 'Available'\ncondition: selection", 'category: ps_classic_start\nproduct: windows'));
    assert.ok(exact.test(winEvent({ Channel: 'Windows PowerShell', EventID: '400', Data1: 'Available', Data2: 'x' })));
  });
  test('field names with spaces are found with the spaces stripped (specification, "Field Usage")', () => {
    const d = compileOne(procRule("selection:\n    ThreatName|endswith: 'EICAR_Test_File'\ncondition: selection", 'product: windows\nservice: windefend'));
    assert.ok(d.test(winEvent({ Channel: 'Microsoft-Windows-Windows Defender/Operational', EventID: '1116', 'Threat Name': 'Virus:DOS/EICAR_Test_File' })));
  });
  test('antivirus is Defender detections with Signature and Filename mapped', () => {
    const d = compileOne(procRule("selection:\n    Signature|contains: 'Mimikatz'\ncondition: selection", 'category: antivirus'));
    assert.ok(d.test(winEvent({ Channel: 'Microsoft-Windows-Windows Defender/Operational', EventID: '1116', ThreatName: 'HackTool:Win32/Mimikatz' })));
  });
});

describe('Exchange log sources and routing', () => {
  test('product exchange with service httpproxy, ecp, oab', () => {
    const hp = compileOne(procRule("selection:\n    AnchorMailbox|startswith: 'ServerInfo~'\n    AnchorMailbox|contains: '/ecp/'\ncondition: selection", 'product: exchange\nservice: httpproxy'));
    assert.deepEqual(hp.kinds, ['httpproxy']);
    assert.ok(hp.test(record('httpproxy', { AnchorMailbox: 'ServerInfo~a]@x:444/ecp/proxyLogon.ecp?#' })));
    assert.ok(!hp.test(record('iis', { AnchorMailbox: 'ServerInfo~a]@x:444/ecp/proxyLogon.ecp?#' })));
    const ecp = compileOne(procRule("selection:\n    CMD|contains: 'Set-OabVirtualDirectory'\ncondition: selection", 'product: exchange\nservice: ecp'));
    assert.ok(ecp.test(record('ecp', { CMD: "Set-OabVirtualDirectory.ExternalUrl='http://f/<script>'" })));
    const oab = compileOne(procRule("selection:\n    Message|contains: 'Download failed and temporary file'\ncondition: selection", 'product: exchange\nservice: oab'));
    assert.ok(oab.test(record('oab', { Message: "Download failed and temporary file '\\\\127.0.0.1\\c$\\x.aspx' needs to be removed" })));
  });
  test('rules no exhunt log source fits load but do not run', () => {
    const r = loadSigmaText(procRule("selection:\n    eventName: 'ConsoleLogin'\ncondition: selection", 'product: aws\nservice: cloudtrail'), 'x.yml');
    assert.equal(r.failed.length, 0);
    assert.equal(r.detectors.length, 0);
    assert.equal(r.unrouted.length, 1);
    assert.deepEqual(r.unrouted[0]!.logsource, { product: 'aws', service: 'cloudtrail' });
  });
});

describe('pipeline files', () => {
  test('the built-in pipelines parse', () => {
    const r = loadSigmaText(procRule("selection:\n    a: b\ncondition: selection"), 'x.yml');
    assert.deepEqual(r.failed, []);
  });
  test('the fast YAML reader and the yaml library read the built-in pipelines alike', () => {
    for (const file of builtinPipelineFiles()) {
      const text = readFileSync(file, 'utf8');
      // The fast reader leaves CRLF text to the library.
      assert.deepEqual(parsePipelineText(text, file), parsePipelineText(text.replaceAll('\n', '\r\n'), file), file);
    }
  });
  test('the built-in pipelines come from the build-time content cache, as they parse', () => {
    const cache = ContentCache.open();
    assert.ok(cache, 'npm run build writes the cache');
    for (const file of builtinPipelineFiles()) {
      const bytes = readFileSync(file);
      const cached = cache.pipeline(`pipelines/${basename(file)}`, bytes);
      assert.ok(cached, file);
      assert.deepEqual(parsePipelineText(bytes.toString('utf8'), file), loadPipelines([file]).entries, file);
    }
  });
  test('errors name the file, line and reason', () => {
    assert.throws(
      () => parsePipelineText('name: x\nlogsources:\n  - id: a\n    sigma: { category: c }\n    kind: nosuchkind\n', 'p.yaml'),
      (e: Error) => /p\.yaml:5:\d+: logsources\.0\.kind/.test(e.message),
    );
    assert.throws(() => parsePipelineText('name: x\nlogsources:\n  - id: a\n    sigma: {}\n    kind: iis\n', 'p.yaml'), /at least one of category/);
    assert.throws(() => parsePipelineText('name: x\nlogsources:\n  - id: a\n    sigma: { category: c }\n    kind: iis\n    unknown: 1\n', 'p.yaml'), /unknown|Unrecognized/i);
  });
  test('a user pipeline adds log sources and can replace a built-in one by id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-pipe-'));
    const file = join(dir, 'mine.yaml');
    writeFileSync(
      file,
      'name: mine\nlogsources:\n  - id: custom.app\n    sigma: { product: myapp }\n    kind: oab\n    fields:\n      msg: Message\n  - id: exchange.oab\n    sigma: { product: exchange, service: oab }\n    kind: oab\n    where: { Level: Error }\n',
    );
    const custom = compileOne(procRule("selection:\n    msg|contains: 'boom'\ncondition: selection", 'product: myapp'), { pipelines: [file] });
    assert.ok(custom.test(record('oab', { Message: 'a boom b' })));
    const oab = compileOne(procRule("selection:\n    Message|contains: 'boom'\ncondition: selection", 'product: exchange\nservice: oab'), { pipelines: [file] });
    assert.ok(!oab.test(record('oab', { Message: 'boom' })), 'the replaced entry now needs Level: Error');
    assert.ok(oab.test(record('oab', { Message: 'boom', Level: 'error' })));
  });
});
