// scanLogLines: the second pass over a log file's bytes gives the same hits, at the same line
// numbers, as scanning each line; UTF-16 with a byte-order mark, CRLF, a last line without a line
// break and lines over the limit. On signature-base's log rules over the demo folder's logs and
// synthetic ProxyShell, ProxyNotShell, OWASSRF and HAFNIUM traces, the batched pass (gate, then
// exact scans of the lines it leaves) reports exactly what scanning every line alone reports.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { Hit } from '../../core/finding.js';
import { generateDemo } from '../../demo/index.js';
import { compileYara, subsetText } from './compile.js';
import { LogLinesPass, scanLogLines } from './log-lines.js';
import { YaraScanner } from './scan.js';
import { collectUnits } from './sources.js';
import { CHIRP, SIGNATURE_BASE, fixture, rawLines, requireBinding, requireShared, sharedScanner } from './testutil.js';

function stream(bytes: Buffer, chunk = 7): () => Promise<Readable> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return () => Promise.resolve(Readable.from(parts));
}

const at = (hits: readonly Hit[]): string[] => hits.map((h) => `${h.source.line} ${h.ruleId}`);

test('scanLogLines finds what scanLine finds, whatever the encoding and line ends', async (t) => {
  if (!requireBinding(t)) return;
  const s = sharedScanner({ rules: [fixture('rules'), fixture('chirp.yaml')] });
  const text = readFileSync(fixture('logs', 'synthetic-iis.log'), 'utf8');
  const expected = at(text.split('\n').flatMap((l, i) => s.scanLine(l, { path: 'u.log', line: i + 1, kind: 'iis' })));
  assert.deepEqual(expected, ['8 yara:fixture_basic.Fixture_Log_Line', '10 yara:chirp_2.chirp_fixture_log']);
  const opts = { path: 'u.log', kind: 'iis' as const };
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(text)), opts)), expected);
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(text.replace(/\n/g, '\r\n'))), opts)), expected);
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(text.trimEnd())), opts)), expected, 'no final line break');
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(`\ufeff${text}`, 'utf16le'), 5), opts)), expected, 'UTF-16LE');
  const be = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  assert.deepEqual(at(await scanLogLines(s, stream(be), opts)), expected, 'UTF-16BE');
  const long = `${'x'.repeat(300)}POST /exhunt/attack.aspx\nPOST /exhunt/attack.aspx\n`;
  assert.deepEqual(at(await scanLogLines(s, stream(Buffer.from(long), 64), { ...opts, maxLineBytes: 100 })), ['2 yara:fixture_basic.Fixture_Log_Line']);
});

test('a pass fed the parser\'s chunks from one reused buffer finds what scanLogLines finds', async (t) => {
  if (!requireBinding(t)) return;
  const s = sharedScanner({ rules: [fixture('rules'), fixture('chirp.yaml')] });
  const text = readFileSync(fixture('logs', 'synthetic-iis.log'), 'utf8');
  const opts = { path: 'u.log', kind: 'iis' as const, batchBytes: 64 };
  for (const bytes of [Buffer.from(text), Buffer.from(`\ufeff${text}`, 'utf16le')]) {
    const expected = at(await scanLogLines(s, stream(bytes), opts));
    assert.ok(expected.length > 0);
    for (const size of [1, 5, 64, 4096]) {
      const pass = new LogLinesPass(s, opts);
      const reused = Buffer.alloc(size);
      for (let i = 0; i < bytes.length; i += size) {
        const n = bytes.copy(reused, 0, i, i + size);
        pass.chunk(reused.subarray(0, n), true);
        reused.fill(0x41);
      }
      assert.deepEqual(at(pass.end()), expected, `chunks of ${size}`);
    }
  }
});

test('a pass fed the lines a prefilter with the scanner\'s literals lets through finds what scanLogLines finds', async (t) => {
  if (!requireBinding(t)) return;
  const s = sharedScanner({ rules: [fixture('rules'), fixture('chirp.yaml')] });
  assert.ok(s.lineLiterals, 'the fixture rules have prefilter literals');
  const text = readFileSync(fixture('logs', 'synthetic-iis.log'), 'utf8');
  const bytes = Buffer.from(text.replace(/\n/g, '\r\n'));
  const opts = { path: 'u.log', kind: 'iis' as const, batchBytes: 64 };
  const expected = at(await scanLogLines(s, stream(bytes), opts));
  assert.ok(expected.length > 0);
  const { compileLiterals } = await import('../../sources/lines/literals.js');
  const prefilter = compileLiterals([...s.lineLiterals, 'get']);
  for (const lines of ['all', 'prefiltered'] as const) {
    const pass = new LogLinesPass(s, opts);
    for (const { line, start, end } of rawLines(bytes)) {
      if (lines === 'all' || !prefilter || prefilter.test(bytes, start, end)) pass.line(bytes, start, end, line);
    }
    assert.deepEqual(at(pass.end()), expected, lines);
  }
});

/** Every line alone, split and decoded as the per-line pass always did: the reference. */
function eachLineAlone(s: YaraScanner, bytes: Buffer, path: string): Hit[] {
  const out: Hit[] = [];
  const start0 = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (const { line, start, end } of rawLines(bytes, start0)) out.push(...s.scanLine(bytes.toString('utf8', start, end), { path, line, kind: 'iis' }));
  return out;
}

/** Synthetic traces of the Exchange attacks, each between benign lines that share its words. */
const TRACES = [
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-08-13 14:22:30 10.0.0.5 GET /autodiscover/autodiscover.json/v1.0/alice@contoso.com Protocol=ActiveSync&RedirectCount=1 443 - 198.51.100.7 Outlook-iOS/709.2226530.prod.iphone - 200 0 0 46',
  '2021-08-13 14:22:31 10.0.0.5 GET /autodiscover/autodiscover.json @evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.66 python-requests/2.26.0 - 200 0 0 15',
  '2021-08-13 14:22:40 10.0.0.5 POST /autodiscover/autodiscover.json @evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9z&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.66 python-requests/2.26.0 - 401 0 0 12',
  '2021-08-13 14:22:41 10.0.0.5 POST /autodiscover/autodiscover.json @evil.corp/EWS/exchange.asmx?&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.66 python-requests/2.26.0 - 302 0 0 12',
  '2022-10-03 09:41:07 10.0.0.5 POST /autodiscover/autodiscover.json @evil.corp/owa/&Email=autodiscover/autodiscover.json%3F@evil.corp&Protocol=XYZ&FooProtocol=Powershell 443 CONTOSO\\bob 203.0.113.67 python-requests/2.28.1 - 200 0 0 31',
  '2022-10-03 09:41:08 10.0.0.5 GET /autodiscover/autodiscover.json x=a 443 - 203.0.113.67 python-requests/2.28.1 - 200 0 0 3',
  '2022-12-20 21:03:55 10.0.0.5 POST /owa/mastermailbox%40outlook.com/powershell - 443 CONTOSO\\carol 203.0.113.68 python-requests/2.28.1 - 200 0 0 55',
  '2022-12-20 21:03:56 10.0.0.5 POST /powershell - 444 CONTOSO\\carol 127.0.0.1 Microsoft+WinRM+Client - 200 0 0 9',
  '2021-03-03 04:02:11 10.0.0.5 POST /ecp/y.js &CorrelationID=<empty>;&cafeReqId=9f1c2b3a-1111-4222-8333-944455556666; 443 - 203.0.113.66 ExchangeServicesClient/0.0.0.0 - 200 0 0 15',
  '2021-03-03 04:02:12 10.0.0.5 POST /owa/auth/Current/themes/resources/logon.css &CorrelationID=<empty>;&cafeReqId=9f1c2b3a-2222-4222-8333-944455556666; 443 - 203.0.113.66 python-requests/2.25.1 - 200 0 0 9',
  '2021-03-03 04:02:13 10.0.0.5 POST /ecp/DDI/DDIService.svc/SetObject ServerInfo~a]@mail.contoso.com:444/ecp/proxyLogon.ecp?#~1941962753 443 - 203.0.113.66 python-requests/2.25.1 - 241 0 0 20',
  '2021-03-03 04:02:14 10.0.0.5 GET /rpc/ &CorrelationID=<empty>;&RequestId=0a1b2c3d-4e5f-6789-abcd-ef0123456789&cafeReqId=9f1c2b3a-3333-4222-8333-944455556666; 443 - 203.0.113.66 python-requests/2.25.1 - 200 0 0 9',
  '2021-03-03 04:02:15 10.0.0.5 POST /aspnet_client/discover.aspx - 443 - 203.0.113.66 antSword/v2.1 - 200 0 0 9 cmd.exe /c cd /d C:/inetpub/wwwroot/aspnet_client',
  '2021-03-03 04:03:00 10.0.0.5 GET /owa/ - 443 CONTOSO\\alice 198.51.100.7 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 31',
];

test('signature-base log rules over the demo logs and attack traces: batched lines = every line alone', async (t) => {
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE, CHIRP)) return;
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-yara-lines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The log set a scan with --yara yara-all compiles: each file's log rules (and what they need),
  // in a file named after the file's namespace.
  const rulesDir = join(dir, 'rules');
  const demoDir = join(dir, 'demo');
  mkdirSync(rulesDir, { recursive: true });
  for (const u of collectUnits([SIGNATURE_BASE], 'auto').units) {
    const sub = subsetText(u, 'logs');
    if (sub) writeFileSync(join(rulesDir, `${u.namespace}.yar`), sub.text);
  }
  const compiled = compileYara({ rules: [CHIRP], logRules: [rulesDir] });
  t.after(() => compiled.close());
  assert.ok(compiled.report.sets.logs >= 50, `log rules: ${compiled.report.sets.logs}`);
  assert.equal(compiled.report.lineGate, true);
  const batched = new YaraScanner(compiled);
  const alone = new YaraScanner({ ...compiled, logGate: null, lineLiterals: null });
  const prefiltered = new YaraScanner({ ...compiled, logGate: null });

  await generateDemo({ out: demoDir, sizeBytes: 2_000_000, threads: 0 });
  const logs: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.log$/i.test(name)) logs.push(p);
    }
  };
  walk(demoDir);
  const traces = join(dir, 'traces.log');
  writeFileSync(traces, `${TRACES.join('\r\n')}\r\n`);
  logs.push(traces);

  const found = new Set<string>();
  for (const f of logs) {
    const bytes = readFileSync(f);
    const expected = eachLineAlone(alone, bytes, f);
    const open = (): Promise<Readable> => Promise.resolve(Readable.from([bytes]));
    assert.deepEqual(await scanLogLines(batched, open, { path: f, kind: 'iis' }), expected, f);
    assert.deepEqual(await scanLogLines(prefiltered, open, { path: f, kind: 'iis' }), expected, `${f} (literal prefilter)`);
    for (const h of expected) found.add(`${f === traces ? 'traces' : 'demo'} ${h.ruleId}`);
  }
  for (const id of [
    'demo yara:expl_proxyshell.EXPL_Exchange_ProxyShell_Successful_Aug21_1',
    'demo yara:expl_cve_2022_41040_proxynoshell.EXPL_Exchange_ProxyNotShell_Patterns_CVE_2022_41040_Oct22_1',
    'demo yara:expl_proxynotshell_owassrf_dec22.EXPL_LOG_ProxyNotShell_OWASSRF_PowerShell_Proxy_Log_Dec22_1',
    'demo yara:apt_hafnium_log_sigs.LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1',
    'traces yara:expl_proxyshell.EXPL_Exchange_ProxyShell_Successful_Aug21_1',
    'traces yara:expl_proxyshell.EXPL_Exchange_ProxyShell_Failed_Aug21_1',
    'traces yara:expl_cve_2022_41040_proxynoshell.EXPL_Exchange_ProxyNotShell_Patterns_CVE_2022_41040_Oct22_1',
    'traces yara:vuln_proxynotshell_cve_2022_41040.LOG_ProxyNotShell_POC_CVE_2022_41040_Nov22',
    'traces yara:expl_proxynotshell_owassrf_dec22.EXPL_LOG_ProxyNotShell_OWASSRF_PowerShell_Proxy_Log_Dec22_1',
    'traces yara:apt_hafnium_log_sigs.LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1',
    'traces yara:apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_26858_Exchange_Forensic_Artefacts_Mar21_1',
    'traces yara:apt_hafnium_log_sigs.LOG_CVE_2021_27065_Exchange_Forensic_Artefacts_Mar21_2',
    'traces yara:AA21062A_3.ecp_user_agents',
  ]) {
    assert.ok(found.has(id), `${id} (found: ${[...found].sort().join(', ')})`);
  }
  // The gate leaves only lines that hold a string some rule needs.
  assert.ok(batched.stats.lineCandidates * 100 < batched.stats.lines, `${batched.stats.lineCandidates} of ${batched.stats.lines} lines scanned exactly`);
});
