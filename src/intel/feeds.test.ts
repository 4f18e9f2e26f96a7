import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { fakeFeed, fakeMisp, fakeTaxii } from '../../test/fixtures/intel/servers.js';
import type { TaxiiCollectionData } from '../../test/fixtures/intel/servers.js';
import type { Store } from '../store/index.js';
import { updateFeed, updateFeeds, validateFeed } from './feeds.js';
import { TaxiiClient, TaxiiError } from './formats/taxii/client.js';
import { requireShared, shared, tempDir, tempStore } from './testutil.js';

interface Medallion {
  trustgroup1: { collections: (TaxiiCollectionData & { manifest: { id: string; date_added: string; version: string }[] })[] };
}

function medallion(t: TestContext): TaxiiCollectionData[] | null {
  const path = shared('intel', 'taxii21', 'medallion_default_data.json');
  if (!requireShared(t, path)) return null;
  const data = JSON.parse(readFileSync(path, 'utf8')) as Medallion;
  return data.trustgroup1.collections;
}

const HIGH_VALUE = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';

async function addTaxiiFeed(store: Store, url: string, extra: Record<string, string | boolean> = {}): Promise<void> {
  await store.intel.addFeed({ name: 'medallion', kind: 'taxii', url, source: 'Medallion TAXII', options: { collection: HIGH_VALUE, ...extra } });
}

test('TAXII over HTTPS with basic auth: discovery, paging with next, versions, cursor for the next update', async (t) => {
  const collections = medallion(t);
  if (!collections) return;
  const server = await fakeTaxii({ https: true, collections, auth: { basic: 'analyst:s3cret' } });
  t.after(() => server.close());
  const store = await tempStore(t);
  const caFile = join(tempDir(t), 'ca.pem');
  writeFileSync(caFile, server.ca!);
  await addTaxiiFeed(store, `${server.url}/taxii2/`, { auth: 'basic', userEnv: 'T_USER', passwordEnv: 'T_PASS', caFile });
  const env = { T_USER: 'analyst', T_PASS: 's3cret' };
  const [feed] = await store.intel.feeds();
  const r = await updateFeed(store, feed!, { env, pageSize: 2 });
  assert.equal(r.ok, true, r.error ?? '');
  // 8 objects over 4 pages: 3 older versions superseded, 1 SHA-256 and the latest URL taken.
  assert.deepEqual([r.taken, r.merged, r.superseded], [2, 0, 3]);
  assert.deepEqual(
    (await store.intel.list()).map((i) => `${i.type} ${i.value}`),
    ['sha256 ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c', 'url x4z9arb.cn/4712'],
  );
  const objectPages = server.requests.filter((q) => q.url.includes('/objects/'));
  assert.equal(objectPages.length, 4);
  assert.ok(objectPages.slice(1).every((q) => /next=\d+/.test(q.url)), 'pages 2.. use next');
  assert.ok(server.requests.every((q) => q.accept === 'application/taxii+json;version=2.1'));
  const [after] = await store.intel.feeds();
  assert.equal(after?.cursor, '2017-12-31T13:49:53.935000Z', 'the latest date_added of the manifest');
  assert.match(after?.lastStatus ?? '', /^ok: 2 new/);
  // The next update asks only for what was added since.
  const again = await updateFeed(store, after, { env, pageSize: 2 });
  assert.deepEqual([again.ok, again.taken, again.merged], [true, 0, 0]);
  assert.match(server.requests.at(-1)!.url, /added_after=2017-12-31T13%3A49%3A53.935000Z/);
});

test('TAXII: wrong credentials, a hanging server, garbage and HTML answers are clear errors and write nothing', async (t) => {
  const collections = medallion(t);
  if (!collections) return;
  for (const [how, expected] of [
    ['hang', /no complete response within 0\.3 s/],
    ['garbage', /not JSON/],
    ['html', /not JSON .*text\/html/],
    ['500', /HTTP 500/],
  ] as const) {
    const server = await fakeTaxii({ collections, misbehave: { page: 1, how } });
    const store = await tempStore(t);
    await addTaxiiFeed(store, `${server.url}/api1/`);
    const [feed] = await store.intel.feeds();
    const r = await updateFeed(store, feed!, { pageSize: 2, timeoutMs: 300 });
    await server.close();
    assert.equal(r.ok, false, how);
    assert.match(r.error ?? '', expected, `${how}: ${r.error ?? ''}`);
    assert.equal(await store.intel.count(), 0, `${how}: nothing half-written`);
    const [after] = await store.intel.feeds();
    assert.equal(after?.cursor, null, `${how}: cursor not advanced`);
    assert.match(after?.lastStatus ?? '', /^error: /);
  }
  const locked = await fakeTaxii({ collections, auth: { bearer: 'right' } });
  t.after(() => locked.close());
  const store = await tempStore(t);
  await addTaxiiFeed(store, `${locked.url}/api1/`, { auth: 'bearer', tokenEnv: 'T_TOKEN' });
  const [feed] = await store.intel.feeds();
  const denied = await updateFeed(store, feed!, { env: { T_TOKEN: 'wrong' } });
  assert.match(denied.error ?? '', /HTTP 401/);
  const missing = await updateFeed(store, feed!, { env: {} });
  assert.match(missing.error ?? '', /environment variable T_TOKEN .* is not set/);
  const ok = await updateFeed(store, feed!, { env: { T_TOKEN: 'right' } });
  assert.equal(ok.taken, 2);
  assert.equal(locked.requests.at(-1)?.authorization, 'Bearer right');
});

test('TAXII client: collections, can_read false, and a truncated discovery answer', async (t) => {
  const collections = medallion(t);
  if (!collections) return;
  const server = await fakeTaxii({ collections });
  t.after(() => server.close());
  const client = new TaxiiClient({ timeoutMs: 2000 });
  const d = await client.discovery(`${server.url}/taxii2/`);
  assert.equal(d.default, `${server.url}/api1/`);
  const root = await client.apiRoot(d.default);
  assert.deepEqual(root.versions, ['application/taxii+json;version=2.1']);
  const cols = await client.collections(d.default);
  assert.deepEqual(
    cols.map((c) => [c.id, c.canRead]),
    [
      ['472c94ae-3113-4e3e-a4dd-a9f4ac7471d4', false],
      ['365fed99-08fa-fdcd-a1b3-fb247eb41d01', true],
      [HIGH_VALUE, true],
      ['52892447-4d7e-4f70-b94d-d7f22742ff63', true],
      ['64993447-4d7e-4f70-b94d-d7f33742ee63', false],
    ],
  );
  await assert.rejects(async () => {
    for await (const _ of client.objects(d.default!, '472c94ae-3113-4e3e-a4dd-a9f4ac7471d4')) void _;
  }, /HTTP 403 \(check the credentials and the collection's can_read\)/);
  const specPath = shared('intel', 'taxii21', 'taxii2client_v21_spec-responses.json');
  if (!requireShared(t, specPath)) return;
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { bad_discovery_response_raw: string };
  const bad = await fakeFeed({ path: '/taxii2/', body: spec.bad_discovery_response_raw, etag: 'x', contentType: 'application/taxii+json;version=2.1' });
  t.after(() => bad.close());
  await assert.rejects(client.discovery(`${bad.url}/taxii2/`), (e: unknown) => e instanceof TaxiiError && /not JSON/.test(e.message));
});

test('MISP REST search with an API key, paged, events since the last update', async (t) => {
  const files = ['eset_swc-candiru.misp.json', 'eset_cloudmensis.misp.json', 'pymisp_57c4445b-c548-4654-af0b-4be3950d210f.json'].map((f) => shared('intel', 'misp', f));
  for (const f of files) if (!requireShared(t, f)) return;
  const events = files.map((f) => {
    const d = JSON.parse(readFileSync(f, 'utf8')) as { Event?: Record<string, unknown>; response?: { Event: Record<string, unknown> }[] };
    return d.Event ?? d.response![0]!.Event;
  });
  const server = await fakeMisp({ key: 'k3y', events });
  t.after(() => server.close());
  const store = await tempStore(t);
  await store.intel.addFeed({ name: 'misp', kind: 'misp', url: server.url, source: 'Our MISP', options: { auth: 'misp-key', keyEnv: 'MISP_KEY' } });
  const [feed] = await store.intel.feeds();
  const r = await updateFeed(store, feed!, { env: { MISP_KEY: 'k3y' }, pageSize: 1 });
  assert.equal(r.ok, true, r.error ?? '');
  assert.equal(r.taken, 12 + 9 + 4);
  assert.equal(server.requests.filter((q) => q.url === '/events/restSearch').length, 4, '3 full pages and an empty one');
  assert.ok(server.requests.every((q) => q.authorization === 'k3y'));
  const [after] = await store.intel.feeds();
  assert.ok(after?.cursor && /^\d+$/.test(after.cursor));
  const denied = await updateFeed(store, after, { env: { MISP_KEY: 'nope' } });
  assert.match(denied.error ?? '', /HTTP 403 \(check the MISP API key\)/);
});

test('HTTP feed: ETag gives 304 on the next update (nothing written); a changed feed imports', async (t) => {
  const server = await fakeFeed({ path: '/iocs.txt', body: '203.0.113.10\nhxxp://evil[.]example/a\n', etag: '"v1"' });
  t.after(() => server.close());
  const store = await tempStore(t);
  const spec = { name: 'plain', kind: 'http' as const, url: `${server.url}/iocs.txt`, source: 'Plain list', options: { tlp: 'green' } };
  assert.equal(validateFeed(spec), null);
  await store.intel.addFeed(spec);
  const first = await updateFeeds(store);
  assert.deepEqual([first[0]?.report.taken, first[0]?.report.notModified], [2, false]);
  const second = await updateFeeds(store, ['plain']);
  assert.equal(second[0]?.report.notModified, true);
  assert.equal(server.requests.at(-1)?.ifNoneMatch, '"v1"');
  server.setBody('203.0.113.10\n203.0.113.11\n', '"v2"');
  const third = await updateFeeds(store);
  assert.deepEqual([third[0]?.report.taken, third[0]?.report.merged], [1, 1]);
  const [ind] = await store.intel.list({ value: '203.0.113.11' });
  assert.equal(ind?.provenance[0]?.tlp, 'green');
  await assert.rejects(updateFeeds(store, ['nope']), /no feed named nope/);
  assert.match(validateFeed({ ...spec, url: 'https://u:p@host/x' }) ?? '', /credentials in the URL/);
  assert.match(validateFeed({ ...spec, kind: 'taxii' }) ?? '', /--collection/);
});
