/**
 * @module End-to-end tests of `exhunt inventory` and `exhunt probe` as the CLI runs them
 * (registerInventory / registerProbe on a commander program, output captured): exit codes,
 * terminal escaping of attacker-controlled names, JSON Lines and CSV files, the history
 * history in exhunt's store (shared with intel imports; `--db` files of earlier versions),
 * `inventory trend` with its SVG and PNG charts, `inventory sources`.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { registerIntel } from '../cli/commands/intel.js';
import { registerInventory, type CliIo } from '../cli/commands/inventory.js';
import { registerProbe } from '../cli/commands/probe.js';
import { openStore } from '../store/index.js';
import { startFakeExchange, type FakeServer } from '../../test/fixtures/inventory/fake-exchange.js';
import { HistoryStore, HistoryStoreError } from './history/store.js';
import { parseXml } from './posture/xml.js';
import { tempDir, writeFiles } from './testutil.js';
import { INVENTORY_SCHEMA_VERSION, type ServerReport } from './types.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...args: string[]): Promise<Run> {
  let code = -1;
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (s: string) => (out += s), isTTY: false }, stderr: { write: (s: string) => (err += s), isTTY: false } };
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerInventory(program, (c) => (code = c), io);
  registerProbe(program, (c) => (code = c), io);
  for (const c of program.commands) c.exitOverride();
  await program.parseAsync(['node', 'exhunt', ...args]);
  return { code, out, err };
}

/** `exhunt intel ...` with its own environment (the store's default location reads EXHUNT_HOME). */
async function intel(env: Readonly<Record<string, string | undefined>>, ...args: string[]): Promise<Run> {
  let code = -1;
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, done): void {
        add(chunk.toString());
        done();
      },
    });
  const program = new Command().exitOverride();
  registerIntel(program, (c) => (code = c), { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env });
  await program.parseAsync(['node', 'exhunt', 'intel', ...args]);
  return { code, out, err };
}

/** Migration ids recorded in a store file. */
function migrationsIn(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM store_migrations ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

/** The history schema of exhunt before the history moved onto the store (its own `--db` file). */
const LEGACY_SCHEMA = `
CREATE TABLE IF NOT EXISTS inventory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inventory_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('inventory', 'probe')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  exhunt_version TEXT NOT NULL,
  inputs TEXT NOT NULL,
  servers INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inventory_servers (
  run_id INTEGER NOT NULL REFERENCES inventory_runs(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  build TEXT,
  product TEXT,
  cu TEXT,
  su TEXT,
  confidence TEXT NOT NULL,
  support TEXT NOT NULL,
  open_families TEXT NOT NULL,
  unknown_families TEXT NOT NULL,
  open_cves TEXT NOT NULL,
  kbs TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_servers_run ON inventory_servers(run_id);
CREATE TABLE IF NOT EXISTS inventory_family_status (
  run_id INTEGER NOT NULL REFERENCES inventory_runs(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  family TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_family_status_run ON inventory_family_status(run_id, family);
INSERT OR IGNORE INTO inventory_meta(key, value) VALUES ('schema', '1');
`;

/** A history file as the old code wrote it, with one run: EXCH01 on 15.1.2176.2, open to ProxyLogon and ProxyShell. */
function writeLegacyHistory(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(LEGACY_SCHEMA);
    const run = Number(
      db
        .prepare('INSERT INTO inventory_runs(kind, started_at, finished_at, exhunt_version, inputs, servers) VALUES (?, ?, ?, ?, ?, ?)')
        .run('inventory', '2025-01-06T09:00:00.000Z', '2025-01-06T09:00:01.000Z', '0.0.9', '["EXCH01=15.1.2176.2"]', 1).lastInsertRowid,
    );
    db.prepare(
      'INSERT INTO inventory_servers(run_id, host, build, product, cu, su, confidence, support, open_families, unknown_families, open_cves, kbs, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(run, 'EXCH01', '15.1.2176.2', 'Exchange Server 2016', 'CU19', 'CU', 'exact', 'end-of-life', '["proxylogon","proxyshell"]', '[]', '[]', '[]', '{}');
    for (const [family, status] of [
      ['proxylogon', 'open'],
      ['proxyshell', 'open'],
    ]) {
      db.prepare('INSERT INTO inventory_family_status(run_id, host, family, status) VALUES (?, ?, ?, ?)').run(run, 'EXCH01', family, status);
    }
  } finally {
    db.close();
  }
}

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

void describe('exhunt inventory', () => {
  void test('exit 1 when a server is open; JSON Lines with the documented fields; CSV safe for spreadsheets', async (t) => {
    const dir = tempDir(t, 'cli');
    writeFiles(dir, { 'servers.csv': 'name,build\nEXCH01,15.1.2176.9\n"=HYPERLINK(""http://x"")",15.2.2562.17\n' });
    const r = await cli('inventory', join(dir, 'servers.csv'), '--store', join(dir, 'h.db'), '--as-of', '2026-11-27', '--jsonl', join(dir, 'o.jsonl'), '--csv', join(dir, 'o.csv'));
    assert.equal(r.code, 1);
    assert.match(r.out, /EXCH01\s+15\.1\.2176\.9\s+2016\s+CU19\s+Mar21SU\s+exact\s+end-of-life\s+.*ProxyShell/);
    assert.match(r.out, /1 of 2 server\(s\) open/);
    const lines = readFileSync(join(dir, 'o.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ServerReport);
    assert.equal(lines.length, 2);
    const first = lines[0];
    assert.ok(first);
    for (const k of ['schemaVersion', 'host', 'build', 'product', 'open', 'kbs', 'confidence', 'families', 'support', 'conflicts']) assert.ok(k in first, k);
    assert.equal(first.schemaVersion, INVENTORY_SCHEMA_VERSION);
    assert.ok(first.open.includes('CVE-2021-34473'));
    assert.deepEqual(first.kbs, ['Exchange 2016 CU23', 'KB5024296', 'Extended Protection']);
    const csv = readFileSync(join(dir, 'o.csv'), 'utf8');
    assert.match(csv, /^host,input,build,product,cu,su,confidence/);
    assert.match(csv, /"'=HYPERLINK\(""http:\/\/x""\)"/, 'formula neutralised');
  });

  void test('a server name with terminal escapes is printed escaped, never raw', async (t) => {
    const dir = tempDir(t, 'esc');
    writeFiles(dir, { 'servers.csv': 'name,build\n"EVIL\x1b[2J\x1b]0;pwned\x07\u202egpj",15.1.2176.9\n' });
    const r = await cli('inventory', join(dir, 'servers.csv'), '--no-store', '--explain');
    assert.doesNotMatch(r.out, /\x1b|\x07|\u202e/);
    assert.match(r.out, /EVIL\\x1b\[2J/);
  });

  void test('exit 0 when nothing is open; unknown is exit 1 only with --strict; exit 2 for unreadable input', async (t) => {
    const dir = tempDir(t, 'codes');
    assert.equal((await cli('inventory', '15.2.2562.17', '--no-store', '--as-of', '2026-11-27')).code, 0);
    const e2013 = await cli('inventory', '15.0.1497.48', '--no-store');
    assert.equal(e2013.code, 0);
    assert.match(e2013.out, /unknown: CVE-2024-21410/);
    assert.equal((await cli('inventory', '15.0.1497.48', '--no-store', '--strict')).code, 1);
    const bad = await cli('inventory', join(dir, 'missing.txt'), '--no-store');
    assert.equal(bad.code, 2);
    assert.match(bad.out, /no such|not a build/);
    assert.equal((await cli('inventory', join(dir, 'missing.txt'), '15.1.2176.2', '--no-store')).code, 1, 'findings win over input errors');
    await assert.rejects(cli('inventory', '--no-store'), UsageError);
  });

  void test('AdminDisplayVersion input says the SU cannot be told, in the table and the JSON', async (t) => {
    const dir = tempDir(t, 'adv');
    writeFiles(dir, { 'ex.txt': 'Name                : EXCH01\nAdminDisplayVersion : Version 15.1 (Build 2176.2)\n' });
    const r = await cli('inventory', join(dir, 'ex.txt'), '--no-store', '--jsonl', '-');
    const rep = JSON.parse(r.out.trim()) as ServerReport;
    assert.equal(rep.confidence, 'cu-only');
    assert.equal(rep.su, null);
    assert.match(rep.suNote, /SU cannot be told/);
  });

  void test('--explain shows each CVE with its reason, and the conflicts between sources', async () => {
    const r = await cli('inventory', '15.1.1415.8', '--no-store', '--explain');
    assert.match(r.out, /LIKELY-FIXED\s+ProxyLogon/);
    assert.match(r.out, /\[hc-2016-cu8-mar21su\]/);
    assert.match(r.out, /healthchecker: 15\.1\.1415\.8/);
    const s = await cli('inventory', 'sources');
    assert.equal(s.code, 0);
    assert.match(s.out, /\[july-2021-cve-placement\]/);
    assert.match(s.out, /Builds whose sources disagree/);
  });
});

void describe('history and trend', () => {
  void test('runs are recorded; trend shows the exposed count per family and what changed; SVG chart', async (t) => {
    const dir = tempDir(t, 'trend');
    const db = join(dir, 'exhunt.db');
    assert.equal((await cli('inventory', 'EXCH01=15.1.2176.2', 'EXCH02=15.1.2176.9', 'EXCH03=15.2.1544.4', '--store', db, '-q')).code, 1);
    assert.equal((await cli('inventory', 'EXCH01=15.1.2176.14', 'EXCH02=15.1.2507.66', 'EXCH04=15.2.2562.17', '--store', db, '-q')).code, 1);
    const store = HistoryStore.open({ path: db });
    assert.equal(store.runs().length, 2);
    await store.close();
    const svgPath = join(dir, 'trend.svg');
    const r = await cli('inventory', 'trend', '--store', db, '--svg', svgPath);
    assert.equal(r.code, 0);
    assert.match(r.out, /RUN\s+DATE \(UTC\)\s+KIND\s+SERVERS\s+EXPOSED\s+ProxyLogon/);
    assert.match(r.out, /\n2\s+\S+ \S+Z\s+inventory\s+3\s+2\s+0\s/);
    assert.match(r.out, /~ EXCH01: 15\.1\.2176\.2 → 15\.1\.2176\.14; fixed: ProxyLogon, Apr-2021, May-2021, ProxyShell/);
    assert.match(r.out, /\+ EXCH04 added/);
    assert.match(r.out, /- EXCH03 no longer in the run/);
    const svg = readFileSync(svgPath, 'utf8');
    assert.equal(parseXml(svg).error, null);
    assert.match(svg, /<polyline[^>]+points="[\d., ]+"/);
    const json = await cli('inventory', 'trend', '--store', db, '--json');
    const parsed = JSON.parse(json.out) as { points: { open: Record<string, number> }[] };
    assert.equal(parsed.points[0]?.open.proxylogon, 1);
  });

  void test('--png uses rsvg-convert when present, and says so when it is not', async (t) => {
    const dir = tempDir(t, 'png');
    const db = join(dir, 'exhunt.db');
    await cli('inventory', '15.1.2176.2', '--store', db, '-q');
    const oldPath = process.env.PATH;
    t.after(() => {
      process.env.PATH = oldPath;
    });
    process.env.PATH = join(dir, 'empty-bin');
    const missing = await cli('inventory', 'trend', '--store', db, '--png', join(dir, 'a.png'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /rsvg-convert, which is not installed/);
    const bin = join(dir, 'bin');
    writeFiles(dir, { 'bin/rsvg-convert': '#!/bin/sh\n# stand-in for the test: copy stdin to the --output file\nwhile [ $# -gt 0 ]; do if [ "$1" = "--output" ]; then out="$2"; fi; shift; done\ncat > "$out"\n' });
    chmodSync(join(bin, 'rsvg-convert'), 0o755);
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    const ok = await cli('inventory', 'trend', '--store', db, '--png', join(dir, 'b.png'));
    assert.equal(ok.code, 0, ok.err);
    assert.ok(existsSync(join(dir, 'b.png')));
    assert.match(readFileSync(join(dir, 'b.png'), 'utf8'), /^<svg/);
  });

  void test('refresh-builds writes the table and reports what changed', async (t) => {
    const dir = tempDir(t, 'rb');
    const { copyFileSync } = await import('node:fs');
    const { repoRoot } = await import('./testutil.js');
    for (const f of ['builds.yaml', 'products.yaml', 'fixes.yaml']) copyFileSync(join(repoRoot, 'content', 'exchange', f), join(dir, f));
    const r = await cli('inventory', 'refresh-builds', join(repoRoot, 'test', 'fixtures', 'inventory', 'build-numbers-page.html'), '--builds', join(dir, 'builds.yaml'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /2 added/);
    assert.match(r.out, /\+ 15\.2\.2562\.48/);
    const after = await cli('inventory', '15.2.2562.48', '--content', dir, '--no-store', '--jsonl', '-');
    assert.equal((JSON.parse(after.out) as ServerReport).su, 'Oct26SU');
  });
});

void describe('exhunt probe', () => {
  void test('probes fake servers from arguments and a targets file, records the run, exit 1 when open', async (t) => {
    const a = await startFakeExchange({ build: '15.1.2176.9' });
    const b = await startFakeExchange({ build: '15.2.2562.46', owaHeader: false, ewsHeader: false, exporttool: 'versioned' });
    servers.push(a, b);
    const dir = tempDir(t, 'probe');
    writeFileSync(join(dir, 'targets.txt'), `# DR site\n127.0.0.1:${b.port}\n`);
    const db = join(dir, 'h.db');
    const r = await cli('probe', `127.0.0.1:${a.port}`, '--targets', join(dir, 'targets.txt'), '--insecure', '--store', db, '--jsonl', join(dir, 'p.jsonl'), '--timeout', '3s', '--as-of', '2026-11-27');
    assert.equal(r.code, 1, r.out + r.err);
    const reps = readFileSync(join(dir, 'p.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ServerReport);
    assert.deepEqual(reps.map((x) => `${x.host} ${x.build ?? ''} ${x.confidence} ${x.method}`), [
      `127.0.0.1:${a.port} 15.1.2176.9 exact probe-x-owa-version`,
      `127.0.0.1:${b.port} 15.2.2562.46 exact probe-exporttool`,
    ]);
    const store = HistoryStore.open({ path: db });
    assert.equal(store.runs('probe').length, 1);
    await store.close();
    await assert.rejects(cli('probe', '--no-store'), UsageError);
    await assert.rejects(cli('probe', 'x', '--timeout', 'soon'), UsageError);
  });
});

void describe('the history in the shared store', () => {
  void test('inventory runs and intel imports share one store file, and both are readable afterwards', async (t) => {
    const dir = tempDir(t, 'shared');
    const path = join(dir, 'exhunt.db');
    writeFiles(dir, { 'ips.txt': '192.0.2.10\n198.51.100.7\n' });
    assert.equal((await cli('inventory', 'EXCH01=15.1.2176.2', '--store', path, '-q')).code, 1);
    const imported = await intel({}, 'import', join(dir, 'ips.txt'), '--store', path, '--source', 'case-ips');
    assert.equal(imported.code, 0, imported.out + imported.err);
    assert.equal((await cli('inventory', 'EXCH01=15.1.2176.14', '--store', path, '-q')).code, 1);
    assert.deepEqual(migrationsIn(path), ['intel/1', 'inventory/1']);

    const json = JSON.parse((await cli('inventory', 'trend', '--store', path, '--json')).out) as { points: unknown[] };
    assert.equal(json.points.length, 2);
    const store = await openStore({ path, create: false });
    t.after(() => store.close());
    assert.equal(await store.intel.count(), 2);
    assert.deepEqual(
      (await store.intel.imports()).map((i) => [i.source, i.taken]),
      [['case-ips', 2]],
    );
    const listed = await intel({}, 'list', '--store', path);
    assert.match(listed.out, /198\.51\.100\.7/);
  });

  void test('without --store every command uses the default store ($EXHUNT_HOME/exhunt.db); --no-store and trend create nothing', async (t) => {
    const home = tempDir(t, 'home');
    const saved = process.env.EXHUNT_HOME;
    process.env.EXHUNT_HOME = home;
    t.after(() => {
      if (saved === undefined) delete process.env.EXHUNT_HOME;
      else process.env.EXHUNT_HOME = saved;
    });
    const path = join(home, 'exhunt.db');
    await cli('inventory', '15.1.2176.2', '--no-store', '-q');
    assert.equal(existsSync(path), false, '--no-store records nothing');
    const missing = await cli('inventory', 'trend', '--store', join(home, 'none.db'));
    assert.equal(missing.code, 0);
    assert.match(missing.out, /No runs recorded yet/);
    assert.equal(existsSync(join(home, 'none.db')), false, 'trend does not create a store');

    const r = await cli('inventory', 'EXCH01=15.1.2176.2');
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`recorded as run 1 in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    writeFiles(home, { 'ips.txt': '192.0.2.10\n' });
    assert.equal((await intel({ EXHUNT_HOME: home }, 'import', join(home, 'ips.txt'))).code, 0);
    assert.deepEqual(migrationsIn(path), ['intel/1', 'inventory/1']);
    const json = JSON.parse((await cli('inventory', 'trend', '--json')).out) as { points: unknown[] };
    assert.equal(json.points.length, 1);
  });

  void test('a history file written by the old code (tables, no store migration) opens: adopted as inventory/1, old runs kept', async (t) => {
    const dir = tempDir(t, 'legacy');
    const path = join(dir, 'old.db');
    writeLegacyHistory(path);
    const r = await cli('inventory', 'EXCH01=15.1.2176.14', '--store', path);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /recorded as run 2 in /);
    assert.deepEqual(migrationsIn(path), ['intel/1', 'inventory/1']);

    const tr = await cli('inventory', 'trend', '--store', path);
    assert.equal(tr.code, 0, tr.err);
    assert.match(tr.out, /\n1\s+2025-01-06 09:00Z\s+inventory\s+1\s+1\s/);
    assert.match(tr.out, /~ EXCH01: 15\.1\.2176\.2 → 15\.1\.2176\.14; fixed: ProxyLogon, ProxyShell/);

    const again = HistoryStore.open({ path, create: false });
    assert.deepEqual(
      again.runs().map((run) => [run.id, run.kind, run.inputs]),
      [
        [1, 'inventory', ['EXCH01=15.1.2176.2']],
        [2, 'inventory', ['EXCH01=15.1.2176.14']],
      ],
    );
    await again.close();
    assert.deepEqual(migrationsIn(path), ['intel/1', 'inventory/1'], 'recorded once');

    const broken = join(dir, 'broken.db');
    const b = new Database(broken);
    b.exec(LEGACY_SCHEMA.replace('  status TEXT NOT NULL\n);', '  state TEXT NOT NULL\n);'));
    b.close();
    assert.throws(() => HistoryStore.open({ path: broken }), (e: unknown) => e instanceof HistoryStoreError && /inventory_family_status lacks status/.test(e.message));
    assert.equal(migrationsIn(broken).includes('inventory/1'), false, 'nothing recorded for a layout exhunt does not know');
  });

  void test('--db is a hidden, deprecated name of --store', async (t) => {
    const dir = tempDir(t, 'db-alias');
    const path = join(dir, 'h.db');
    const r = await cli('inventory', '15.1.2176.2', '--db', path);
    assert.match(r.err, /--db is deprecated, use --store/);
    assert.equal((await cli('inventory', 'trend', '--db', path, '--json')).out.includes('"points":[{'), true);
    assert.doesNotMatch((await cli('inventory', '15.1.2176.2', '--db', path, '-q')).err, /deprecated/);
    await assert.rejects(cli('inventory', '15.1.2176.2', '--db', path, '--store', path), UsageError);
    const program = new Command();
    registerInventory(program, () => undefined);
    registerProbe(program, () => undefined);
    for (const name of ['inventory', 'probe']) {
      const help = program.commands.find((c) => c.name() === name)?.helpInformation() ?? '';
      assert.match(help, /--store <path>/);
      assert.match(help, /--no-store/);
      assert.doesNotMatch(help, /--db/);
    }
  });
});
