import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type { IndicatorInput } from '../intel/model.js';
import { exhuntHome, MIGRATIONS, migrate, openStore, resolveStorePath, SqliteStore, StoreMissingError, StoreVersionError } from './index.js';

function dir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'exhunt-store-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const item = (value: string, p: Partial<IndicatorInput['provenance']> = {}): IndicatorInput => ({
  type: 'ipv4',
  value,
  display: value,
  provenance: { ref: '', ...p },
});

test('store location: --store file or folder, EXHUNT_HOME, XDG_DATA_HOME, ~/.local/share, %LOCALAPPDATA%', () => {
  assert.equal(exhuntHome({ EXHUNT_HOME: '/srv/exhunt' }, 'linux'), '/srv/exhunt');
  assert.equal(exhuntHome({ XDG_DATA_HOME: '/x/data', HOME: '/home/a' }, 'linux'), '/x/data/exhunt');
  assert.equal(exhuntHome({ HOME: '/home/a' }, 'linux'), '/home/a/.local/share/exhunt');
  assert.equal(exhuntHome({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32'), 'C:\\Users\\a\\AppData\\Local\\exhunt');
  assert.equal(resolveStorePath(null, { EXHUNT_HOME: '/srv/exhunt' }, 'linux'), '/srv/exhunt/exhunt.db');
  assert.equal(resolveStorePath('/tmp/some/', {}, 'linux'), '/tmp/some/exhunt.db');
  assert.equal(resolveStorePath('/tmp/case.db', {}, 'linux'), '/tmp/case.db');
});

test('a new store applies the migrations once, in WAL mode; reopening applies nothing new', async (t) => {
  const path = join(dir(t), 'a', 'exhunt.db');
  const s = SqliteStore.open({ path });
  assert.deepEqual(s.migrations, MIGRATIONS.map((m) => m.id));
  assert.equal(s.database.pragma('journal_mode', { simple: true }), 'wal');
  await s.close();
  const again = SqliteStore.open({ path });
  assert.equal((again.database.prepare('SELECT count(*) AS n FROM store_migrations').get() as { n: number }).n, MIGRATIONS.length);
  await again.close();
});

test('a store written by a newer exhunt (in a namespace this build migrates), a non-database file and a missing store are clear errors; other features’ migrations are left alone', async (t) => {
  const d = dir(t);
  const path = join(d, 'exhunt.db');
  const db = new Database(path);
  migrate(db);
  db.prepare("INSERT INTO store_migrations (id, description, applied_at) VALUES ('watch/7', 'another feature', '2030-01-01')").run();
  db.close();
  const other = await openStore({ path });
  await other.close();
  const db2 = new Database(path);
  db2.prepare("INSERT INTO store_migrations (id, description, applied_at) VALUES ('intel/99', 'future', '2030-01-01')").run();
  db2.close();
  await assert.rejects(openStore({ path }), (e: unknown) => e instanceof StoreVersionError && /newer exhunt \(unknown migrations: intel\/99\)/.test(e.message));
  const junk = join(d, 'junk.db');
  writeFileSync(junk, 'this is not sqlite at all, just text that is long enough to have a header...');
  await assert.rejects(openStore({ path: junk }), StoreVersionError);
  await assert.rejects(openStore({ path: join(d, 'none.db'), create: false }), StoreMissingError);
  await assert.rejects(openStore({ path: 'postgres://db/exhunt' }), /PostgreSQL store is not available/);
});

test('an import is invisible to other connections until it commits, and gone after a rollback', async (t) => {
  const path = join(dir(t), 'exhunt.db');
  const writer = await openStore({ path });
  const reader = await openStore({ path });
  t.after(async () => {
    await writer.close();
    await reader.close();
  });
  const s = await writer.intel.beginImport({ name: 'feed', kind: 'file' }, 'x', 'text');
  assert.deepEqual(await s.add([item('192.0.2.1'), item('192.0.2.2'), item('192.0.2.1')]), ['taken', 'taken', 'merged']);
  assert.equal(await reader.intel.count(), 0, 'not visible before commit (WAL snapshot)');
  await assert.rejects(writer.intel.beginImport({ name: 'other', kind: 'file' }, 'y', 'text'), /another import is in progress/);
  await s.commit({ taken: 2, merged: 1, skipped: 0, kept: 0, superseded: 0, report: '{}' });
  assert.equal(await reader.intel.count(), 2);
  const r = await writer.intel.beginImport({ name: 'feed', kind: 'file' }, 'z', 'text');
  await r.add([item('192.0.2.3')]);
  await r.rollback();
  assert.equal(await reader.intel.count(), 2);
  const [log] = await reader.intel.imports();
  assert.deepEqual([log?.source, log?.taken, log?.merged], ['feed', 2, 1]);
});

test('merge rules per source and ref: earliest first seen, latest last seen, highest confidence, strictest TLP, tag union', async (t) => {
  const store = await openStore({ path: join(dir(t), 'exhunt.db') });
  t.after(() => store.close());
  const s = await store.intel.beginImport({ name: 'feed', kind: 'file' }, 'x', 'text');
  await s.add([
    item('192.0.2.9', { firstSeen: '2021-03-02T00:00:00.000Z', lastSeen: '2021-03-03T00:00:00.000Z', confidence: 40, tlp: 'green', tags: ['a'] }),
    item('192.0.2.9', { firstSeen: '2021-03-01T00:00:00.000Z', lastSeen: '2021-03-02T00:00:00.000Z', confidence: 70, tlp: 'amber', tags: ['b'] }),
  ]);
  await s.commit({ taken: 1, merged: 1, skipped: 0, kept: 0, superseded: 0, report: '{}' });
  const [ind] = await store.intel.list();
  const p = ind!.provenance[0]!;
  assert.deepEqual([p.firstSeen, p.lastSeen, p.confidence, p.tlp, p.tags], ['2021-03-01T00:00:00.000Z', '2021-03-03T00:00:00.000Z', 70, 'amber', ['a', 'b']]);
});

test('remove a source, feeds round-trip, stats count revoked and expired', async (t) => {
  const store = await openStore({ path: join(dir(t), 'exhunt.db') });
  t.after(() => store.close());
  for (const [name, items] of [
    ['one', [item('192.0.2.1'), item('192.0.2.2', { revoked: true })]],
    ['two', [item('192.0.2.1'), item('192.0.2.3', { validUntil: '2000-01-01T00:00:00.000Z' })]],
  ] as const) {
    const s = await store.intel.beginImport({ name, kind: 'file' }, name, 'text');
    await s.add(items);
    await s.commit({ taken: 0, merged: 0, skipped: 0, kept: 0, superseded: 0, report: '{}' });
  }
  const stats = await store.intel.stats(new Date('2021-03-10T00:00:00Z'));
  assert.deepEqual([stats.indicators, stats.provenance, stats.revoked, stats.inactive], [3, 4, 1, 2]);
  assert.deepEqual(
    stats.bySource.map((s) => [s.name, s.indicators]),
    [
      ['one', 2],
      ['two', 2],
    ],
  );
  assert.deepEqual(await store.intel.remove({ source: 'one' }), { indicators: 1, provenance: 2 });
  assert.deepEqual(
    (await store.intel.list()).map((i) => i.value),
    ['192.0.2.1', '192.0.2.3'],
  );
  assert.deepEqual(
    (await store.intel.sources()).map((s) => s.name),
    ['two'],
  );
  await store.intel.addFeed({ name: 'f', kind: 'taxii', url: 'https://127.0.0.1/api1/', source: 'F', options: { collection: 'c', tokenEnv: 'T' } });
  await assert.rejects(store.intel.addFeed({ name: 'f', kind: 'http', url: 'https://x/', source: 'F', options: {} }), /already exists/);
  await store.intel.saveFeedState('f', { cursor: '2021-03-03T00:00:00Z', etag: '"x"' });
  const [f] = await store.intel.feeds();
  assert.deepEqual([f?.options.collection, f?.cursor, f?.etag, f?.lastUpdate], ['c', '2021-03-03T00:00:00Z', '"x"', null]);
  assert.equal(await store.intel.removeFeed('f'), true);
  assert.equal(await store.intel.feed('f'), null);
});

test('features add their own migrations at open, in their own namespace', async (t) => {
  const path = join(dir(t), 'exhunt.db');
  const s = SqliteStore.open({ path, migrations: [{ id: 'demo/1', description: 'a feature table', sql: 'CREATE TABLE demo_things (id INTEGER PRIMARY KEY)' }] });
  assert.deepEqual(s.migrations, [...MIGRATIONS.map((m) => m.id), 'demo/1']);
  s.database.prepare('INSERT INTO demo_things (id) VALUES (1)').run();
  await s.close();
  const plain = SqliteStore.open({ path });
  assert.deepEqual(plain.migrations, MIGRATIONS.map((m) => m.id), 'opening without the feature leaves its tables alone');
  await plain.close();
});

test('a migration may adopt tables an older exhunt created outside the store: recorded once, its SQL not run; a throw leaves nothing recorded', async (t) => {
  const d = dir(t);
  const path = join(d, 'exhunt.db');
  const old = new Database(path);
  old.exec('CREATE TABLE demo_things (id INTEGER PRIMARY KEY); INSERT INTO demo_things (id) VALUES (7)');
  old.close();
  const hasTable = (db: Database.Database): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'demo_things'").get() !== undefined;
  const demo = { id: 'demo/1', description: 'a feature table', sql: 'CREATE TABLE demo_things (id INTEGER PRIMARY KEY)', adopt: hasTable };
  const s = SqliteStore.open({ path, migrations: [demo] });
  assert.deepEqual(s.migrations, [...MIGRATIONS.map((m) => m.id), 'demo/1']);
  assert.deepEqual(s.database.prepare('SELECT id FROM demo_things').all(), [{ id: 7 }], 'the old rows stay');
  await s.close();
  const again = SqliteStore.open({ path, migrations: [demo] });
  assert.equal((again.database.prepare("SELECT count(*) AS n FROM store_migrations WHERE id = 'demo/1'").get() as { n: number }).n, 1);
  await again.close();
  const fresh = SqliteStore.open({ path: join(d, 'fresh.db'), migrations: [demo] });
  assert.equal(hasTable(fresh.database), true, 'nothing to adopt: the SQL runs');
  await fresh.close();
  const refuse = {
    ...demo,
    adopt: (): boolean => {
      throw new StoreVersionError('demo_things is not in a layout this build knows');
    },
  };
  assert.throws(() => SqliteStore.open({ path: join(d, 'odd.db'), migrations: [refuse] }), /not in a layout this build knows/);
  const odd = SqliteStore.open({ path: join(d, 'odd.db') });
  assert.equal(odd.migrations.includes('demo/1'), false);
  await odd.close();
});
