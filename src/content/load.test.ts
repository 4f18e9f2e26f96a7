import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadContent } from './load.js';

const RULE = `id: Acme.Test.Rule
title: Test rule
description: A test rule.
severity: high
outcome: attempted
stage: initial-access
references:
  - name: test
kinds: [iis]
where:
  field: cs-uri-stem
  equals: /x
`;

function pack(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-content-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

test('a valid pack loads', (t) => {
  const dir = pack({ 'rules/Acme/Test/Rule.yaml': RULE });
  t.after(() => rmSync(dir, { recursive: true }));
  const p = loadContent([{ dir, builtin: false }]);
  assert.deepEqual(p.errors, []);
  assert.equal(p.rules[0]?.rule.id, 'Acme.Test.Rule');
});

test('every broken file is reported with path and line; good files still load', (t) => {
  const dir = pack({
    'rules/Acme/Test/Rule.yaml': RULE,
    'rules/Acme/Test/Typo.yaml': RULE.replace('Acme.Test.Rule', 'Acme.Test.Typo').replace('severity: high', 'severty: high'),
    'rules/Acme/Test/BadOp.yaml': RULE.replace('Acme.Test.Rule', 'Acme.Test.BadOp').replace('  equals: /x', '  equals: /x\n  like: /y'),
    'rules/Acme/Test/Yaml.yaml': 'id: [unclosed\n',
    'rules/Acme/Test/Moved.yaml': RULE,
  });
  t.after(() => rmSync(dir, { recursive: true }));
  const p = loadContent([{ dir, builtin: false }]);
  assert.deepEqual(p.rules.map((r) => r.rule.id), ['Acme.Test.Rule']);
  const msgs = p.errors.map((e) => e.message).sort();
  assert.equal(msgs.length, 5, msgs.join('\n'));
  assert.ok(msgs.some((m) => /Typo\.yaml:4: .*severty/.test(m)), 'unknown key named with its line');
  assert.ok(msgs.some((m) => /Typo\.yaml:\d+: severity/.test(m)), 'missing key');
  assert.ok(msgs.some((m) => /BadOp\.yaml:11: where: .*exactly one/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /Yaml\.yaml:\d+: YAML:/.test(m)));
  assert.ok(msgs.some((m) => /Moved\.yaml:1: .*must match its path/.test(m)));
});

test('a user pack cannot replace a rule or indicator set of an earlier pack', (t) => {
  const a = pack({ 'rules/Acme/Test/Rule.yaml': RULE });
  const b = pack({ 'rules/Acme/Test/Rule.yaml': RULE.replace('title: Test rule', 'title: Hijacked') });
  t.after(() => [a, b].forEach((d) => rmSync(d, { recursive: true })));
  const p = loadContent([
    { dir: a, builtin: true },
    { dir: b, builtin: false },
  ]);
  assert.equal(p.rules.length, 1);
  assert.equal(p.rules[0]?.rule.title, 'Test rule');
  assert.match(p.errors[0]?.message ?? '', /already defined/);
});

test('a missing pack folder is an error of its own', () => {
  const p = loadContent([{ dir: '/nonexistent/exhunt-pack', builtin: false }]);
  assert.match(p.errors[0]?.message ?? '', /content pack folder not found/);
});
