// `exhunt yara check` and `exhunt yara scan` (src/cli/commands/yara.ts), run in-process through
// commander with standard output captured; the lead wires the command into the main program.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerYara } from '../../cli/commands/yara.js';
import { fixture, requireBinding } from './testutil.js';

async function run(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let code = -1;
  const program = new Command().name('exhunt').exitOverride();
  registerYara(program, (c) => (code = c));
  for (const c of program.commands) c.exitOverride();
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true));
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    await program.parseAsync(['node', 'exhunt', ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return { code, out, err };
}

test('yara check reports files, rules, sets and each failure with file:line; exit 2 on failures', async (t) => {
  if (!requireBinding(t)) return;
  const r = await run(['yara', 'check', fixture('rules'), fixture('broken'), fixture('chirp.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.out, /^engine: {3}yara-x /m);
  assert.match(r.out, /^files: {4}5 \(7 rule sources incl\. CHIRP entries\)$/m);
  assert.match(r.out, /^compiled: 5 sources, 10 rules \(file rules: 7 for text, 4 for binaries; log rules: 2\)$/m);
  assert.match(r.out, /^failed: {3}2$/m);
  assert.match(r.out, /broken\/broken\.yar:8:1: syntax error/);
  assert.match(r.out, /chirp\.yaml:51:12: unknown identifier `undefined_identifier`/);

  const ok = await run(['yara', 'check', '--json', fixture('rules')]);
  assert.equal(ok.code, 0);
  const report = JSON.parse(ok.out) as { failed: number; rules: number; sets: { logs: number } };
  assert.equal(report.failed, 0);
  assert.equal(report.rules, 7);
  assert.equal(report.sets.logs, 1);
});

test('yara scan prints matches (whole files or --lines), exit 1 on findings, 0 when clean, 2 on broken rules', async (t) => {
  if (!requireBinding(t)) return;
  const hit = await run(['yara', 'scan', '--rules', fixture('rules'), '--rules', fixture('chirp.yaml'), fixture('logs'), fixture('samples')]);
  assert.equal(hit.code, 2, 'the broken CHIRP entry makes it exit 2 when no finding is medium or worse');
  const lines = await run(['yara', 'scan', '--lines', '--rules', fixture('rules'), fixture('logs', 'synthetic-iis.log')]);
  assert.equal(lines.code, 1);
  assert.match(lines.out, /synthetic-iis\.log:8 {2}high {6}yara:fixture_basic\.Fixture_Log_Line {2}Synthetic log rule/);
  const json = await run(['yara', 'scan', '--json', '--rules', fixture('rules'), fixture('samples')]);
  assert.equal(json.code, 0);
  assert.equal(json.out, '');
  await assert.rejects(run(['yara', 'scan', fixture('samples')]), /needs --rules/);
});
