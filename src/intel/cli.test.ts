import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerIntel } from '../cli/commands/intel.js';
import { ExhuntError } from '../core/errors.js';
import { fakeFeed } from '../../test/fixtures/intel/servers.js';
import { requireShared, shared, tempDir } from './testutil.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `exhunt intel ...` in-process, as main.ts would (exit codes included). */
async function intel(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = 0;
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  registerIntel(program, (c) => (code = c), { stdout, stderr, env: { ...env } });
  const all = (c: Command): void => {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
    c.commands.forEach(all);
  };
  all(program);
  try {
    await program.parseAsync(['node', 'exhunt', 'intel', ...args]);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof ExhuntError) {
      stderr.write(`exhunt: ${e.message}\n`);
      code = 2;
    } else throw e;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}

test('intel import: a report per input, exit 2 when one input failed, the others imported', async (t) => {
  const csv = shared('azure-sentinel', 'Sample_Data_Feeds', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv');
  const stix = shared('intel', 'stix21', 'oasis_threat-report_poisonivy.json');
  if (!requireShared(t, csv) || !requireShared(t, stix)) return;
  const dir = tempDir(t);
  const store = join(dir, 'db');
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"type": "bundle", "objects": [');
  const r = await intel(['import', csv, stix, broken, '--store', store, '--tlp', 'green']);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021\.csv {2}\[csv\] source "MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021\.csv": 56 new, 5 merged, 0 skipped \(sha256 14, filepath 47\)/);
  assert.match(r.stdout, /oasis_threat-report_poisonivy\.json {2}\[stix\] .*: 44 new, 22 merged, 1 skipped/);
  assert.match(r.stdout, /\$\.objects\[42\]\.pattern: invalid-value: "domain autuo\.xicp\.net" is not a domain name/);
  assert.match(r.stdout, /broken\.json {2}\[stix\] .*FAILED, nothing written: .*malformed JSON at line 1, column 32/);
  const json = await intel(['import', csv, '--store', store, '--json', '--source', 'MSTIC']);
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout) as { taken: number; merged: number };
  assert.deepEqual([report.taken, report.merged], [0, 61]);

  const stats = await intel(['stats', '--store', store, '--json']);
  const s = JSON.parse(stats.stdout) as { indicators: number; byTlp: Record<string, number> };
  assert.equal(s.indicators, 100);
  assert.ok((s.byTlp.green ?? 0) > 0);

  const found = await intel(['search', '511DF0E2DF9BFA5521B588CC4BB5F8C5A321801B803394EBC493DB1EF3C78FA1', '--store', store]);
  assert.equal(found.code, 0);
  assert.match(found.stdout, /^sha256 +511df0e2.* \[MSTICIoCs.*\.csv TLP:GREEN; MSTIC TLP:CLEAR\]/m);
  const missing = await intel(['search', '198.51.100.250', '--store', store]);
  assert.deepEqual([missing.code, missing.stdout], [1, '']);
  const list = await intel(['list', '--type', 'filepath', '--limit', '2', '--store', store, '--json']);
  assert.equal(list.stdout.trim().split('\n').length, 2);

  const removed = await intel(['remove', '--source', 'MSTIC', '--store', store]);
  assert.match(removed.stdout, /removed 56 source statements and 0 indicators/);
  const gone = await intel(['remove', '--value', 'hxxp://x[.]example/', '--store', store]);
  assert.match(gone.stdout, /removed 0 source statements/);
});

test('intel export: STIX to a file, CSV without TLP:RED, sightings from findings', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, 'db');
  const list = join(dir, 'list.txt');
  writeFileSync(list, '203.0.113.20\n203.0.113.21\n');
  assert.equal((await intel(['import', list, '--store', store, '--source', 'Red', '--tlp', 'red'])).code, 0);
  writeFileSync(list, '203.0.113.21\n');
  assert.equal((await intel(['import', list, '--store', store, '--source', 'Clear', '--tlp', 'clear'])).code, 0);
  const csv = await intel(['export', '--format', 'csv', '--store', store]);
  assert.equal(csv.code, 0);
  assert.equal(csv.stdout.trim().split('\n').length, 2, 'header and the shared address');
  assert.match(csv.stderr, /1 indicators exported as csv, 1 withheld by TLP \(TLP:RED needs --include-red\)/);
  const out = join(dir, 'bundle.json');
  const stix = await intel(['export', '--include-red', '-o', out, '--store', store]);
  assert.equal(stix.code, 0);
  const bundle = JSON.parse(readFileSync(out, 'utf8')) as { type: string; objects: { type: string }[] };
  assert.equal(bundle.type, 'bundle');
  assert.equal(bundle.objects.filter((o) => o.type === 'indicator').length, 2);

  const findings = join(dir, 'findings.jsonl');
  writeFileSync(
    findings,
    `${JSON.stringify({
      schemaVersion: 1,
      ruleId: 'intel.ipv4',
      title: 'Request from an address listed by threat intelligence',
      severity: 'high',
      outcome: 'attempted',
      time: '2021-03-03T02:11:02.000Z',
      clientIp: '203.0.113.21',
      source: { path: 'iis.log', line: 7, kind: 'iis' },
      evidence: { Indicator: '203.0.113.21' },
      host: 'EXCH01',
      input: 'case',
    })}\n`,
  );
  const s = await intel(['export', '--sightings', findings, '--where', 'Contoso', '--store', store]);
  assert.equal(s.code, 0);
  assert.match(s.stderr, /1 sightings of 1 indicators \(0 found by exhunt\), 0 findings withheld by TLP, 0 bad lines/);
  const b = JSON.parse(s.stdout) as { objects: { type: string; name?: string }[] };
  assert.deepEqual(
    b.objects.map((o) => o.type),
    ['identity', 'marking-definition', 'marking-definition', 'identity', 'indicator', 'sighting'],
  );
  assert.equal((await intel(['export', '--sightings', findings, '--format', 'csv', '--store', store])).code, 2);
});

test('intel feed add/list/update/remove against a local HTTP feed; secrets only by environment variable name', async (t) => {
  const server = await fakeFeed({ path: '/list.txt', body: '192.0.2.44\n', etag: '"a"' });
  t.after(() => server.close());
  const dir = tempDir(t);
  const store = join(dir, 'db');
  assert.equal((await intel(['feed', 'add', 'local', `${server.url}/list.txt`, '--store', store, '--tlp', 'green'])).code, 0);
  const bad = await intel(['feed', 'add', 'x', 'https://user:pw@127.0.0.1/', '--store', store]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /do not put credentials in the URL/);
  assert.equal((await intel(['feed', 'add', 'tx', 'https://127.0.0.1:1/api1/', '--kind', 'taxii', '--store', store])).code, 2, 'TAXII needs --collection');
  const upd = await intel(['update', '--store', store]);
  assert.equal(upd.code, 0);
  assert.match(upd.stdout, /^local: .*1 new, 0 merged/m);
  const again = await intel(['update', 'local', '--store', store]);
  assert.match(again.stdout, /not modified since the last update/);
  const listed = await intel(['feed', 'list', '--store', store]);
  assert.match(listed.stdout, /^local +http +http:\/\/127\.0\.0\.1:\d+\/list\.txt {2}\S+ not modified$/m);
  assert.equal((await intel(['feed', 'remove', 'local', '--store', store])).code, 0);
  assert.equal((await intel(['feed', 'remove', 'local', '--store', store])).code, 2);
});

test('--store: read-only commands refuse a missing store instead of creating one; EXHUNT_HOME is honoured', async (t) => {
  const dir = tempDir(t);
  const r = await intel(['list', '--store', join(dir, 'nope.db')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no exhunt store at .*nope\.db/);
  assert.equal(existsSync(join(dir, 'nope.db')), false);
  const list = join(dir, 'l.txt');
  writeFileSync(list, 'evil.example\n');
  assert.equal((await intel(['import', list], { EXHUNT_HOME: dir })).code, 0);
  assert.ok(existsSync(join(dir, 'exhunt.db')));
  const s = await intel(['stats'], { EXHUNT_HOME: dir });
  assert.match(s.stdout, /^1 indicators/m);
  assert.equal((await intel(['import', list, '--tlp', 'purple', '--store', dir])).code, 2);
});
