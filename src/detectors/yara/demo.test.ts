// signature-base (and CHIRP) on exhunt's synthetic demo triage folder: the planted web shells are
// found by the matching web shell rules and the planted log traces by the matching log rules, at
// their lines; no web shell rule fires on the benign web files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { generateDemo } from '../../demo/index.js';
import { CHIRP, SIGNATURE_BASE, VOLEXITY, requireBinding, requireShared, sharedScanner } from './testutil.js';

/** Planted item → a rule that must report it (signature-base unless `AA21062A_` = CHIRP). */
const EXPECTED: Readonly<Record<string, string>> = {
  'file-chopper-discover': 'apt_webshell_chinachopper.ChinaChopper_Generic',
  'file-oab-dump-outlookzh': 'apt_hafnium.WEBSHELL_CVE_2021_27065_Webshells',
  'file-b64-loader-help': 'gen_webshells.WEBSHELL_ASP_Runtime_Compile',
  'iis-ecp-y-js-post': 'apt_hafnium_log_sigs.LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1',
  'iis-ecp-default-flt-post': 'apt_hafnium_log_sigs.LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1',
  'iis-ecp-main-css-post': 'apt_hafnium_log_sigs.LOG_APT_HAFNIUM_Exchange_Log_Traces_Mar21_1',
  'iis-webshell-antsword': 'AA21062A_3.ecp_user_agents',
  'httpproxy-autodiscover-ssrf': 'apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_27055_Exchange_Forensic_Artefacts',
  'httpproxy-ecp-ssrf-proxylogon': 'apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_27055_Exchange_Forensic_Artefacts',
  'httpproxy-ecp-ssrf-getobject': 'apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_27055_Exchange_Forensic_Artefacts',
  'ecp-set-oab-vdir-script': 'AA21062A_4.unauthenticated_execution',
  'oab-download-unc': 'AA21062A_6.cve_2021_26858_detection',
  'iis-proxyshell-nspi': 'expl_proxyshell.EXPL_Exchange_ProxyShell_Successful_Aug21_1',
  'iis-proxyshell-powershell': 'expl_proxyshell.EXPL_Exchange_ProxyShell_Successful_Aug21_1',
  'iis-proxynotshell': 'expl_cve_2022_41040_proxynoshell.EXPL_Exchange_ProxyNotShell_Patterns_CVE_2022_41040_Oct22_1',
  'iis-owassrf': 'expl_proxynotshell_owassrf_dec22.EXPL_LOG_ProxyNotShell_OWASSRF_PowerShell_Proxy_Log_Dec22_1',
};

test('the demo triage folder: planted shells and log traces are found by the matching rules', async (t) => {
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE, VOLEXITY, CHIRP)) return;
  const out = mkdtempSync(join(tmpdir(), 'exhunt-yara-demo-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const manifest = await generateDemo({ out, sizeBytes: 2_000_000, threads: 0 });
  const s = sharedScanner({ rules: [SIGNATURE_BASE, VOLEXITY, CHIRP] });

  const webFiles: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(aspx|ashx|asmx|htm|html|js|css|config)$/i.test(name)) webFiles.push(relative(out, p).split('\\').join('/'));
    }
  };
  walk(join(out, 'C'));
  const fileHits = new Map(webFiles.map((f) => [f, s.scanFile({ path: f, localPath: join(out, f), size: statSync(join(out, f)).size })]));

  let checked = 0;
  for (const item of manifest.planted) {
    const rule = EXPECTED[item.id];
    if (!rule) continue;
    checked += 1;
    let ids: string[];
    if (item.line === null) {
      ids = (fileHits.get(item.path) ?? []).map((h) => h.ruleId);
    } else {
      const line = readFileSync(join(out, item.path), 'utf8').split(/\r?\n/)[item.line - 1] ?? '';
      ids = s.scanLine(line, { path: item.path, line: item.line, kind: 'iis' }).map((h) => h.ruleId);
    }
    assert.ok(ids.includes(`yara:${rule}`), `${item.id} (${item.path}${item.line ? `:${item.line}` : ''}): got ${ids.join(', ') || 'nothing'}`);
  }
  assert.equal(checked, Object.keys(EXPECTED).length, 'every expected item is planted');

  const planted = new Set(manifest.planted.map((p) => p.path));
  const benign = [...fileHits].filter(([path]) => !planted.has(path));
  assert.ok(benign.length >= 10);
  assert.deepEqual(
    benign.flatMap(([path, hits]) => hits.filter((h) => h.attack.includes('T1505.003')).map((h) => `${path}: ${h.ruleId}`)),
    [],
  );
});
