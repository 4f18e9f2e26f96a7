// `exhunt sigma check` and `exhunt sigma test` (src/cli/commands/sigma.ts), driven through
// commander as main.ts registers them.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { registerSigma } from '../../../cli/commands/sigma.js';
import { parseExpand } from '../../../cli/options.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let code = -1;
  const program = new Command().exitOverride();
  registerSigma(program, (c) => {
    code = c;
  });
  for (const c of program.commands) c.exitOverride();
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = (s: string): boolean => ((out += s), true);
  process.stderr.write = (s: string): boolean => ((err += s), true);
  try {
    await program.parseAsync(['node', 'exhunt', ...args]);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  return { code, out, err };
}

function fixture(): { dir: string; rule: string; events: string } {
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-sigma-cli-'));
  const rule = join(dir, 'rule.yml');
  writeFileSync(
    rule,
    `title: Whoami Execution\nid: 11111111-0000-4000-8000-000000000001\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\whoami.exe'\n    condition: selection\nlevel: high\n`,
  );
  writeFileSync(join(dir, 'broken.yml'), 'title: Broken\nlogsource:\n    product: windows\ndetection:\n    selection:\n        a|nosuch: b\n    condition: selection\n');
  writeFileSync(join(dir, 'aws.yml'), 'title: Cloud\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    s:\n        eventName: x\n    condition: s\n');
  const events = join(dir, 'events.jsonl');
  const ev = (image: string, t: string): string => JSON.stringify({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: image, TimeCreated: t });
  writeFileSync(events, `${ev('C:\\Windows\\System32\\whoami.exe', '2021-03-03T04:00:01Z')}\n${ev('C:\\x.exe', '2021-03-03T04:00:02Z')}\n`);
  return { dir, rule, events };
}

describe('exhunt sigma check', () => {
  test('reports loaded, failed (file, line, column, reason) and exits 0', async () => {
    const { dir } = fixture();
    const r = await run(['sigma', 'check', dir]);
    assert.equal(r.code, 0);
    assert.match(r.out, /broken\.yml:6:9: \[modifier\] "a\|nosuch": unknown modifier "nosuch"/);
    assert.match(r.out, /3 files: 2 documents loaded, 1 failed \(1 modifier\); 1 rules run on exhunt records, 1 have no exhunt log source/);
  });
  test('--json gives the machine-readable report', async () => {
    const { dir } = fixture();
    const r = await run(['sigma', 'check', '--json', dir]);
    const j = JSON.parse(r.out) as { loaded: number; failed: number; failures: { file: string; line: number; reason: string }[]; unrouted: number };
    assert.equal(j.loaded, 2);
    assert.equal(j.failed, 1);
    assert.equal(j.failures[0]!.line, 6);
    assert.match(j.failures[0]!.reason, /unknown modifier/);
    assert.equal(j.unrouted, 1);
  });
  test('a missing path is a failure in the report, not a crash', async () => {
    const r = await run(['sigma', 'check', '/nonexistent/exhunt-rules']);
    assert.equal(r.code, 0);
    assert.match(r.out, /\[io\] cannot read/);
  });
});

describe('exhunt sigma test', () => {
  test('prints matches; --expect checks their number', async () => {
    const { rule, events } = fixture();
    const r = await run(['sigma', 'test', rule, '--events', events]);
    assert.equal(r.code, 0);
    assert.match(r.out, /2021-03-03T04:00:01.000Z {2}high {5}11111111-0000-4000-8000-000000000001 {2}Whoami Execution/);
    assert.equal(r.out.trim().split('\n').length, 1);
    assert.equal((await run(['sigma', 'test', rule, '--events', events, '--expect', '1'])).code, 0);
    assert.equal((await run(['sigma', 'test', rule, '--events', events, '--expect', '2'])).code, 1);
    const j = await run(['sigma', 'test', rule, '--events', events, '--json', '--profile-rules']);
    assert.equal((JSON.parse(j.out) as { evidence: Record<string, string> }).evidence.Image, 'C:\\Windows\\System32\\whoami.exe');
    assert.match(j.err, /ms {2}11111111-0000-4000-8000-000000000001/);
  });
  test('unreadable events and no runnable rule exit 2', async () => {
    const { dir, rule, events } = fixture();
    assert.equal((await run(['sigma', 'test', rule, '--events', join(dir, 'nosuch.jsonl')])).code, 2);
    assert.equal((await run(['sigma', 'test', join(dir, 'aws.yml'), '--events', events])).code, 2);
  });
  test('--expand takes NAME=VALUE', () => {
    assert.deepEqual(parseExpand('--expand', ['Admins=adm_*', '%Admins%=root', 'X=a=b']), { Admins: ['adm_*', 'root'], X: ['a=b'] });
    assert.throws(() => parseExpand('--expand', ['novalue']), /NAME=VALUE/);
  });
});
