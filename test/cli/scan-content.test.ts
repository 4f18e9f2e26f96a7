// End-to-end: the content families `exhunt scan` runs besides its own rules, as a user runs them:
// Sigma rules and correlations (--sigma), imported and bundled indicators (intel, --store,
// --no-intel), YARA rules on log lines (--yara-logs), and alert channels (--alert). The demo
// triage folder is synthetic (src/demo); the Sigma rules are SigmaHQ's, read from ../shared.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../src/core/finding.js';
import type { ScanSummary } from '../../src/core/summary.js';
import { generateDemo } from '../../src/demo/index.js';
import type { DemoManifest } from '../../src/demo/index.js';
import { startHttpReceiver } from '../alerts/helpers/http-receiver.js';
import type { HttpReceiver } from '../alerts/helpers/http-receiver.js';
import { exhunt, REPO, SHARED, tempDir } from '../helpers/cli.js';

interface Scan {
  readonly code: number;
  readonly stderr: string;
  readonly findings: Finding[];
  readonly summary: ScanSummary;
}

function readScan(out: string, code: number, stderr: string): Scan {
  const summaryPath = join(out, 'summary.json');
  assert.ok(existsSync(summaryPath), `no summary written; stderr: ${stderr}`);
  const findings = readFileSync(join(out, 'findings.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Finding);
  return { code, stderr, findings, summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as ScanSummary };
}

function scan(t: { after(fn: () => void): void }, args: readonly string[], env: Record<string, string> = {}): Scan {
  const out = tempDir(t, 'exhunt-out-');
  const r = exhunt(['scan', ...args, '--jsonl', join(out, 'findings.jsonl'), '--summary-json', join(out, 'summary.json'), '-q'], env);
  return readScan(out, r.code, r.stderr);
}

/** Runs exhunt without blocking this process (a receiver in this process must answer it). */
function scanAsync(t: { after(fn: () => void): void }, args: readonly string[]): Promise<Scan> {
  const out = tempDir(t, 'exhunt-out-');
  const child = spawn(
    process.execPath,
    [join(REPO, 'bin', 'exhunt.js'), 'scan', ...args, '--jsonl', join(out, 'findings.jsonl'), '--summary-json', join(out, 'summary.json')],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(readScan(out, code ?? -1, stderr)));
  });
}

const at = (f: Finding): string => `${f.source.path}:${f.source.line ?? ''}`;

let demo = '';
let manifest: DemoManifest;
let root = '';
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'exhunt-content-demo-'));
  demo = join(root, 'compromised');
  manifest = await generateDemo({ out: demo, profile: 'compromised', sizeBytes: 3_000_000, seed: 7, force: true });
});
after(() => rmSync(root, { recursive: true, force: true }));

void describe('scan --sigma', () => {
  const hafnium = join(SHARED, 'sigma', 'rules-emerging-threats', '2021', 'TA', 'HAFNIUM', 'web_exchange_exploitation_hafnium.yml');
  const proxyshell = join(SHARED, 'sigma', 'rules-emerging-threats', '2021', 'Exploits', 'ProxyShell-Exploit');

  void test("SigmaHQ's Exchange web rules run unchanged on the IIS logs and find the planted requests", (t) => {
    if (!existsSync(hafnium)) {
      t.skip('needs ../shared/data (sigma)');
      return;
    }
    const s = scan(t, [demo, '--sigma', hafnium, '--sigma', proxyshell, '--no-intel']);
    assert.equal(s.code, 1);
    const sigma = s.findings.filter((f) => f.evidence['sigma.file'] !== undefined);
    const titles = new Set(sigma.map((f) => f.title));
    assert.ok(titles.has('Exchange Exploitation Used by HAFNIUM'), [...titles].join(', '));
    assert.ok([...titles].some((x) => /ProxyShell/.test(x)), [...titles].join(', '));
    // Every Sigma finding is on a line the demo planted as attack traffic (no noise line).
    const planted = new Set(manifest.planted.filter((p) => p.line !== null).map((p) => `${p.path}:${p.line}`));
    for (const f of sigma) assert.ok(planted.has(at(f)), `${f.title} at ${at(f)} is not a planted line`);
    // The rule's author and licence travel with the finding (the DRL asks for it).
    assert.match(sigma[0]!.evidence['sigma.license'] ?? '', /DRL/);
    assert.ok(sigma[0]!.evidence['sigma.author']);
    assert.ok(s.summary.rulesLoaded > 26, 'the Sigma rules are counted with the built-in ones');
  });

  void test('a correlation rule counts the hits of its base rule per client over the whole scan', (t) => {
    // Synthetic rules (test/fixtures/sigma): POST requests with a scripted client's user agent,
    // and an event_count correlation over them per client.
    const rules = join(REPO, 'test', 'fixtures', 'sigma', 'scripted-post-correlation.yml');
    const s = scan(t, [demo, '--sigma', rules, '--no-intel']);
    const base = s.findings.filter((f) => f.ruleId === '6c1b0f3e-8a51-4c7e-9d0b-2f3a4b5c6d7e');
    const corr = s.findings.filter((f) => f.ruleId === '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a');
    assert.ok(base.length >= 2, `base rule hits: ${base.length}`);
    const perClient = new Map<string, number[]>();
    for (const f of base) perClient.set(f.clientIp ?? '', [...(perClient.get(f.clientIp ?? '') ?? []), Date.parse(f.time ?? '')]);
    // Each client with two base hits within an hour must have a correlation finding.
    const expected = [...perClient.entries()].filter(([, ts]) => ts.sort().some((x, i) => i > 0 && x - ts[i - 1]! <= 3_600_000)).map(([ip]) => ip);
    assert.ok(expected.length > 0, 'the demo plants repeated requests from one client');
    assert.ok(corr.length >= expected.length, `correlations: ${corr.length}, expected clients: ${expected.join(', ')}`);
    assert.equal(corr[0]!.severity, 'high');
  });

  void test('a broken Sigma rule is reported with its file and line, and the rest still runs', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'bad.yml'), 'title: broken (synthetic)\nlogsource: { category: webserver }\ndetection:\n  sel:\n    cs-uri-stem|nosuchmodifier: x\n  condition: sel\n');
    const s = scan(t, [demo, '--sigma', dir, '--no-intel']);
    const d = s.summary.diagnostics.find((x) => x.code === 'content');
    assert.ok(d, JSON.stringify(s.summary.diagnostics));
    assert.equal(d.path, join(dir, 'bad.yml'));
    assert.equal(d.line, 5);
    assert.equal(s.code, 1, 'the built-in rules still ran and found the planted evidence');
  });
});

void describe('scan with indicators', () => {
  void test('bundled indicators fold into the rule findings that already report the same value', (t) => {
    const withIntel = scan(t, [demo]);
    const without = scan(t, [demo, '--no-intel']);
    assert.deepEqual(withIntel.findings.map((f) => `${f.ruleId} ${at(f)}`), without.findings.map((f) => `${f.ruleId} ${at(f)}`));
    const folded = withIntel.findings.filter((f) => f.evidence.IntelSources);
    assert.ok(folded.some((f) => f.ruleId === 'Exchange.ProxyLogon.IisHafniumUserAgent' || f.ruleId === 'Exchange.WebShell.KnownPath'), folded.map((f) => f.ruleId).join());
    assert.ok(withIntel.summary.indicatorsLoaded > 100);
    assert.equal(without.summary.indicatorsLoaded, 0);
  });

  void test('indicators imported into a store are matched by a scan that names the store', (t) => {
    const dir = tempDir(t);
    const store = join(dir, 'exhunt.db');
    const list = join(dir, 'partner-ips.txt');
    // A synthetic partner list: one address the demo's attacker uses (documentation range).
    const attacker = manifest.planted.find((p) => p.kind === 'iis' && /192\.0\.2\.\d+/.test(p.match));
    const ip = attacker ? /192\.0\.2\.\d+/.exec(attacker.match)![0] : '192.0.2.41';
    writeFileSync(list, `# synthetic partner list\n${ip.replace(/\./g, '[.]')}\n`);
    const imp = exhunt(['intel', 'import', list, '--store', store, '--source', 'Partner CERT']);
    assert.equal(imp.code, 0, imp.stderr);
    const s = scan(t, [demo, '--store', store]);
    const hits = s.findings.filter((f) => (f.evidence.IntelSources ?? '').includes('Partner CERT'));
    assert.ok(hits.length > 0, 'the imported address is matched');
    for (const f of hits) assert.equal(f.clientIp, ip);
    const plain = scan(t, [demo, '--store', store, '--no-intel']);
    assert.equal(plain.findings.filter((f) => (f.evidence.IntelSources ?? '').includes('Partner CERT')).length, 0);
  });

  void test('a store that does not exist is reported, not created', (t) => {
    const missing = join(tempDir(t), 'none', 'exhunt.db');
    const s = scan(t, [demo, '--store', missing]);
    assert.ok(s.summary.diagnostics.some((d) => d.code === 'content' && /no exhunt store/.test(d.message)));
    assert.equal(existsSync(missing), false);
  });
});

void describe('scan --yara-logs', () => {
  void test('a YARA rule for log lines reports each matching line with its line number', (t) => {
    const dir = tempDir(t);
    const rule = join(dir, 'lines.yar');
    // Synthetic rule written for this test.
    writeFileSync(rule, 'rule Synthetic_Ecp_Y_Js : LOG { strings: $a = "/ecp/y.js" nocase condition: $a }\n');
    const s = scan(t, [demo, '--yara-logs', rule, '--no-intel']);
    const hits = s.findings.filter((f) => f.ruleId.includes('Synthetic_Ecp_Y_Js'));
    assert.ok(hits.length > 0, JSON.stringify(s.summary.diagnostics));
    for (const f of hits) {
      assert.ok(f.source.line !== null && f.source.line > 0);
      const lines = readFileSync(join(demo, f.source.path), 'utf8').split('\n');
      assert.match(lines[f.source.line - 1] ?? '', /\/ecp\/y\.js/i, `${at(f)}`);
    }
  });
});

void describe('scan --yara with signature-base', () => {
  void test("signature-base's LOG rules find the planted log traces at their lines, and only there", (t) => {
    const rules = join(SHARED, 'signature-base', 'yara-all');
    if (!existsSync(rules)) {
      t.skip('needs ../shared/data (signature-base)');
      return;
    }
    const s = scan(t, [demo, '--yara', rules, '--no-intel']);
    const lineHits = s.findings.filter((f) => f.ruleId.startsWith('yara:') && f.source.line !== null);
    const names = new Set(lineHits.map((f) => f.ruleId));
    for (const expected of ['LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1', 'EXPL_LOG_CVE_2021_27055_Exchange_Forensic_Artefacts', 'EXPL_Exchange_ProxyShell_Successful_Aug21_1']) {
      assert.ok([...names].some((n) => n.endsWith(`.${expected}`)), `${expected} not among ${[...names].join(', ')}`);
    }
    const planted = new Set(manifest.planted.filter((p) => p.line !== null).map((p) => `${p.path}:${p.line}`));
    for (const f of lineHits) assert.ok(planted.has(at(f)), `${f.ruleId} at ${at(f)} is not a planted line`);
  });
});

void describe('scan --yara --deep', () => {
  void test('sweeps files outside the web and staging folders only when asked', (t) => {
    const rules = join(SHARED, 'signature-base', 'yara-all', 'apt_webshell_chinachopper.yar');
    if (!existsSync(rules)) {
      t.skip('needs ../shared/data (signature-base)');
      return;
    }
    // The demo's synthetic China Chopper, copied where no file rule looks.
    const shell = manifest.planted.find((p) => p.kind === 'file' && /chopper/i.test(p.id));
    assert.ok(shell, 'the demo plants a China Chopper shell');
    const tree = tempDir(t);
    mkdirSync(join(tree, 'C', 'Users', 'Public'), { recursive: true });
    mkdirSync(join(tree, 'C', 'Windows', 'Temp'), { recursive: true });
    writeFileSync(join(tree, 'C', 'Users', 'Public', 'notes.txt'), readFileSync(join(demo, shell.path)));
    const shallow = scan(t, [tree, '--yara', rules, '--no-intel']);
    assert.equal(shallow.findings.length, 0);
    const deep = scan(t, [tree, '--yara', rules, '--no-intel', '--deep']);
    const hit = deep.findings.find((f) => f.ruleId.endsWith('.ChinaChopper_Generic'));
    assert.ok(hit, JSON.stringify(deep.findings.map((f) => f.ruleId)));
    assert.equal(hit.source.path, 'C/Users/Public/notes.txt');
    assert.equal(exhunt(['scan', tree, '--deep']).code, 2, '--deep without --yara is a usage error');
  });
});

void describe('scan --alert', () => {
  let rx: HttpReceiver;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.stop());

  void test('every finding at or above medium reaches the webhook once; a second scan sends nothing', async (t) => {
    const store = join(tempDir(t), 'exhunt.db');
    mkdirSync(join(store, '..'), { recursive: true });
    const uri = `${rx.url}/soc?name=soc`;
    const first = await scanAsync(t, [demo, '--alert', uri, '--store', store, '--no-intel']);
    assert.equal(first.code, 1, first.stderr);
    const serious = first.findings.filter((f) => ['medium', 'high', 'critical'].includes(f.severity));
    assert.equal(rx.requests.length, serious.length, first.stderr);
    assert.match(first.stderr, new RegExp(`alerts: soc \\(.*\\): ${serious.length} delivered`));
    const second = await scanAsync(t, [demo, '--alert', uri, '--store', store, '--no-intel']);
    assert.equal(rx.requests.length, serious.length, 'nothing sent twice');
    assert.match(second.stderr, /alerts: soc \(.*\): 0 delivered/);
  });

  void test('a bad alert URI stops the scan before it reads anything (exit code 2)', () => {
    const r = exhunt(['scan', demo, '--alert', 'gopher://x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /gopher/);
  });
});
