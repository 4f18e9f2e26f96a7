/**
 * @module Tests of the Exchange content loader: the shipped files load; every kind of mistake is
 * reported with its file and line; the build table agrees with the shared facts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtinContent, factsPath, repoRoot, requireFacts, tempDir } from '../testutil.js';
import { loadExchangeContent } from './load.js';

const SHIPPED = join(repoRoot, 'content', 'exchange');

function copyContent(dir: string, edit?: { file: string; from: string | RegExp; to: string }): void {
  for (const f of ['builds.yaml', 'products.yaml', 'fixes.yaml']) copyFileSync(join(SHIPPED, f), join(dir, f));
  if (edit) {
    const p = join(dir, edit.file);
    const text = readFileSync(p, 'utf8');
    const next = text.replace(edit.from, edit.to);
    assert.notEqual(next, text, `edit applies to ${edit.file}`);
    writeFileSync(p, next);
  }
}

test('the shipped content loads: every product, 11 families, conflicts recorded', () => {
  const c = builtinContent();
  assert.equal(c.families.length, 11);
  assert.deepEqual(
    c.families.map((f) => f.id).sort(),
    ['april-2021', 'cve-2020-0688', 'cve-2021-42321', 'cve-2024-21410', 'feb-2023', 'july-2021', 'may-2021', 'owassrf', 'proxylogon', 'proxynotshell', 'proxyshell'],
  );
  assert.ok(c.catalog.entries.length >= 356);
  assert.ok(c.conflicts.length >= 10);
  for (const p of ['2010', '2013', '2016', '2019', 'SE'] as const) assert.ok(c.catalog.lines.some((l) => l.product === p), p);
});

test('an unknown key, a bad build and a broken YAML file are reported with file and line', (t) => {
  const dir = tempDir(t, 'content');
  copyContent(dir, { file: 'fixes.yaml', from: / {4}exploited: true\n/, to: '    exploited: true\n    exploitd: true\n' });
  const r = loadExchangeContent(dir);
  assert.equal(r.content, null);
  assert.ok(r.errors.some((e) => /fixes\.yaml:\d+: families\.\d+\.exploitd: unknown key/.test(e.message)), r.errors.map((e) => e.message).join('\n'));

  const dir2 = tempDir(t, 'content2');
  copyContent(dir2, { file: 'builds.yaml', from: 'build: 15.1.2176.9\n', to: 'build: 15.1.2176\n' });
  const r2 = loadExchangeContent(dir2);
  const line = readFileSync(join(dir2, 'builds.yaml'), 'utf8').split('\n').findIndex((l) => l === '    build: 15.1.2176') + 1;
  assert.ok(r2.errors.some((e) => e.message.includes(`builds.yaml:${line}:`) && /four-part/.test(e.message)), r2.errors.map((e) => e.message).join('\n'));

  const dir3 = tempDir(t, 'content3');
  copyContent(dir3);
  writeFileSync(join(dir3, 'products.yaml'), 'schema: [unclosed\n');
  assert.ok(loadExchangeContent(dir3).errors.some((e) => /products\.yaml:\d+: YAML:/.test(e.message)));
});

test('cross-file checks: a fixed build missing from the table or on another line, an undeclared source', (t) => {
  const dir = tempDir(t, 'x1');
  copyContent(dir, { file: 'fixes.yaml', from: 'build: 15.1.2176.9\n', to: 'build: 15.1.2176.10\n' });
  assert.ok(loadExchangeContent(dir).errors.some((e) => /15\.1\.2176\.10 is not in builds\.yaml/.test(e.message)));
  const dir2 = tempDir(t, 'x2');
  copyContent(dir2, { file: 'fixes.yaml', from: /line: CU19\n(\s+update: Mar21SU\n\s+build: 15\.1\.2176\.9)/, to: 'line: CU18\n$1' });
  assert.ok(loadExchangeContent(dir2).errors.some((e) => /is 2016 CU19 in builds\.yaml, not 2016 CU18/.test(e.message)));
  const dir3 = tempDir(t, 'x3');
  copyContent(dir3, { file: 'builds.yaml', from: 'sources: [ms-docs, healthchecker]', to: 'sources: [ms-docs, nobody]' });
  assert.ok(loadExchangeContent(dir3).errors.some((e) => /unknown source "nobody"/.test(e.message)));
});

test('the build table holds every build of the shared exchange-builds.json with the same long form, date and KB', (t) => {
  if (!requireFacts(t, 'exchange-builds.json')) return;
  const facts = JSON.parse(readFileSync(factsPath('exchange-builds.json'), 'utf8')) as { build: string; buildLong: string; released: string; kb: string | null; line: string }[];
  const c = builtinContent();
  for (const f of facts) {
    const e = c.catalog.entries.find((x) => x.build === f.build);
    assert.ok(e, f.build);
    assert.equal(e.buildLong, f.buildLong);
    assert.equal(e.released, f.released);
    assert.equal(e.kb, f.kb);
    assert.equal(e.line, f.line);
  }
});

test('the HealthChecker build dictionary agrees with the table on every CU and SU build', (t) => {
  if (!requireFacts(t, 'exchange_build_dictionary.json')) return;
  const d = JSON.parse(readFileSync(factsPath('exchange_build_dictionary.json'), 'utf8')) as { builds: Record<string, Record<string, { CU: string; SU: Record<string, string> }>> };
  const c = builtinContent();
  let n = 0;
  for (const cus of Object.values(d.builds)) {
    for (const [cu, v] of Object.entries(cus)) {
      for (const b of [v.CU, ...Object.values(v.SU)]) {
        const e = c.catalog.entries.find((x) => x.build === b);
        assert.ok(e, `${cu} ${b}`);
        assert.equal(e.line, cu === 'RTM' ? 'RTM' : cu, b);
        n++;
      }
    }
  }
  assert.ok(n > 200);
});
