// Compiling rule sets: all of signature-base, CISA CHIRP's YARA entries, Volexity's rules; a
// broken file reported with file, line and reason while the others still compile; namespaces;
// subsets that keep the private and global rules a picked rule depends on.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileYara, subsetText } from './compile.js';
import { collectUnits } from './sources.js';
import { parseRuleText } from './rule-text.js';
import { CHIRP, SIGNATURE_BASE, VOLEXITY, fixture, requireBinding, requireShared } from './testutil.js';

test('all 741 signature-base files compile (no engine limits hit), rules split into sets', (t) => {
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE)) return;
  const c = compileYara({ rules: [SIGNATURE_BASE], checkEach: true });
  t.after(() => c.close());
  const r = c.report;
  assert.equal(r.engine.kind, 'yara-x');
  assert.equal(r.files, 741);
  assert.equal(r.sources, 741);
  assert.deepEqual(r.failures, [], 'a failure here must be documented in docs/yara.md as an engine limit');
  assert.equal(r.compiled, 741);
  assert.equal(r.rules, 5883);
  // Text files skip the ~2,300 rules that need an executable header; log rules run on lines only.
  assert.ok(r.sets.text > 3000 && r.sets.text < 4000, `text ${r.sets.text}`);
  assert.ok(r.sets.binary > 4500 && r.sets.binary < 5200, `binary ${r.sets.binary}`);
  assert.ok(r.sets.logs >= 40 && r.sets.logs <= 80, `logs ${r.sets.logs}`);
  assert.ok(c.text && c.binary && c.logs);
  assert.ok(c.lineLiterals !== null, 'every signature-base log rule yields prefilter literals');
  assert.ok(c.externalsUsed.has('filename') && c.externalsUsed.has('filepath'));
  const facts = c.facts.get('apt_hafnium.WEBSHELL_ASPX_SimpleSeeSharp');
  assert.ok(facts?.webshell);
  assert.match(facts?.file ?? '', /apt_hafnium\.yar$/);
});

test("CISA CHIRP AA21-062A: its 8 YARA entries compile, log entries go to log lines", (t) => {
  if (!requireBinding(t) || !requireShared(t, CHIRP)) return;
  const units = collectUnits([CHIRP], 'auto').units;
  assert.equal(units.length, 8);
  assert.deepEqual(
    units.map((u) => [u.namespace, u.target, u.parsed.rules[0]?.name]),
    [
      ['AA21062A_2', 'logs', 'unauthenticated_execution'],
      ['AA21062A_3', 'logs', 'ecp_user_agents'],
      ['AA21062A_4', 'logs', 'unauthenticated_execution'],
      ['AA21062A_6', 'logs', 'cve_2021_26858_detection'],
      ['AA21062A_8', 'files', 'webshell_aspx_simpleseesharp'],
      ['AA21062A_9', 'files', 'webshell_aspx_reGeorgTunnel'],
      ['AA21062A_10', 'files', 'webshell_aspx_sportsball'],
      ['AA21062A_11', 'files', 'lsass_process_memory_dump'],
    ],
  );
  // The rule text of the first entry (`rule: |` on line 40) starts on line 41 of the YAML file.
  assert.equal(units[0]?.firstLine, 41);
  const c = compileYara({ rules: [CHIRP], checkEach: true });
  t.after(() => c.close());
  assert.deepEqual(c.report.failures, []);
  assert.equal(c.report.compiled, 8);
  assert.equal(c.report.sets.logs, 4);
  assert.equal(c.facts.get('AA21062A_2.unauthenticated_execution')?.line, 41);
  assert.equal(c.facts.get('AA21062A_2.unauthenticated_execution')?.title, 'XML SOAP POST requests for unauthenticated execution : RCE');
});

test("Volexity's Operation Exchange Marauder rules compile", (t) => {
  if (!requireBinding(t) || !requireShared(t, VOLEXITY)) return;
  const c = compileYara({ rules: [VOLEXITY], checkEach: true });
  t.after(() => c.close());
  assert.deepEqual(c.report.failures, []);
  assert.equal(c.report.files, 1);
  assert.equal(c.report.rules, 3);
  assert.equal(c.report.sets.text, 3);
});

test('a broken file is reported with file, line and reason; the other files still compile and run', (t) => {
  if (!requireBinding(t)) return;
  const c = compileYara({ rules: [fixture('broken'), fixture('rules'), fixture('chirp.yaml')] });
  t.after(() => c.close());
  const r = c.report;
  assert.equal(r.failed, 2);
  assert.deepEqual(
    r.failures.map((f) => [f.file.replace(/.*fixtures\/yara\//, ''), f.line, f.code]),
    [
      ['broken/broken.yar', 8, 'E001'],
      ['chirp.yaml', 51, 'E009'],
    ],
  );
  assert.match(r.failures[0]?.reason ?? '', /syntax error/);
  assert.match(r.failures[1]?.reason ?? '', /unknown identifier `undefined_identifier`/);
  assert.equal(r.compiled, r.sources - 2);
  const data = Buffer.from('exhunt-good-marker exhunt-clash-marker exhunt-synthetic-webshell-marker');
  const ids = (c.text?.scan(data, {}) ?? []).map((m) => `${m.namespace}.${m.rule}`).sort();
  assert.deepEqual(ids, ['fixture_basic.Fixture_Webshell_Marker', 'fixture_clash.Fixture_Webshell_Marker', 'good.Broken_Dir_Good']);
});

test('without checkEach, units are only checked one by one when a set fails', (t) => {
  if (!requireBinding(t)) return;
  const ok = compileYara({ rules: [fixture('rules')] });
  t.after(() => ok.close());
  assert.deepEqual(ok.report.failures, []);
  const bad = compileYara({ rules: [fixture('broken')] });
  t.after(() => bad.close());
  assert.equal(bad.report.failures.length, 1);
  assert.equal(bad.report.compiled, 1);
});

test('a subset keeps imports it uses, the private rules it refers to and global rules', () => {
  const text = `import "pe"
import "math"
private rule Priv { strings: $p = "p" condition: $p }
global rule Glob { condition: filesize < 10MB }
rule Wanted : LOG { strings: $a = "a" condition: $a and Priv }
rule Other { condition: pe.is_pe and math.entropy(0, filesize) > 7 }
`;
  const unit = { namespace: 'n', file: 'x.yar', firstLine: 1, text, target: 'auto' as const, parsed: parseRuleText(text) };
  const logs = subsetText(unit, 'logs');
  assert.ok(logs);
  assert.equal(logs.rules, 3);
  assert.doesNotMatch(logs.text, /import "pe"|rule Other/);
  assert.match(logs.text, /private rule Priv[\s\S]*global rule Glob[\s\S]*rule Wanted/);
  const binary = subsetText(unit, 'binary');
  assert.ok(binary);
  assert.match(binary.text, /^import "pe"\nimport "math"\n[\s\S]*global rule Glob[\s\S]*rule Other/);
  assert.doesNotMatch(binary.text, /rule Wanted|rule Priv/, 'log rules do not run on whole files');
  // Other needs an MZ header and Wanted is a log rule: nothing is left for text files.
  assert.equal(subsetText(unit, 'text'), null);
  assert.equal(subsetText({ ...unit, target: 'logs' }, 'text'), null);
  assert.equal(subsetText({ ...unit, target: 'logs' }, 'logs')?.text, text);
});

test('the compiled-rules cache: a second compile loads the sets (and the log-line gate), with the same report and matches', (t) => {
  if (!requireBinding(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-yara-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rules = [fixture('rules'), fixture('broken'), fixture('chirp.yaml')];
  const first = compileYara({ rules, cache: dir });
  first.close();
  assert.equal(first.report.cacheHits, 0);
  // text, binary, logs and the gate of the log lines
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.yarx')).length, 4);
  assert.equal(first.report.lineGate, true);
  const second = compileYara({ rules, cache: dir });
  t.after(() => second.close());
  assert.equal(second.report.cacheHits, 4);
  const { millis: _a, cacheHits: _b, ...r1 } = first.report;
  const { millis: _c, cacheHits: _d, ...r2 } = second.report;
  assert.deepEqual(r2, r1, 'failures and counts come back from the cache');
  assert.deepEqual(second.lineLiterals, first.lineLiterals);
  const data = Buffer.from('exhunt-good-marker exhunt-synthetic-webshell-marker');
  assert.deepEqual(
    (second.text?.scan(data, {}) ?? []).map((m) => m.rule).sort(),
    ['Broken_Dir_Good', 'Fixture_Webshell_Marker'],
  );
  // A damaged entry is a miss, not an error.
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yarx'))) writeFileSync(join(dir, f), 'garbage');
  const third = compileYara({ rules, cache: dir });
  t.after(() => third.close());
  assert.equal(third.report.cacheHits, 0);
  assert.equal(third.report.compiled, first.report.compiled);
  const off = compileYara({ rules, cache: false });
  t.after(() => off.close());
  assert.equal(off.report.cacheHits, 0);
});
