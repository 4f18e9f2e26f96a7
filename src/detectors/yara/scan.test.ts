// YaraScanner on files and log lines: externals per file, text/binary routing, limits, the Hit
// it produces; signature-base's web shell and HAFNIUM rules on synthetic samples and lines;
// and no web shell or HAFNIUM rule on the reference data, which holds no web shells.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Hit } from '../../core/finding.js';
import { compileYara } from './compile.js';
import { YaraScanner, fileType, readForYara } from './scan.js';
import { CHIRP, SIGNATURE_BASE, SIGNATURE_BASE_EXCHANGE, VOLEXITY, fixture, requireBinding, requireShared, ruleIds, shared, sharedScanner } from './testutil.js';

const ASPX = 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\shell.aspx';

function fixtureScanner(): YaraScanner {
  return sharedScanner({ rules: [fixture('rules'), fixture('chirp.yaml')] });
}

function scan(s: YaraScanner, text: string | Buffer, windowsPath = ASPX): Hit[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return s.scanFile({ path: 'C/x', bytes, size: bytes.length, windowsPath });
}

test('an external variable rule matches only when the variable is set accordingly', (t) => {
  if (!requireBinding(t)) return;
  const s = fixtureScanner();
  const data = 'padding exhunt-filename-marker padding';
  assert.deepEqual(ruleIds(scan(s, data)), ['yara:fixture_basic.Fixture_Filename_Only']);
  assert.deepEqual(ruleIds(scan(s, data, 'C:\\inetpub\\wwwroot\\aspnet_client\\other.aspx')), []);
  // Values do not leak from one scan into the next.
  assert.deepEqual(ruleIds(scan(s, data)), ['yara:fixture_basic.Fixture_Filename_Only']);
  assert.deepEqual(ruleIds(s.scanFile({ path: 'x', bytes: Buffer.from(data), size: data.length })), []);
  // filepath is the folder, extension lower case with the dot, filetype from the header ("<%" → ASP for .aspx).
  const page = '<%@ Page %> exhunt-filepath-marker';
  assert.deepEqual(ruleIds(scan(s, page, 'C:\\inetpub\\wwwroot\\aspnet_client\\x.ASPX')), ['yara:fixture_basic.Fixture_Filepath_Extension']);
  assert.deepEqual(ruleIds(scan(s, page, 'C:\\inetpub\\wwwroot\\aspnet_client\\x.jsp')), [], 'extension and filetype differ');
  assert.deepEqual(ruleIds(scan(s, page, 'C:\\inetpub\\wwwroot\\x.aspx')), [], 'filepath differs');
  assert.equal(fileType(Buffer.from(page), '.aspx'), 'ASP');
  assert.equal(fileType(Buffer.from(page), '.jsp'), 'JSP');
  assert.equal(fileType(Buffer.from('MZ\x90\x00'), '.dll'), 'EXE');
});

test('text files get text rules, binary files binary rules; log rules never run on files', (t) => {
  if (!requireBinding(t)) return;
  const s = fixtureScanner();
  const markers = 'exhunt-binary-marker exhunt-script-marker exhunt-filename-marker POST /exhunt/attack.aspx';
  assert.deepEqual(ruleIds(scan(s, markers)), ['yara:fixture_basic.Fixture_Filename_Only', 'yara:fixture_basic.Fixture_Script_Only']);
  const pe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00', 'latin1'), Buffer.from(markers)]);
  assert.deepEqual(ruleIds(scan(s, pe)), ['yara:fixture_basic.Fixture_Binary_Only', 'yara:fixture_basic.Fixture_Filename_Only']);
  const nul = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(markers)]);
  assert.deepEqual(ruleIds(scan(s, nul)), ['yara:fixture_basic.Fixture_Filename_Only'], 'binary without MZ: no script rule, no MZ rule');
});

test('a Hit carries the rule, its author and licence, the strings with offsets, and is graded by score', (t) => {
  if (!requireBinding(t)) return;
  const s = fixtureScanner();
  const [hit] = s.scanFile({ path: 'C/inetpub/x.aspx', bytes: Buffer.from('abc exhunt-synthetic-webshell-marker'), size: 36, windowsPath: ASPX, time: '2021-03-03T04:05:06.000Z' });
  assert.ok(hit);
  assert.equal(hit.ruleId, 'yara:fixture_basic.Fixture_Webshell_Marker');
  assert.equal(hit.title, 'Synthetic web shell marker (exhunt test fixture)');
  assert.equal(hit.severity, 'critical', 'score 85');
  assert.equal(hit.outcome, 'compromised');
  assert.equal(hit.stage, 'persistence');
  assert.deepEqual(hit.attack, ['T1505.003']);
  assert.equal(hit.time, '2021-03-03T04:05:06.000Z');
  assert.deepEqual(hit.source, { path: 'C/inetpub/x.aspx', line: null, kind: 'file' });
  assert.equal(hit.evidence.author, 'exhunt tests');
  assert.equal(hit.evidence.license, 'Apache-2.0');
  assert.equal(hit.evidence.tags, 'webshell');
  assert.equal(hit.evidence.strings, '$a@0x4: exhunt-synthetic-webshell-marker');
  assert.match(hit.evidence.ruleFile ?? '', /fixture_basic\.yar:3$/);
  assert.match(hit.description, /author: exhunt tests; licence: Apache-2\.0/);
  assert.deepEqual(hit.references, [{ name: 'YARA fixture_basic.Fixture_Webshell_Marker by exhunt tests' }, { name: 'example.org', url: 'https://example.org/exhunt/fixture' }]);
  const [filename] = scan(s, 'exhunt-filename-marker');
  assert.equal(filename?.severity, 'medium', 'score 50');
  assert.equal(filename?.outcome, 'context');
});

test('files above the size cap are skipped with a diagnostic; the time limit stops a slow rule', (t) => {
  if (!requireBinding(t)) return;
  const diags: Diagnostic[] = [];
  const compiled = compileYara({ rules: [fixture('rules')] });
  const capped = new YaraScanner(compiled, { maxFileBytes: 10, onDiagnostic: (d) => diags.push(d) });
  assert.deepEqual(capped.scanFile({ path: 'big.aspx', bytes: Buffer.from('exhunt-synthetic-webshell-marker'), size: 32 }), []);
  assert.equal(diags[0]?.code, 'yara-too-large');
  assert.equal(capped.stats.tooLarge, 1);
  compiled.close();

  const slow = compileYara({ rules: [fixture('slow')], limits: { timeoutMs: 1000 } });
  t.after(() => slow.close());
  const s = new YaraScanner(slow, { onDiagnostic: (d) => diags.push(d) });
  const started = Date.now();
  assert.deepEqual(s.scanFile({ path: 'slow.txt', bytes: Buffer.alloc(4 << 20, 0x61), size: 4 << 20 }), []);
  assert.ok(Date.now() - started < 20_000);
  assert.equal(diags.at(-1)?.code, 'yara-timeout');
  assert.equal(s.stats.timeouts, 1);
});

test('readForYara reads a stream whole, or returns null above the cap', async () => {
  const open = (): Promise<Readable> => Promise.resolve(Readable.from([Buffer.from('abc'), Buffer.from('def')]));
  assert.equal((await readForYara(open, 6))?.toString(), 'abcdef');
  assert.equal(await readForYara(open, 6, 5), null);
  assert.equal(await readForYara(open, 2, 5), null, 'the stream was longer than its declared size');
});

test('signature-base on synthetic web shells: China Chopper and HAFNIUM rules fire, a clean page is clean', (t) => {
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE, VOLEXITY, CHIRP)) return;
  const s = sharedScanner({ rules: [SIGNATURE_BASE, VOLEXITY, CHIRP] });
  const file = (name: string): Hit[] => {
    const bytes = readFileSync(fixture('samples', name));
    return s.scanFile({ path: name, bytes, size: bytes.length, windowsPath: `C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\${name}` });
  };
  const chopper = file('synthetic-chinachopper.aspx');
  assert.deepEqual(ruleIds(chopper), [
    'yara:apt_webshell_chinachopper.ChinaChopper_Generic',
    'yara:gen_cn_webshells.ChinaChopper_temp_3',
    'yara:gen_cn_webshells.Txt_aspx1',
    'yara:gen_webshells.WEBSHELL_ASP_Generic',
    'yara:gen_webshells.WEBSHELL_ASP_Generic_Eval_On_Input',
    'yara:gen_webshells.WEBSHELL_ASP_Generic_Tiny',
    'yara:gen_webshells.WEBSHELL_ASP_Nano',
  ]);
  const generic = chopper.find((h) => h.ruleId.endsWith('ChinaChopper_Generic'));
  assert.equal(generic?.evidence.author, 'Florian Roth (Nextron Systems)');
  assert.match(generic?.evidence.license ?? '', /Detection Rule License 1\.1/);
  assert.match(generic?.evidence.strings ?? '', /^\$x_aspx@0x1: %@ Page Language="Jscript"%><%eval\(Request\.Item\["Ananas"\],"unsafe/);
  assert.equal(generic?.outcome, 'compromised');
  assert.deepEqual(generic?.attack, ['T1505.003']);

  const oab = file('synthetic-oab-externalurl.aspx');
  assert.deepEqual(ruleIds(oab), [
    'yara:apt_hafnium.APT_WEBSHELL_HAFNIUM_Chopper_WebShell',
    'yara:apt_hafnium.WEBSHELL_CVE_2021_27065_Webshells',
    'yara:apt_hafnium.WEBSHELL_HAFNIUM_CISA_10328929_01',
    'yara:apt_hafnium.WEBSHELL_HAFNIUM_CISA_10328929_02',
    'yara:gen_webshells.WEBSHELL_ASP_Generic',
    'yara:gen_webshells.WEBSHELL_ASP_Generic_Eval_On_Input',
  ]);
  assert.deepEqual(oab.find((h) => h.ruleId.endsWith('WEBSHELL_CVE_2021_27065_Webshells'))?.cves, ['CVE-2021-27065']);
  assert.ok(oab.every((h) => h.outcome === 'compromised'));

  assert.deepEqual(ruleIds(file('synthetic-clean.aspx')), []);
});

test('log rules on lines: synthetic HAFNIUM traces are found with their line numbers', (t) => {
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE, CHIRP)) return;
  const s = sharedScanner({ rules: [SIGNATURE_BASE, CHIRP] });
  const lines = (name: string): Hit[] => {
    const text = readFileSync(fixture('logs', name), 'utf8').split(/\r?\n/);
    return text.flatMap((l, i) => s.scanLine(l, { path: name, line: i + 1, kind: 'iis', time: null, clientIp: '203.0.113.66' }));
  };
  const iis = lines('synthetic-iis.log').map((h) => `${h.source.line} ${h.ruleId}`);
  assert.deepEqual(iis, [
    '6 yara:AA21062A_2.unauthenticated_execution',
    '6 yara:AA21062A_3.ecp_user_agents',
    '6 yara:apt_hafnium_log_sigs.LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1',
    '7 yara:AA21062A_2.unauthenticated_execution',
    '7 yara:AA21062A_3.ecp_user_agents',
    '7 yara:apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_26858_Exchange_Forensic_Artefacts_Mar21_1',
  ]);
  const ecp = lines('synthetic-ecp-server.log');
  assert.deepEqual(
    ecp.map((h) => `${h.source.line} ${h.ruleId}`),
    ['3 yara:AA21062A_4.unauthenticated_execution', '5 yara:AA21062A_4.unauthenticated_execution', '5 yara:apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_27065_Exchange_Forensic_Artefacts_Mar21_1'],
  );
  const h = ecp.at(-1);
  assert.equal(h?.stage, 'exploitation');
  assert.equal(h?.outcome, 'attempted');
  assert.deepEqual(h?.attack, ['T1190']);
  assert.deepEqual(h?.cves, ['CVE-2021-27065']);
  assert.equal(h?.clientIp, '203.0.113.66');
  assert.deepEqual(h?.source, { path: 'synthetic-ecp-server.log', line: 5, kind: 'iis' });
});

test('no Exchange or HAFNIUM log rule fires on the real IIS log of the Tunna sample', (t) => {
  const log = shared('evtx-attack-samples', 'Command and Control', 'Tunna_rdp_tunnel_IIS.log');
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE, CHIRP, log)) return;
  const s = sharedScanner({ rules: [SIGNATURE_BASE, CHIRP] });
  const text = readFileSync(log, 'utf8').split(/\r?\n/);
  assert.ok(text.length > 4000);
  const hits = text.flatMap((l, i) => s.scanLine(l, { path: 'Tunna_rdp_tunnel_IIS.log', line: i + 1, kind: 'iis' }));
  assert.deepEqual(ruleIds(hits), []);
});

test('no web shell or HAFNIUM rule fires on the reference data (it holds no web shells)', (t) => {
  const root = shared();
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE_EXCHANGE, VOLEXITY, CHIRP)) return;
  // The web shell / Exchange subset: signature-base's 16 Exchange files, Volexity, CHIRP.
  const s = sharedScanner({ rules: [SIGNATURE_BASE_EXCHANGE, VOLEXITY, CHIRP] });
  // Rule sources are left out: a rule file holds the very strings its rules look for.
  const ruleSource = (rel: string): boolean =>
    rel.startsWith('signature-base/yara') || /\.yara?$/.test(rel) || rel.startsWith('cisagov-chirp/indicators/');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!ruleSource(relative(root, p).split('\\').join('/'))) files.push(p);
    }
  };
  walk(root);
  assert.ok(files.length > 4500, `${files.length} files`);
  const hits = files.flatMap((f) => s.scanFile({ path: relative(root, f), localPath: f, size: statSync(f).size }));
  const bad = hits.filter((h) => /webshell|web shell|hafnium/i.test(`${h.ruleId} ${h.title} ${h.evidence.tags ?? ''}`) || h.attack.includes('T1505.003'));
  assert.deepEqual(
    bad.map((h) => `${h.source.path}: ${h.ruleId}`),
    [],
  );
  assert.equal(s.stats.files + s.stats.binarySkipped + s.stats.tooLarge, files.length);
});
