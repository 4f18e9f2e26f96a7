import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Hit } from '../core/finding.js';
import type { LogRecord } from '../core/record.js';
import { MapRecord } from '../core/record.js';
import { writeBuiltinContentCache } from '../content/build-cache.js';
import { ContentCache } from '../content/cache.js';
import { builtinContentDir } from '../content/package-root.js';
import { parseHttpProxy, parseW3c } from '../sources/index.js';
import { importText } from './import/import.js';
import { intelPackCacheInputs } from './bundled-cache.js';
import { loadBundledIndicators, loadIntel } from './load.js';
import type { Indicator } from './model.js';
import { repoRoot, tempDir, tempStore } from './testutil.js';

test("exhunt's bundled pack loads without problems, every entry naming its source", async () => {
  const b = await loadBundledIndicators(join(builtinContentDir(), 'intel'));
  assert.deepEqual(b.errors, []);
  assert.equal(b.files.length, 4);
  const sources = new Set(b.indicators.flatMap((i) => i.provenance.map((p) => p.source)));
  assert.deepEqual([...sources].sort(), ['CISA AA21-062A', 'ESET Exchange servers under siege', 'Microsoft MSTIC Exchange March 2021', 'Volexity Operation Exchange Marauder']);
  for (const i of b.indicators) for (const p of i.provenance) assert.match(p.description ?? '', /\[.+\]$/, `${i.value} names its references`);
  const ip = b.indicators.find((i) => i.value === '5.254.43.18');
  assert.deepEqual(ip?.provenance.map((p) => p.source).sort(), ['CISA AA21-062A', 'Volexity Operation Exchange Marauder'], 'one indicator, two sources');
  const counts: Record<string, number> = {};
  for (const i of b.indicators) counts[i.type] = (counts[i.type] ?? 0) + 1;
  assert.deepEqual(counts, { filepath: 42, sha256: 37, md5: 34, sha1: 34, ipv4: 22, useragent: 14 });
});

/** Indicators without their import times (the cache keeps none; they are the load's). */
const timeless = (xs: readonly Indicator[]): unknown[] => xs.map((i) => ({ ...i, provenance: i.provenance.map(({ importedAt: _a, ...p }) => p) }));

test('the bundled pack is served from the build-time cache exactly as read from YAML; an edited file is read from YAML', async (t) => {
  const dir = tempDir(t);
  const cacheFile = join(dir, 'cache.json');
  await writeBuiltinContentCache(builtinContentDir(), cacheFile);
  const cache = ContentCache.open(cacheFile);
  assert.ok(cache);
  const intelDir = join(builtinContentDir(), 'intel');
  const fromYaml = await loadBundledIndicators(intelDir, null);
  const cached = await loadBundledIndicators(intelDir, cache);
  assert.deepStrictEqual(timeless(cached.indicators), timeless(fromYaml.indicators));
  assert.deepEqual(cached.errors, fromYaml.errors);
  const name = readdirSync(intelDir).find((f) => f.endsWith('.yaml'))!;
  const bytes = readFileSync(join(intelDir, name));
  assert.ok(cache.intelPack(`intel/${name}`, bytes), 'the file is cached');
  assert.equal(cache.intelPack(`intel/${name}`, Buffer.concat([bytes, Buffer.from('\n# edited\n')])), undefined, 'other bytes are not served from the cache');
});

test('a scan thread reading the bundled pack through the cache loads neither the YAML nor the schema library', (t) => {
  // A module hook in a child process lists every module it loads.
  const dir = tempDir(t);
  writeFileSync(join(dir, 'hooks.mjs'), 'export async function load(url, context, next) {\n  process.stderr.write(`LOADED ${url}\\n`);\n  return next(url, context);\n}\n');
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  writeFileSync(
    join(dir, 'scan.mjs'),
    `const { loadScanDetectors } = await import(${JSON.stringify(new URL('../engine/load-detectors.js', import.meta.url).href)});\n` +
      `const d = await loadScanDetectors({ store: ${JSON.stringify(join(dir, 'absent.db'))} });\nprocess.stdout.write(String(d.counts.indicators));\n`,
  );
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'scan.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Number(r.stdout) > 100, `indicators loaded: ${r.stdout}`);
  const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
  assert.ok(loaded.some((l) => l.endsWith('/intel/load.js')), 'the hook sees what is loaded');
  assert.deepEqual(loaded.filter((l) => /\/node_modules\/(yaml|zod|better-sqlite3)\//.test(l)), []);
});

test('the cache build leaves a broken pack file out, naming its file and line, and caches the others', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'intel'));
  writeFileSync(join(dir, 'intel', 'good.yaml'), 'id: good\nsource: Good\ndescription: d\nreferences: [{ name: n }]\nentries:\n  - { type: ipv4, value: 192.0.2.1, ref: r }\n');
  writeFileSync(join(dir, 'intel', 'typo.yaml'), 'id: typo\nsource: Typo\ndescription: d\nreferences: [{ name: n }]\nentries:\n  - { type: ipv4, value: 192.0.2.2, ref: r, confidance: 5 }\n');
  const r = await intelPackCacheInputs(dir);
  assert.deepEqual(r.inputs.map((i) => i.rel), ['intel/good.yaml']);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /typo\.yaml:6: entries\.0: .*"confidance"/);
});

test('a broken pack file is reported with its line; the other files still load', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'good.yaml'), 'id: good\nsource: Good\ndescription: d\nreferences: [{ name: n }]\nentries:\n  - { type: ipv4, value: 192.0.2.1, ref: r }\n');
  writeFileSync(join(dir, 'typo.yaml'), 'id: typo\nsource: Typo\ndescription: d\nreferences: [{ name: n }]\nentries:\n  - { type: ipv4, value: 192.0.2.2, ref: r, confidance: 5 }\n');
  writeFileSync(join(dir, 'badvalue.yaml'), 'id: bad\nsource: Bad\ndescription: d\nreferences: [{ name: n }]\nentries:\n  - { type: ipv4, value: 192.0.2.3, ref: r }\n  - { type: ipv4, value: 999.1.1.1, ref: r }\n');
  const b = await loadBundledIndicators(dir);
  assert.deepEqual(
    b.indicators.map((i) => i.value).sort(),
    ['192.0.2.1', '192.0.2.3'],
  );
  assert.equal(b.errors.length, 2);
  assert.match(b.errors.join('\n'), /typo\.yaml:6: entries\.0: .*"confidance"/);
  assert.match(b.errors.join('\n'), /badvalue\.yaml:7: "999\.1\.1\.1" is not/);
});

async function records(parse: typeof parseW3c, path: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  await parse({ path: path.split('/').pop()!, open: () => Promise.resolve(createReadStream(path)) }, { literals: null, onRecord: (r) => out.push(r), onDiagnostic: () => undefined });
  return out;
}

test('scan integration: the bundled pack and the store together, on the IIS and HttpProxy fixtures and a file record', async (t) => {
  const store = await tempStore(t);
  await importText(store, '203.0.113.66\n', 'partner.txt', { source: 'Partner feed', defaults: { tlp: 'amber', confidence: 90 } });
  await store.close();
  const set = await loadIntel({ store: store.location });
  assert.deepEqual(set.errors, []);
  assert.equal(set.storePath, store.location);
  assert.deepEqual([...set.hashes].sort(), ['md5', 'sha1', 'sha256']);
  assert.deepEqual(set.detectors.map((d) => d.id).sort(), ['intel.file', 'intel.httpproxy', 'intel.iis']);
  const byKind = new Map(set.detectors.map((d) => [d.kinds[0]!, d]));
  const hits = (recs: LogRecord[]): Hit[] => recs.map((r) => byKind.get(r.kind)!.match(r, { exchangeInstall: null })).filter((h): h is Hit => h !== null);

  const iis = hits(await records(parseW3c, join(repoRoot, 'test', 'fixtures', 'logs', 'iis-w3c-synthetic.log')));
  const summary = iis.map((h) => `${h.source.line} ${h.ruleId} ${h.evidence.Indicator} ${h.severity}`);
  assert.ok(summary.includes('7 intel.ipv4 203.0.113.66 critical'), summary.join('\n'));
  assert.ok(summary.includes('8 intel.ipv4 203.0.113.66 critical'), summary.join('\n'));
  const line8 = iis.find((h) => h.source.line === 8)!;
  assert.match(line8.evidence.OtherIndicators ?? '', /useragent antSword\/v2\.1 \[CISA AA21-062A\]/);
  assert.equal(line8.evidence.IntelSources, 'Partner feed (TLP:AMBER, confidence 90)');

  const hp = hits(await records(parseHttpProxy, join(repoRoot, 'test', 'fixtures', 'logs', 'httpproxy-ecp-synthetic.log')));
  for (const h of hp) assert.equal(h.source.kind, 'httpproxy');

  const file = new MapRecord('file', { path: 'C/inetpub/wwwroot/aspnet_client/supp0rt.aspx', line: null, kind: 'file' }, '2021-03-04T00:00:00.000Z', {
    Path: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    CanonicalPath: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    Name: 'supp0rt.aspx',
    SHA256: '',
  });
  const fh = byKind.get('file')!.match(file, { exchangeInstall: null });
  assert.equal(fh?.ruleId, 'intel.filepath');
  assert.equal(fh?.outcome, 'compromised');
  assert.match(fh?.evidence.IntelSources ?? '', /^Microsoft MSTIC Exchange March 2021 \(TLP:CLEAR, confidence 80\)$/);
});

test('a scan without a store uses the bundled pack and creates nothing', async (t) => {
  const dir = tempDir(t);
  const set = await loadIntel({ store: join(dir, 'absent.db') });
  assert.match(set.errors.join(''), /no exhunt store at/);
  assert.equal(set.storePath, null);
  assert.ok(set.stats.active > 150);
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(join(dir, 'absent.db')), false);
  const none = await loadIntel({ bundled: false, useStore: false });
  assert.equal(none.detectors.length, 0);
});

void repoRoot;
