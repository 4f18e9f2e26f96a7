/**
 * @module Tests of refreshing the build table from a saved Microsoft build page (a small synthetic
 * HTML fixture shaped like the page, test/fixtures/inventory/build-numbers-page.html).
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadExchangeContent } from '../content/load.js';
import { repoRoot, tempDir } from '../testutil.js';
import { parseBuildPage, parseProductName, parseReleaseDate, refreshBuilds } from './index.js';

const PAGE = join(repoRoot, 'test', 'fixtures', 'inventory', 'build-numbers-page.html');

test('product names, dates and rows of the page are read; other products are skipped', () => {
  assert.deepEqual(parseProductName('Exchange Server 2019 CU8 Mar21SU'), { product: '2019', line: 'CU8', type: 'SU', update: 'Mar21SU' });
  assert.deepEqual(parseProductName('Exchange Server 2019 CU9 (2021H1)'), { product: '2019', line: 'CU9', type: 'CU', update: undefined });
  assert.deepEqual(parseProductName('Exchange Server 2013 SP1 Mar21SU'), { product: '2013', line: 'CU4', type: 'SU', update: 'Mar21SU' });
  assert.deepEqual(parseProductName('Update Rollup 32 for Exchange Server 2010 SP3'), { product: '2010', line: 'SP3', type: 'RU', update: 'RU32' });
  assert.deepEqual(parseProductName('Exchange Server SE RTM Sep25HU'), { product: 'SE', line: 'RTM', type: 'HU', update: 'Sep25HU' });
  assert.equal(typeof parseProductName('Exchange Server 2010 SP2'), 'string');
  assert.equal(parseReleaseDate('March 2, 2021'), '2021-03-02');
  assert.equal(parseReleaseDate('Sep 2018'), '2018-09');
  const page = parseBuildPage(readFileSync(PAGE, 'utf8'));
  assert.equal(page.rows.length, 8);
  assert.deepEqual(page.skipped.map((s) => s.name), ['Exchange Server 2010 SP2', 'Update Rollup 23 for Exchange Server 2007 SP3']);
  const oct = page.rows.find((r) => r.build === '15.2.2562.48');
  assert.deepEqual(oct && { kb: oct.kb, released: oct.released, update: oct.update, long: oct.buildLong }, { kb: 'KB5199999', released: '2026-10-13', update: 'Oct26SU', long: '15.02.2562.048' });
});

test('refresh adds new builds, keeps the rest, records conflicts, validates, and writes a loadable table', (t) => {
  const dir = tempDir(t, 'refresh');
  for (const f of ['builds.yaml', 'products.yaml', 'fixes.yaml']) copyFileSync(join(repoRoot, 'content', 'exchange', f), join(dir, f));
  const before = loadExchangeContent(dir).content?.catalog.entries.length ?? 0;
  const dry = refreshBuilds({ page: PAGE, buildsFile: join(dir, 'builds.yaml'), dryRun: true });
  assert.equal(dry.written, false);
  assert.deepEqual(dry.errors, []);
  assert.deepEqual([...dry.merge.added].sort(), ['15.1.2507.70', '15.2.2562.48']);
  const r = refreshBuilds({ page: PAGE, buildsFile: join(dir, 'builds.yaml'), dryRun: false });
  assert.equal(r.written, true);
  const after = loadExchangeContent(dir);
  assert.deepEqual(after.errors, []);
  assert.equal(after.content?.catalog.entries.length, before + 2);
  const se = after.content?.catalog.entries.find((e) => e.build === '15.2.2562.48');
  assert.deepEqual(se && { product: se.product, line: se.line, type: se.type, sources: se.sources }, { product: 'SE', line: 'RTM', type: 'SU', sources: ['ms-docs'] });
  // HealthChecker-only builds the page does not list stay, with their conflicts.
  assert.ok(after.content?.catalog.entries.some((e) => e.build === '15.1.1415.8' && (e.conflicts ?? []).length > 0));
  // A second refresh with the same page changes nothing.
  const again = refreshBuilds({ page: PAGE, buildsFile: join(dir, 'builds.yaml'), dryRun: true });
  assert.deepEqual([again.merge.added.length, again.merge.updated.length], [0, 0]);
});

test('a page without build rows is refused and nothing is written', (t) => {
  const dir = tempDir(t, 'refresh2');
  for (const f of ['builds.yaml', 'products.yaml', 'fixes.yaml']) copyFileSync(join(repoRoot, 'content', 'exchange', f), join(dir, f));
  const other = join(dir, 'other.html');
  copyFileSync(join(repoRoot, 'test', 'fixtures', 'inventory', 'self-signed.ts'), other);
  const r = refreshBuilds({ page: other, buildsFile: join(dir, 'builds.yaml'), dryRun: false });
  assert.equal(r.written, false);
  assert.match(r.errors[0]?.message ?? '', /no build rows/);
});
