import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Store } from '../../store/index.js';
import { openStore } from '../../store/index.js';
import { importInput, importText } from '../import/import.js';
import type { Indicator, IndicatorType } from '../model.js';
import { parsePattern } from '../formats/stix/pattern/parser.js';
import { requireShared, shared, tempStore } from '../testutil.js';
import { exportIndicators, indicatorStixId, parseFindings, sightingsBundle } from './index.js';
import type { FindingLike } from './index.js';

const SAMPLES = [
  ['azure-sentinel', 'Sample_Data_Feeds', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.json'],
  ['cisagov-chirp', 'indicators', 'AA21-062A', 'AA21062A.yaml'],
  ['signature-base', 'iocs', 'filename-iocs.txt'],
  ['pan-unit42-iocs', 'DearCry', 'DearCry.txt'],
  ['intel', 'stix21', 'oasis_threat-report_apt1.json'],
  ['intel', 'stix21', 'oasis_threat-report_poisonivy.json'],
  ['intel', 'misp', 'pymisp_existing_event_sednit-osint.json'],
];

let built: Promise<Store | null> | null = null;
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

/** The samples imported once into one store, shared by the read-only tests below. */
async function loaded(t: TestContext): Promise<Store | null> {
  for (const parts of SAMPLES) if (!requireShared(t, shared(...parts))) return null;
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-export-'));
    const store = await openStore({ path: join(dir, 'exhunt.db') });
    cleanup.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    for (const parts of SAMPLES) {
      const r = await importInput(store, shared(...parts));
      assert.ok(r.ok, r.error ?? '');
    }
    // Plus hand-made indicators of the types the samples lack.
    await importText(
      store,
      ['type,value', 'useragent,Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', 'url-path,/owa/auth/OutlookZH.aspx', 'ipv6,2001:db8::/32', 'filename-regex,^err[a-z]{2}\\.aspx$'].join('\n'),
      'extra.csv',
      { source: 'Extra', defaults: { tlp: 'green' } },
    );
    return store;
  })();
  return built;
}

async function set(store: Store): Promise<string[]> {
  return (await store.intel.list()).map((i) => `${i.type} ${i.value}`).sort();
}

for (const format of ['stix', 'misp', 'csv'] as const) {
  test(`export --format ${format} then import gives the same indicator set`, async (t) => {
    const a = await loaded(t);
    if (!a) return;
    const before = await set(a);
    const out = await exportIndicators(a, format);
    assert.equal(out.exported, before.length);
    const b = await tempStore(t);
    const r = await importText(b, out.text, `export.${format === 'misp' ? 'json' : format === 'stix' ? 'json' : 'csv'}`, { source: 'roundtrip' });
    assert.equal(r.ok, true, r.error ?? '');
    assert.equal(r.skipped, 0, JSON.stringify(r.skips.slice(0, 3)));
    assert.deepEqual(await set(b), before);
    if (format !== 'misp') {
      // The provenance's TLP survives (the least restrictive shared source).
      const [path] = await b.intel.list({ types: ['url-path'] });
      assert.equal(path?.provenance[0]?.tlp, 'green');
    }
  });
}

test('every exported STIX pattern parses with exhunt’s own validator', async (t) => {
  const a = await loaded(t);
  if (!a) return;
  const out = JSON.parse((await exportIndicators(a, 'stix')).text) as { objects: { type: string; pattern?: string; pattern_type?: string }[] };
  const patterns = out.objects.filter((o) => o.type === 'indicator' && o.pattern_type === 'stix').map((o) => o.pattern!);
  assert.ok(patterns.length > 3900, String(patterns.length));
  for (const p of patterns) assert.doesNotThrow(() => parsePattern(p), p);
});

test('TLP:RED stays home unless asked; other sources of the same value are still shared', async (t) => {
  const store = await tempStore(t);
  await importText(store, '203.0.113.50\n203.0.113.51\n', 'red.txt', { source: 'Red partner', defaults: { tlp: 'red' } });
  await importText(store, '203.0.113.51\n', 'public.txt', { source: 'Public', defaults: { tlp: 'clear' } });
  const plain = await exportIndicators(store, 'csv');
  assert.equal(plain.exported, 1);
  assert.equal(plain.withheld, 1);
  assert.doesNotMatch(plain.text, /Red partner/);
  assert.match(plain.text, /203\.0\.113\.51,203\.0\.113\.51,Public/);
  const red = await exportIndicators(store, 'stix', { includeRed: true });
  assert.equal(red.exported, 2);
  assert.match(red.text, /marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1/);
  const amberOnly = await exportIndicators(store, 'csv', { maxTlp: 'clear' });
  assert.equal(amberOnly.exported, 1);
});

function finding(p: Partial<FindingLike>): FindingLike {
  return {
    ruleId: 'Exchange.WebShell.KnownPath',
    title: 'File at a path Microsoft published as a web shell or tool',
    severity: 'critical',
    outcome: 'compromised',
    time: '2021-03-03T04:05:06.000Z',
    clientIp: null,
    source: { path: 'C/inetpub/wwwroot/aspnet_client/x.aspx', line: null, kind: 'file' },
    evidence: {},
    ...p,
  };
}

test('sightings: of known indicators, new indicators from other findings, nothing for TLP:RED or internal addresses', async (t) => {
  const store = await tempStore(t);
  await importText(store, '203.0.113.7\n', 'pub.txt', { source: 'Public', defaults: { tlp: 'clear' } });
  await importText(store, '198.51.100.9\n', 'red.txt', { source: 'Secret', defaults: { tlp: 'red' } });
  const all = new Map<string, Indicator>((await store.intel.list()).map((i) => [`${i.type} ${i.value}`, i]));
  const lookup = (type: IndicatorType, value: string): Indicator | null => all.get(`${type} ${value}`) ?? null;
  const jsonl = [
    finding({ ruleId: 'intel.ipv4', outcome: 'attempted', severity: 'high', clientIp: '203.0.113.7', source: { path: 'a.log', line: 3, kind: 'iis' }, evidence: { Indicator: '203.0.113.7' } }),
    finding({ ruleId: 'intel.ipv4', outcome: 'attempted', severity: 'high', time: '2021-03-04T00:00:00.000Z', clientIp: '203.0.113.7', source: { path: 'a.log', line: 9, kind: 'iis' }, evidence: { Indicator: '203.0.113.7' } }),
    finding({ ruleId: 'intel.ipv4', outcome: 'attempted', severity: 'high', clientIp: '198.51.100.9', source: { path: 'a.log', line: 4, kind: 'iis' }, evidence: { Indicator: '198.51.100.9' } }),
    finding({ evidence: { Path: 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx', SHA256: 'AB'.repeat(32) } }),
    finding({ ruleId: 'Exchange.ProxyLogon.Ssrf', outcome: 'attempted', severity: 'high', clientIp: '192.0.2.33', source: { path: 'hp.log', line: 2, kind: 'httpproxy' } }),
    finding({ ruleId: 'Exchange.ProxyLogon.Ssrf', outcome: 'attempted', severity: 'high', clientIp: '10.1.2.3', source: { path: 'hp.log', line: 5, kind: 'httpproxy' } }),
  ]
    .map((f) => JSON.stringify(f))
    .join('\n');
  const parsed = parseFindings(`${jsonl}\nnot json\n`, 'findings.jsonl');
  assert.deepEqual(parsed.errors, ['findings.jsonl:7: not JSON']);
  const r = sightingsBundle(parsed.findings, { lookup, where: 'Contoso' });
  assert.equal(r.withheld, 1, 'the TLP:RED sighting is left out');
  assert.equal(r.discovered, 3, 'sha256, path and the public attacker address');
  const objs = (r.bundle as { objects: Record<string, unknown>[] }).objects;
  const sightings = objs.filter((o) => o.type === 'sighting');
  assert.equal(sightings.length, 4);
  const known = sightings.find((s) => s.sighting_of_ref === indicatorStixId('ipv4', '203.0.113.7'));
  assert.ok(known);
  assert.equal(known.count, 2);
  assert.equal(known.first_seen, '2021-03-03T04:05:06.000Z');
  assert.equal(known.last_seen, '2021-03-04T00:00:00.000Z');
  assert.deepEqual(known.object_marking_refs, ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'], 'TLP:AMBER by default');
  const ids = new Set(objs.map((o) => o.id));
  for (const s of sightings) assert.ok(ids.has(s.sighting_of_ref), 'every sighting refers to an indicator in the bundle');
  const text = JSON.stringify(r.bundle);
  assert.doesNotMatch(text, /198\.51\.100\.9|10\.1\.2\.3/);
  assert.match(text, /192\.0\.2\.33/);
  assert.match(text, /exhunt-discovered/);
  assert.match(text, /file:parent_directory_ref\.path = 'C:\\\\\\\\inetpub/);
  // The bundle reads back into exhunt.
  const b = await tempStore(t);
  const back = await importText(b, text, 'sightings.json');
  assert.equal(back.ok, true);
  assert.deepEqual(
    (await b.intel.list()).map((i) => i.type).sort(),
    ['filepath', 'ipv4', 'ipv4', 'sha256'],
  );
});
