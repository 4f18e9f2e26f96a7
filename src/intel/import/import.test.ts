import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FormatReader } from '../formats/types.js';
import type { ImportReport } from './collector.js';
import { ImportRun, importInput, importText } from './import.js';
import { requireShared, shared, tempDir, tempStore } from '../testutil.js';

interface Expected {
  readonly file: readonly string[];
  readonly format: string;
  readonly taken: number;
  readonly merged: number;
  readonly skipped: number;
  readonly kept?: number;
  readonly byType: Record<string, number>;
  readonly skipReasons?: Record<string, number>;
}

/**
 * Every real sample in ../shared/data, imported into an empty store, with the exact report.
 * Counts were checked independently (see the comments) where the file allows it.
 */
const SAMPLES: readonly Expected[] = [
  // 61 rows: 14 sha256 + 47 paths, 5 paths listed twice.
  { file: ['azure-sentinel', 'Sample_Data_Feeds', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv'], format: 'csv', taken: 56, merged: 5, skipped: 0, byType: { sha256: 14, filepath: 47 } },
  // 57 entries (11 sha256 with their MD5 and SHA-1, 46 paths), 5 paths twice.
  { file: ['azure-sentinel', 'Sample_Data_Feeds', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.json'], format: 'csv', taken: 74, merged: 5, skipped: 0, byType: { sha256: 11, md5: 11, sha1: 11, filepath: 46 } },
  // 15 IPs; IIS rule: 10 strings (2 equal) + 1 regex; 15 UAs (2 equal); ECP and OAB strings;
  // 2 event regexes; 4 file YARA rules kept, 3 of them with a sample hash.
  {
    file: ['cisagov-chirp', 'indicators', 'AA21-062A', 'AA21062A.yaml'],
    format: 'chirp',
    taken: 50,
    merged: 2,
    skipped: 0,
    kept: 4,
    byType: { ipv4: 15, 'log-substring': 12, 'log-regex': 1, useragent: 15, 'event-regex': 2, yara: 4, sha256: 3 },
  },
  // 1,844 entries, 1,773 distinct.
  { file: ['signature-base', 'iocs', 'c2-iocs.txt'], format: 'loki', taken: 1773, merged: 71, skipped: 0, byType: { domain: 1709, ipv4: 135 } },
  // 3,828 entries, 3,711 distinct regexes.
  { file: ['signature-base', 'iocs', 'filename-iocs.txt'], format: 'loki', taken: 3711, merged: 117, skipped: 0, byType: { 'filepath-regex': 3828 } },
  // 3,224 entries, 3,053 distinct hashes.
  { file: ['signature-base', 'iocs', 'hash-iocs.txt'], format: 'loki', taken: 3053, merged: 171, skipped: 0, byType: { sha256: 1259, md5: 1039, sha1: 926 } },
  // 23 SHA-1 + 7 IPs + 10 domains (defanged); 8 heading/prose lines.
  { file: ['eset-malware-ioc', 'exchange_exploitation', 'README.adoc'], format: 'text', taken: 40, merged: 0, skipped: 8, byType: { sha1: 23, ipv4: 7, domain: 10 }, skipReasons: { 'not-an-indicator': 8 } },
  { file: ['eset-malware-ioc', 'exchange_exploitation', 'samples.md5'], format: 'text', taken: 23, merged: 0, skipped: 0, byType: { md5: 23 } },
  { file: ['eset-malware-ioc', 'exchange_exploitation', 'samples.sha1'], format: 'text', taken: 23, merged: 0, skipped: 0, byType: { sha1: 23 } },
  { file: ['eset-malware-ioc', 'exchange_exploitation', 'samples.sha256'], format: 'text', taken: 23, merged: 0, skipped: 0, byType: { sha256: 23 } },
  { file: ['volexity-threat-intel', '2021', '2021-03-02 - Operation Exchange Marauder', 'indicators', 'indicators.csv'], format: 'csv', taken: 13, merged: 0, skipped: 0, byType: { ipv4: 13 } },
  { file: ['pan-unit42-iocs', 'DearCry', 'DearCry.txt'], format: 'text', taken: 6, merged: 0, skipped: 0, byType: { sha256: 3, email: 2, filename: 1 } },
  { file: ['intel', 'stix21', 'oasis_indicator-to-campaign-relationship.json'], format: 'stix', taken: 1, merged: 0, skipped: 0, byType: { ipv4: 1 } },
  { file: ['intel', 'stix21', 'oasis_indicators-for-C2-with-COA.json'], format: 'stix', taken: 2, merged: 0, skipped: 0, byType: { ipv4: 1, sha256: 1 } },
  // No indicators; the two observables tied to infrastructure become indicators.
  { file: ['intel', 'stix21', 'oasis_infrastructure_no-indicators.json'], format: 'stix', taken: 2, merged: 0, skipped: 0, byType: { ipv4: 1, domain: 1 } },
  // Two e-mail MATCHES patterns: kept, not evaluated.
  { file: ['intel', 'stix21', 'oasis_malicious-email-indicator-with-attachment.json'], format: 'stix', taken: 2, merged: 0, skipped: 0, kept: 2, byType: { 'stix-pattern': 2 } },
  // 4 CIDR, 3 domains, 3 md5 (lower-case key); 2 x509 AND patterns kept.
  { file: ['intel', 'stix21', 'oasis_threat-report_apt1.json'], format: 'stix', taken: 12, merged: 0, skipped: 0, kept: 2, byType: { ipv4: 4, domain: 3, md5: 3, 'stix-pattern': 2 } },
  // 40 ipv4 + 25 domain + 2 file:name comparisons; "domain autuo.xicp.net" is not a domain.
  {
    file: ['intel', 'stix21', 'oasis_threat-report_poisonivy.json'],
    format: 'stix',
    taken: 44,
    merged: 22,
    skipped: 1,
    byType: { ipv4: 40, domain: 24, filename: 2 },
    skipReasons: { 'invalid-value': 1 },
  },
  { file: ['intel', 'legacy', 'stix20_oasis_indicators-for-C2-with-COA.json'], format: 'stix', taken: 2, merged: 0, skipped: 0, byType: { ipv4: 1, sha256: 1 } },
  // 22 attributes, 11 to_ids (2 of them "text").
  { file: ['intel', 'misp', 'eset_cloudmensis.misp.json'], format: 'misp', taken: 9, merged: 0, skipped: 13, byType: { md5: 3, sha1: 3, sha256: 3 }, skipReasons: { 'not-to-ids': 11, 'unsupported-type': 2 } },
  { file: ['intel', 'misp', 'eset_swc-candiru.misp.json'], format: 'misp', taken: 12, merged: 0, skipped: 88, byType: { url: 3, md5: 3, sha1: 3, sha256: 3 }, skipReasons: { 'not-to-ids': 85, 'unsupported-type': 3 } },
  // All 36 attributes have to_ids false.
  { file: ['intel', 'misp', 'eset_turla-lightneuron_exchange.misp.json'], format: 'misp', taken: 0, merged: 0, skipped: 36, byType: {}, skipReasons: { 'not-to-ids': 36 } },
  {
    file: ['intel', 'misp', 'pymisp_57c4445b-c548-4654-af0b-4be3950d210f.json'],
    format: 'misp',
    taken: 4,
    merged: 0,
    skipped: 5,
    byType: { filename: 1, md5: 1, sha1: 1, sha256: 1 },
    skipReasons: { 'not-to-ids': 4, 'unsupported-type': 1 },
  },
  { file: ['intel', 'misp', 'pymisp_event_obj_attr_tag.json'], format: 'misp', taken: 2, merged: 0, skipped: 0, byType: { filename: 1, url: 1 } },
  // 122 attributes, 83 to_ids.
  { file: ['intel', 'misp', 'pymisp_existing_event_sednit-osint.json'], format: 'misp', taken: 81, merged: 2, skipped: 39, byType: { domain: 19, filename: 15, sha1: 37, ipv4: 12 }, skipReasons: { 'not-to-ids': 39 } },
  // 74 attributes, 21 to_ids.
  { file: ['intel', 'misp', 'pymisp_mainly_objects_1_cisa-mar-samsam.json'], format: 'misp', taken: 19, merged: 2, skipped: 53, byType: { sha256: 3, sha1: 3, md5: 11, filename: 4 }, skipReasons: { 'not-to-ids': 53 } },
];

function summary(r: ImportReport): unknown {
  return { format: r.format, ok: r.ok, taken: r.taken, merged: r.merged, skipped: r.skipped, kept: r.kept, byType: r.byType, skipReasons: r.skipReasons };
}

for (const s of SAMPLES) {
  test(`real sample ${s.file.join('/')} imports with the right report`, async (t) => {
    const path = shared(...s.file);
    if (!requireShared(t, path)) return;
    const store = await tempStore(t);
    const r = await importInput(store, path);
    assert.equal(r.error, null);
    assert.deepEqual(summary(r), {
      format: s.format,
      ok: true,
      taken: s.taken,
      merged: s.merged,
      skipped: s.skipped,
      kept: s.kept ?? 0,
      byType: s.byType,
      skipReasons: s.skipReasons ?? {},
    });
    assert.equal(await store.intel.count(), s.taken, 'the store holds exactly the new indicators');
    for (const skip of r.skips) assert.match(skip.location, /:\d+|\$|document/, `skip has a location: ${JSON.stringify(skip)}`);
  });
}

test('the STIX 1.x sample is refused with a clear error and nothing is written', async (t) => {
  const path = shared('intel', 'legacy', 'stix1_pymisp_stix1.xml');
  if (!requireShared(t, path)) return;
  const store = await tempStore(t);
  const r = await importInput(store, path);
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /STIX 1\.x XML is not supported/);
  assert.equal(await store.intel.count(), 0);
});

test('importing the same file again merges everything and takes nothing', async (t) => {
  const path = shared('volexity-threat-intel', '2021', '2021-03-02 - Operation Exchange Marauder', 'indicators', 'indicators.csv');
  if (!requireShared(t, path)) return;
  const store = await tempStore(t);
  await importInput(store, path, { source: 'Volexity' });
  const again = await importInput(store, path, { source: 'Volexity' });
  assert.deepEqual([again.taken, again.merged], [0, 13]);
  const ind = (await store.intel.list({ value: '5.254.43.18' }))[0];
  assert.equal(ind?.provenance.length, 1, 'one source, one provenance row');
});

test('one indicator from several sources keeps each source with its TLP and dates', async (t) => {
  const csv = shared('azure-sentinel', 'Sample_Data_Feeds', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv');
  if (!requireShared(t, csv)) return;
  const store = await tempStore(t);
  await importInput(store, csv, { source: 'MSTIC' });
  const r = await importText(store, 'hxxps://example[.]com/x\n511DF0E2DF9BFA5521B588CC4BB5F8C5A321801B803394EBC493DB1EF3C78FA1;web shell\n', 'partner.txt', {
    source: 'Partner',
    defaults: { tlp: 'amber', confidence: 70, tags: ['partner'] },
  });
  assert.deepEqual([r.taken, r.merged], [1, 1]);
  const [ind] = await store.intel.list({ value: '511df0e2df9bfa5521b588cc4bb5f8c5a321801b803394ebc493db1ef3c78fa1' });
  assert.ok(ind);
  const bySource = Object.fromEntries(ind.provenance.map((p) => [p.source, p]));
  assert.equal(bySource.MSTIC?.tlp, 'clear');
  assert.equal(bySource.MSTIC?.firstSeen, '2021-03-04T08:05:00.587Z');
  assert.equal(bySource.Partner?.tlp, 'amber');
  assert.equal(bySource.Partner?.confidence, 70);
  assert.deepEqual(bySource.Partner?.tags, ['partner']);
  assert.equal(bySource.Partner?.description, 'web shell');
  const [url] = await store.intel.list({ types: ['url'] });
  assert.equal(url?.value, 'example.com/x', 'defanged URL refanged and normalised');
});

test('malformed JSON: an error with line and column, nothing written', async (t) => {
  const store = await tempStore(t);
  const r = await importText(store, '{"type": "bundle",\n "objects": [\n  {"type": "indicator", "id": "indicator--1",}\n ]}', 'broken.json');
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /malformed JSON at line 3, column \d+/);
  assert.equal(await store.intel.count(), 0);
});

const bundle = (patterns: readonly string[]): string =>
  JSON.stringify({
    type: 'bundle',
    id: 'bundle--00000000-0000-4000-8000-000000000000',
    objects: patterns.map((pattern, i) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--00000000-0000-4000-8000-00000000000${i}`,
      created: '2021-03-02T00:00:00.000Z',
      modified: '2021-03-02T00:00:00.000Z',
      pattern,
      pattern_type: 'stix',
      valid_from: '2021-03-02T00:00:00Z',
    })),
  });

test('a pattern with a syntax error and one with an unknown object path are skipped with their location; the rest imports', async (t) => {
  const store = await tempStore(t);
  const r = await importText(
    store,
    bundle(["[ipv4-addr:value = '203.0.113.9']", "[ipv4-addr:value = '198.51.100.1'", "[exchange-mailbox:name = 'x']", "[file:hashes.'SHA-256' = 'f00']", "[file:file_name = 'x.aspx']"]),
    'mixed.json',
  );
  assert.equal(r.ok, true);
  assert.equal(r.taken, 1);
  assert.deepEqual(r.skipReasons, { 'pattern-syntax': 2, 'unknown-object-path': 2 });
  const locs = r.skips.map((s) => `${s.code} ${s.location}`);
  assert.ok(locs.includes('pattern-syntax mixed.json $.objects[1].pattern'), locs.join('\n'));
  assert.ok(locs.includes('unknown-object-path mixed.json $.objects[2].pattern'), locs.join('\n'));
  assert.ok(r.skips.some((s) => /not a valid SHA-256 hash/.test(s.message)));
  assert.ok(r.skips.some((s) => /"file" has no property "file_name"/.test(s.message)));
  assert.equal(await store.intel.count(), 1);
});

test('patterns exhunt cannot evaluate are kept and counted, and their OR branches still give indicators', async (t) => {
  const store = await tempStore(t);
  const r = await importText(
    store,
    bundle([
      "[domain-name:value = 'evil.example' OR x509-certificate:serial_number = '01:02']",
      "[file:name = 'a.exe'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.1'] WITHIN 60 SECONDS",
      "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4' AND file:size = 1024]",
      "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'python-requests/2.19.1']",
      "[file:parent_directory_ref.path = 'C:\\\\inetpub\\\\wwwroot\\\\aspnet_client' AND file:name = 'shell.aspx']",
      "[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    ]),
    'kept.json',
  );
  assert.equal(r.ok, true);
  assert.deepEqual(r.byType, { domain: 1, 'stix-pattern': 2, md5: 1, useragent: 1, filepath: 1, ipv6: 1 });
  assert.equal(r.kept, 2);
  const kept = await store.intel.list({ types: ['stix-pattern'] });
  assert.match(kept.map((k) => k.attrs?.reason).join(' | '), /x509-certificate:serial_number = \(exhunt does not evaluate this\)/);
  assert.match(kept.map((k) => k.attrs?.reason).join(' | '), /FOLLOWEDBY/);
  const [fp] = await store.intel.list({ types: ['filepath'] });
  assert.equal(fp?.value, '\\inetpub\\wwwroot\\aspnet_client\\shell.aspx');
  const [v6] = await store.intel.list({ types: ['ipv6'] });
  assert.equal(v6?.value, '2001:db8:dead:beef::/64');
});

test('a file above the size limit is refused whole, with a clear error', async (t) => {
  const dir = tempDir(t);
  const big = join(dir, 'huge.txt');
  writeFileSync(big, '203.0.113.1\n'.repeat(2000));
  const store = await tempStore(t);
  const r = await importInput(store, big, { maxBytes: 10_000 });
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /24000 bytes, above the import limit of 10000 bytes/);
  assert.equal(await store.intel.count(), 0);
});

test('an import that fails half-way writes nothing (one transaction)', async (t) => {
  const store = await tempStore(t);
  await importText(store, '192.0.2.7\n', 'before.txt');
  const run = await ImportRun.begin(store, { name: 'crashy', kind: 'file' }, 'crashy.txt', 'text');
  const failing: FormatReader = {
    name: 'text',
    async read(_text, ctx, emit): Promise<void> {
      for (let i = 0; i < 5000; i++) await emit.indicator('ipv4', `10.${i >> 8}.${i & 255}.1`, { file: ctx.file, line: i + 1 }, { ref: '' });
      throw new Error('disk on fire');
    },
  };
  await assert.rejects(run.read(failing, '', { file: 'crashy.txt', options: {} }), /disk on fire/);
  const report = await run.rollback('disk on fire');
  assert.equal(report.ok, false);
  assert.equal(await store.intel.count(), 1, 'only the earlier import is there');
  assert.deepEqual(
    (await store.intel.sources()).map((s) => s.name),
    ['before.txt'],
  );
});

test('object versions: the newest modified wins, older ones are superseded, also across imports', async (t) => {
  const path = shared('intel', 'taxii21', 'medallion_default_data.json');
  if (!requireShared(t, path)) return;
  const { readFileSync } = await import('node:fs');
  const data = JSON.parse(readFileSync(path, 'utf8')) as { trustgroup1: { collections: { id: string; objects: unknown[] }[] } };
  const objects = data.trustgroup1.collections.find((c) => c.id.startsWith('91a7b528'))!.objects;
  const store = await tempStore(t);
  const r = await importText(store, JSON.stringify({ objects }), 'envelope.json', { source: 'taxii' });
  // 3 versions of one indicator and 2 of one malware: 3 older versions superseded.
  assert.equal(r.superseded, 3);
  const urls = await store.intel.list({ types: ['url'] });
  assert.deepEqual(
    urls.map((u) => u.value),
    ['x4z9arb.cn/4712'],
  );
  // An older version arriving later changes nothing.
  const old = (objects as { id: string; modified?: string }[]).filter((o) => o.id === 'indicator--6770298f-0fd8-471a-ab8c-1c658a46574e')[0];
  const again = await importText(store, JSON.stringify({ objects: [old] }), 'old.json', { source: 'taxii' });
  assert.equal(again.superseded, 1);
  assert.deepEqual(
    (await store.intel.list({ types: ['url'] })).map((u) => u.value),
    ['x4z9arb.cn/4712'],
  );
  // The TLP:GREEN marking definition in the collection is resolved by id.
  const [hash] = await store.intel.list({ types: ['sha256'] });
  assert.equal(hash?.provenance[0]?.ref, 'indicator--cd981c25-8042-4166-8945-51178443bdac');
});

test('a newer version of a STIX indicator replaces what the old version said', async (t) => {
  const store = await tempStore(t);
  const v = (modified: string, value: string): string =>
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--1',
      objects: [{ type: 'indicator', spec_version: '2.1', id: 'indicator--a', created: '2021-01-01T00:00:00Z', modified, pattern: `[ipv4-addr:value = '${value}']`, pattern_type: 'stix', valid_from: '2021-01-01T00:00:00Z' }],
    });
  await importText(store, v('2021-01-01T00:00:00.000Z', '192.0.2.1'), 'a.json', { source: 'feed' });
  await importText(store, v('2021-02-01T00:00:00.000Z', '192.0.2.2'), 'b.json', { source: 'feed' });
  assert.deepEqual(
    (await store.intel.list()).map((i) => i.value),
    ['192.0.2.2'],
  );
});

test('a MISP feed folder (manifest.json + one file per event); a listed event that is missing is reported', async (t) => {
  const event = shared('intel', 'misp', 'pymisp_57c4445b-c548-4654-af0b-4be3950d210f.json');
  if (!requireShared(t, event)) return;
  const { copyFileSync } = await import('node:fs');
  const dir = tempDir(t);
  copyFileSync(event, join(dir, '57c4445b-c548-4654-af0b-4be3950d210f.json'));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      '57c4445b-c548-4654-af0b-4be3950d210f': { info: 'Ransomware - Xorist', timestamp: '1472739493', Tag: [{ name: 'tlp:white' }] },
      '00000000-0000-4000-8000-000000000001': { info: 'gone', timestamp: '1472739494' },
    }),
  );
  const store = await tempStore(t);
  const r = await importInput(store, dir, { source: 'feed' });
  assert.equal(r.format, 'misp');
  assert.deepEqual([r.ok, r.taken, r.skipped], [true, 4, 6]);
  assert.ok(r.skips.some((s) => /00000000-0000-4000-8000-000000000001\.json listed in the manifest is missing/.test(s.message)));
  const [hash] = await store.intel.list({ types: ['sha256'] });
  assert.equal(hash?.provenance[0]?.tlp, 'clear', 'tlp:white tag');
  assert.ok(hash?.provenance[0]?.version, 'attribute timestamp is the version');
});

test('generic CSV with a column mapping, and a MISP CSV export with to_ids', async (t) => {
  const store = await tempStore(t);
  const mapped = await importText(store, 'Seen;Kind;Thing\n2021-03-03,ip,203.0.113.80\n2021-03-04,hash,\n'.replace(/;/g, ','), 'custom.csv', {
    formatOptions: { csvMap: { value: 'Thing', type: 'Kind', first_seen: '1' } },
  });
  assert.deepEqual([mapped.ok, mapped.taken, mapped.skipped], [true, 1, 1]);
  assert.equal(mapped.skips[0]?.location, 'custom.csv:3');
  const [ip] = await store.intel.list({ types: ['ipv4'] });
  assert.equal(ip?.provenance[0]?.firstSeen, '2021-03-03T00:00:00.000Z');
  const bad = await importText(store, 'a,b\n1,2\n', 'nomap.csv', { format: 'csv', formatOptions: { csvMap: { value: 'c' } } });
  assert.match(bad.error ?? '', /--map: no column "c"/);
  const misp = [
    'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag',
    '5c0f0f0f-0000-4000-8000-000000000001,1,Network activity,ip-dst|port,198.51.100.77|443,c2,1,1614816000,,tlp:green',
    '5c0f0f0f-0000-4000-8000-000000000002,1,Payload delivery,filename|sha256,"x.aspx|2b6f1ebb2208e93ade4a6424555d6a8341fd6d9f60c25e44afe11008f5c1aad1",,True,1614816000,,',
    '5c0f0f0f-0000-4000-8000-000000000003,1,Network activity,domain,evil.example,,0,1614816000,,',
    '5c0f0f0f-0000-4000-8000-000000000004,1,Other,comment,just words,,1,1614816000,,',
  ].join('\n');
  const r = await importText(store, misp, 'misp-export.csv');
  assert.equal(r.format, 'csv');
  assert.deepEqual([r.taken, r.skipped, r.skipReasons], [2, 2, { 'not-to-ids': 1, 'unsupported-type': 1 }]);
  const [h] = await store.intel.list({ types: ['sha256'] });
  assert.equal(h?.provenance[0]?.description, 'file name x.aspx');
  assert.equal(h?.provenance[0]?.ref, '5c0f0f0f-0000-4000-8000-000000000002');
});
