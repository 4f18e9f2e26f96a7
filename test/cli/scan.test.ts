// End-to-end: `exhunt scan` as a user runs it, on synthetic demo triage folders of each profile
// (planted evidence must all be found, with nothing else flagged), a zip of one, single files,
// the real IIS log in ../shared, and bad inputs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../src/core/finding.js';
import type { ScanSummary } from '../../src/core/summary.js';
import { generateDemo } from '../../src/demo/index.js';
import type { DemoManifest, DemoProfile } from '../../src/demo/index.js';
import { exhunt, SHARED, tempDir } from '../helpers/cli.js';
import { zipFolder } from '../helpers/zip.js';

/** Which rule each kind of planted evidence must raise. */
const EXPECT: Readonly<Record<string, readonly string[]>> = {
  'ssrf-anchor': ['Exchange.ProxyLogon.SsrfHttpProxy'],
  'ssrf-autodiscover': ['Exchange.ProxyLogon.SsrfHttpProxy'],
  'ssrf-localhost': ['Exchange.ProxyLogon.SsrfHttpProxy'],
  'ssrf-backendcookie': ['Exchange.ProxyLogon.SsrfHttpProxy'],
  'reset-vdir': ['Exchange.ProxyLogon.ResetVirtualDirectory'],
  'ecp-set-vdir-script': ['Exchange.ProxyLogon.EcpSetVirtualDirectoryScript'],
  'oab-download-outside': ['Exchange.ProxyLogon.OabDownloadOutsideOab'],
  'iis-ssrf-post': ['Exchange.ProxyLogon.IisSsrfStaticResource'],
  proxyshell: ['Exchange.ProxyShell.AutodiscoverSsrf'],
  proxynotshell: ['Exchange.ProxyShell.AutodiscoverSsrf'],
  owassrf: ['Exchange.Owassrf.OwaPowershell'],
  'iis-webshell-post': ['Exchange.WebShell.IisAspnetClientScript', 'Exchange.WebShell.IisOwaAuthNonStandard', 'Exchange.WebShell.IisPostOwaAuthCurrent'],
  'file-chopper': ['Exchange.WebShell.ChinaChopper'],
  'file-oab-dump': ['Exchange.WebShell.OabConfigScript'],
  'file-b64-loader': ['Exchange.WebShell.Base64AssemblyLoader'],
  'lsass-dump': ['Exchange.Staging.LsassDump'],
  'staging-archive': ['Exchange.Staging.ProgramDataArchive'],
};
const RANK = ['info', 'low', 'medium', 'high', 'critical'];

interface Scan {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly findings: Finding[];
  readonly summary: ScanSummary;
}

function scan(t: { after(fn: () => void): void }, args: readonly string[]): Scan {
  const out = tempDir(t, 'exhunt-out-');
  const jsonl = join(out, 'findings.jsonl');
  const summaryPath = join(out, 'summary.json');
  const r = exhunt(['scan', ...args, '--jsonl', jsonl, '--summary-json', summaryPath]);
  assert.ok(existsSync(summaryPath), `no summary written; stderr: ${r.stderr}`);
  const findings = readFileSync(jsonl, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Finding);
  return { ...r, findings, summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as ScanSummary };
}

const demos = new Map<DemoProfile, { dir: string; manifest: DemoManifest }>();
let root = '';
before(async () => {
  root = join(process.env.TMPDIR ?? '/tmp', `exhunt-e2e-${process.pid}`);
  mkdirSync(root, { recursive: true });
  for (const profile of ['compromised', 'attempted', 'clean', 'no-history'] as const) {
    const dir = join(root, profile);
    const manifest = await generateDemo({ out: dir, profile, sizeBytes: 3_000_000, seed: 7, force: true });
    demos.set(profile, { dir, manifest });
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('scan of a compromised demo triage folder', () => {
  test('every planted item is found at its file and line, and nothing else is flagged', (t) => {
    const { dir, manifest } = demos.get('compromised')!;
    const s = scan(t, [dir]);
    assert.equal(s.code, 1, s.stderr);
    assert.equal(s.summary.verdict, 'compromised');
    assert.ok(manifest.planted.length >= 15);
    for (const p of manifest.planted) {
      const rules = EXPECT[p.expectRule];
      assert.ok(rules, `test knows no rule for planted key ${p.expectRule}`);
      const hit = s.findings.find((f) => f.source.path === p.path && f.source.line === p.line && rules.includes(f.ruleId));
      assert.ok(hit, `planted ${p.id} (${p.path}:${p.line ?? '-'}) not found by ${rules.join('|')}`);
      assert.ok(RANK.indexOf(hit.severity) >= RANK.indexOf(p.expectedSeverityAtLeast), `${p.id}: ${hit.severity} < ${p.expectedSeverityAtLeast}`);
    }
    const planted = new Set(manifest.planted.map((p) => `${p.path}:${p.line ?? ''}`));
    const extra = s.findings.filter((f) => !planted.has(`${f.source.path}:${f.source.line ?? ''}`));
    assert.deepEqual(extra.map((f) => `${f.ruleId} ${f.source.path}:${f.source.line ?? ''}`), [], 'no false positives on benign noise and decoys');
  });

  test('findings follow the documented JSON Lines schema and carry host, time and client IP', (t) => {
    const { dir, manifest } = demos.get('compromised')!;
    const s = scan(t, [dir]);
    for (const f of s.findings) {
      assert.equal(f.schemaVersion, 1);
      assert.equal(f.host, manifest.host);
      assert.ok(['info', 'low', 'medium', 'high', 'critical'].includes(f.severity));
      assert.ok(Array.isArray(f.cves) && Array.isArray(f.attack));
      assert.ok(f.time === null || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(f.time), f.time ?? '');
      assert.ok(!f.source.path.includes('\\') && !f.source.path.startsWith('/'));
      assert.ok(f.source.line === null || f.source.line >= 1);
      assert.equal(typeof f.evidence, 'object');
    }
    const ssrf = s.findings.find((f) => f.ruleId === 'Exchange.ProxyLogon.SsrfHttpProxy' && f.severity === 'high');
    assert.ok(ssrf?.clientIp, 'SSRF findings name the client IP');
    const sorted = [...s.findings].sort((a, b) => (a.source.path < b.source.path ? -1 : a.source.path > b.source.path ? 1 : (a.source.line ?? 0) - (b.source.line ?? 0)));
    assert.deepEqual(s.findings.map((f) => f.source.path), sorted.map((f) => f.source.path), 'ordered by file');
  });

  test('log coverage is reported per source and reaches the attack window', (t) => {
    const { dir } = demos.get('compromised')!;
    const s = scan(t, [dir]);
    const host = s.summary.hosts[0]!;
    const sources = host.coverage.map((c) => c.source);
    for (const want of ['HttpProxy/Ecp', 'HttpProxy/Owa', 'ECP Server', 'OAB Generator']) assert.ok(sources.includes(want), `${want} in ${sources.join(', ')}`);
    assert.ok(sources.some((x) => x.startsWith('IIS W3SVC1')));
    const ecp = host.coverage.find((c) => c.source === 'HttpProxy/Ecp')!;
    assert.ok(ecp.coversWindow);
    assert.ok((ecp.days ?? 0) > 60, `days ${ecp.days}`);
    assert.ok(host.exchangeInstall?.endsWith('\\V15\\'));
  });

  test('the terminal report gives the verdict, stages, evidence and coverage, without colour when piped', () => {
    const { dir } = demos.get('compromised')!;
    const r = exhunt(['scan', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /COMPROMISED/);
    assert.match(r.stdout, /initial.access/i);
    assert.match(r.stdout, /persistence/i);
    assert.match(r.stdout, /HttpProxy\/Ecp/);
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no ANSI escapes when piped');
    assert.equal(r.stderr.includes('\r'), false, 'no progress bar when stderr is not a terminal');
  });

  test('--csv writes the files Test-ProxyLogon writes, with its columns', (t) => {
    const { dir, manifest } = demos.get('compromised')!;
    const out = tempDir(t);
    const r = exhunt(['scan', dir, '--csv', out, '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    const files = readdirSync(out).sort();
    for (const f of ['Cve-2021-26855.csv', 'Cve-2021-26858.log', 'Cve-2021-27065.log', 'Cve-2021-27065-ResetVDir.csv', 'other.csv', 'LogAgeDays.csv']) {
      assert.ok(files.includes(`${manifest.host}-${f}`), `${f} in ${files.join(', ')}`);
    }
    const csv = readFileSync(join(out, `${manifest.host}-Cve-2021-26855.csv`), 'utf8').split(/\r?\n/);
    assert.match(csv[1] ?? '', /"DateTime","RequestId","ClientIPAddress","UrlHost","UrlStem","RoutingHint","UserAgent","AnchorMailbox","HttpStatus"/);
    assert.ok(csv.some((l) => l.includes('ServerInfo~')));
  });

  test('--collect copies each file with a finding and a SHA-256 manifest; the evidence is untouched', (t) => {
    const { dir } = demos.get('compromised')!;
    const shell = readdirSync(join(dir, 'C', 'inetpub', 'wwwroot', 'aspnet_client', 'system_web')).find((n) => n.endsWith('.aspx'))!;
    const shellPath = join(dir, 'C', 'inetpub', 'wwwroot', 'aspnet_client', 'system_web', shell);
    const before = { bytes: readFileSync(shellPath), mtime: statSync(shellPath).mtimeMs };
    const out = tempDir(t);
    const r = exhunt(['scan', dir, '--collect', out, '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    const manifest = readFileSync(join(out, 'manifest.csv'), 'utf8');
    assert.match(manifest, new RegExp(shell.replace('.', '\\.')));
    assert.match(manifest, /[0-9a-f]{64}/);
    assert.deepEqual(readFileSync(shellPath), before.bytes);
    assert.equal(statSync(shellPath).mtimeMs, before.mtime);
  });

  test('a zip of the triage folder gives the same findings, read without extracting', (t) => {
    const { dir } = demos.get('compromised')!;
    const out = tempDir(t);
    const zip = join(out, 'EXCH01-triage.zip');
    zipFolder(dir, zip, 'EXCH01-triage/');
    const fromDir = scan(t, [dir]);
    const fromZip = scan(t, [zip]);
    assert.equal(fromZip.code, 1, fromZip.stderr);
    const key = (f: Finding): string => `${f.ruleId} ${f.source.path.replace(/^EXCH01-triage\//, '')}:${f.source.line ?? ''}`;
    assert.deepEqual(fromZip.findings.map(key), fromDir.findings.map(key));
    assert.deepEqual(readdirSync(out), ['EXCH01-triage.zip', ...readdirSync(out).filter((n) => n !== 'EXCH01-triage.zip')].sort((a, b) => (a === 'EXCH01-triage.zip' ? -1 : a.localeCompare(b))), 'nothing extracted beside the zip');
  });

  test('a single HttpProxy log file is recognised from its content', (t) => {
    const { dir, manifest } = demos.get('compromised')!;
    const p = manifest.planted.find((x) => x.expectRule === 'ssrf-anchor')!;
    const s = scan(t, [join(dir, ...p.path.split('/'))]);
    assert.equal(s.code, 1, s.stderr);
    const base = p.path.split('/').pop()!;
    assert.ok(s.findings.some((f) => f.ruleId === 'Exchange.ProxyLogon.SsrfHttpProxy' && f.source.path === base && f.source.line === p.line));
  });
});

describe('verdicts of the other profiles', () => {
  test('attempted: exploitation attempts, no compromise', (t) => {
    const { dir, manifest } = demos.get('attempted')!;
    const s = scan(t, [dir]);
    assert.equal(s.summary.verdict, 'attempted', s.summary.hosts[0]?.reason);
    assert.equal(s.code, 1);
    for (const p of manifest.planted) assert.ok(s.findings.some((f) => f.source.path === p.path && f.source.line === p.line), p.id);
    assert.ok(!s.findings.some((f) => f.outcome === 'compromised'));
  });

  test('clean: no findings and logs that reach back to the window', (t) => {
    const s = scan(t, [demos.get('clean')!.dir]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.findings.length, 0);
    assert.equal(s.summary.verdict, 'clean');
  });

  test('no-history: nothing found is inconclusive when logs start after the window', (t) => {
    const s = scan(t, [demos.get('no-history')!.dir]);
    assert.equal(s.code, 0);
    assert.equal(s.summary.verdict, 'inconclusive');
    assert.match(s.summary.hosts[0]?.reason ?? '', /2021-06/);
    const r = exhunt(['scan', demos.get('no-history')!.dir]);
    assert.match(r.stdout, /INCONCLUSIVE/);
  });

  test('--since moves the window: the same logs then count as clean', (t) => {
    const s = scan(t, [demos.get('no-history')!.dir, '--since', '2021-06-01']);
    assert.equal(s.summary.verdict, 'clean');
  });
});

describe('real data and bad input', () => {
  test('the real IIS log of a Tunna web tunnel (no Exchange traffic) raises no Exchange finding', (t) => {
    const log = join(SHARED, 'evtx-attack-samples', 'Command and Control', 'Tunna_rdp_tunnel_IIS.log');
    if (!existsSync(log)) {
      if (process.env.CI) assert.fail(`../shared is required in CI: ${log} missing`);
      t.skip('needs ../shared/data (evtx-attack-samples)');
      return;
    }
    const s = scan(t, [log]);
    assert.equal(s.findings.length, 0, JSON.stringify(s.findings.slice(0, 3)));
    assert.equal(s.code, 0);
    const cov = s.summary.hosts[0]?.coverage[0];
    assert.equal(cov?.kind, 'iis');
    assert.ok(cov?.oldest);
  });

  test('the OTRF ProxyLogon event dataset (JSON Lines) is compromised: the Set-OabVirtualDirectory web shell plant', (t) => {
    const data = join(SHARED, 'otrf-security-datasets', 'proxylogon_ssrf_rce_poc.subset.jsonl');
    if (!existsSync(data)) {
      if (process.env.CI) assert.fail(`../shared is required in CI: ${data} missing`);
      t.skip('needs ../shared/data (otrf-security-datasets)');
      return;
    }
    const s = scan(t, [data]);
    assert.equal(s.code, 1, s.stderr);
    assert.equal(s.summary.verdict, 'compromised');
    const plant = s.findings.find((f) => f.ruleId === 'Exchange.ProxyLogon.ManagementSetVirtualDirectoryScript');
    assert.ok(plant, JSON.stringify(s.findings.map((f) => f.ruleId)));
    assert.equal(plant.source.kind, 'event');
    assert.equal(plant.host, 'MXS01.azsentinel.local');
    assert.match(plant.evidence.Message ?? '', /Set-OabVirtualDirectory/);
  });

  test('.evtx files are read wherever they lie; a triage folder with real event logs scans without errors', (t) => {
    const evtx = join(SHARED, 'evtx-attack-samples', 'Lateral Movement', 'LM_typical_IIS_webshell_sysmon_1_10_traces.evtx');
    if (!existsSync(evtx)) {
      if (process.env.CI) assert.fail(`../shared is required in CI: ${evtx} missing`);
      t.skip('needs ../shared/data (evtx-attack-samples)');
      return;
    }
    const dir = tempDir(t);
    const logs = join(dir, 'C', 'Windows', 'System32', 'winevt', 'Logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, 'Microsoft-Windows-Sysmon%4Operational.evtx'), readFileSync(evtx));
    const s = scan(t, [dir]);
    assert.deepEqual(s.summary.diagnostics.filter((d) => d.level === 'error'), []);
    const cov = s.summary.hosts[0]?.coverage.find((c) => c.kind === 'event');
    assert.equal(cov?.source, 'Event log/Microsoft-Windows-Sysmon/Operational');
    assert.ok((s.summary.records ?? 0) > 0);
  });

  test('--yara runs signature-base unchanged on swept files: the planted China Chopper shell is found', (t) => {
    const rules = join(SHARED, 'signature-base', 'yara-all');
    if (!existsSync(rules)) {
      if (process.env.CI) assert.fail(`../shared is required in CI: ${rules} missing`);
      t.skip('needs ../shared/data (signature-base)');
      return;
    }
    const { dir, manifest } = demos.get('compromised')!;
    const s = scan(t, [dir, '--yara', rules]);
    assert.equal(s.code, 1, s.stderr);
    const chopper = manifest.planted.find((p) => p.expectRule === 'file-chopper')!;
    const hit = s.findings.find((f) => f.ruleId === 'yara:apt_webshell_chinachopper.ChinaChopper_Generic');
    assert.equal(hit?.source.path, chopper.path);
    assert.equal(s.summary.diagnostics.filter((d) => d.code === 'content').length, 0, 'every signature-base file compiles');
  });

  test('bad lines are diagnostics naming file and line; the rest of the file is still scanned', (t) => {
    const { dir, manifest } = demos.get('compromised')!;
    const p = manifest.planted.find((x) => x.expectRule === 'ssrf-anchor')!;
    const copy = tempDir(t);
    const text = readFileSync(join(dir, ...p.path.split('/')));
    const lines = text.toString('utf8').split('\n');
    // Garbage and a 3 MB line before the planted row; the planted row moves down by two lines.
    lines.splice(p.line! - 1, 0, '\u0000\u0001\u0002garbage,,,"unterminated', 'x'.repeat(3_000_000));
    const file = join(copy, 'HttpProxy_2021030304-1.LOG');
    writeFileSync(file, lines.join('\n'));
    const s = scan(t, [file]);
    assert.equal(s.code, 1);
    assert.ok(s.findings.some((f) => f.ruleId === 'Exchange.ProxyLogon.SsrfHttpProxy' && f.source.line === p.line! + 2));
    const long = s.summary.diagnostics.find((d) => d.code === 'line-too-long');
    assert.ok(long, JSON.stringify(s.summary.diagnostics));
    assert.equal(long.line, p.line! + 1);
    assert.match(long.path, /HttpProxy_2021030304-1\.LOG/);
  });

  test('a corrupt zip and a missing path are errors (exit 2) that name the input; other inputs are still scanned', (t) => {
    const dir = tempDir(t);
    const bad = join(dir, 'broken.zip');
    writeFileSync(bad, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]));
    const s = scan(t, [bad, join(dir, 'missing-folder'), demos.get('clean')!.dir]);
    assert.equal(s.code, 2);
    const errs = s.summary.diagnostics.filter((d) => d.level === 'error');
    assert.ok(errs.some((d) => d.path.includes('broken.zip')), JSON.stringify(errs));
    assert.ok(errs.some((d) => d.path.includes('missing-folder')));
    assert.ok(s.summary.hosts.some((h) => h.verdict === 'clean'), 'the good input was scanned');
  });

  test('usage errors exit 2 with a message', () => {
    const r = exhunt(['scan', '--since', 'yesterday-ish', '.']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--since/);
    if (process.platform !== 'win32') {
      const live = exhunt(['scan']);
      assert.equal(live.code, 2);
      assert.match(live.stderr, /PATH/i);
    }
  });
});
