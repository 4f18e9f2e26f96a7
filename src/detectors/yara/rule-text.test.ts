// The YARA text reader: rule boundaries, names, tags, meta, strings and conditions, on synthetic
// text with the awkward parts (comments, braces in regexes and hex strings, `$1` identifiers),
// and on every signature-base file (all read completely; the count matches the yara command's).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRuleText, unquote } from './rule-text.js';
import { EXTERNALS } from './rule-class.js';
import { findYaraCommand } from './loader.js';
import { SIGNATURE_BASE, requireShared } from './testutil.js';

const SRC = `import "pe"
/* a comment with rule fake { } in it */
private rule Helper { condition: uint16(0) == 0x5A4D }

global private rule G : T1 { condition: filesize < 10MB }

rule First : Tag_A TagB
{
   meta:
      description = "A \\"quoted\\" description { with braces }"
      score = 80
      negative = -3
      flag = true
      hash = "a"
      hash = "b"
   strings:
      $1 = "one" ascii wide // trailing comment }
      $re = /a{2,3}[}\\/]b/ nocase
      $hex = { 4D 5A [2-4] ( 90 | 00 ) ?? }
      $x = "x" xor(1-3)
      $b = "b" base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu")
   condition:
      Helper and $1 and #re > 2 and filename matches /\\.aspx$/i and all of ($hex, $x*)
}
rule Second { condition: true }`;

test('reads rules with their modifiers, tags, meta, strings and condition', () => {
  const p = parseRuleText(SRC);
  assert.equal(p.complete, true);
  assert.deepEqual(p.imports, ['pe']);
  assert.deepEqual(
    p.rules.map((r) => [r.name, r.isPrivate, r.isGlobal, r.tags]),
    [
      ['Helper', true, false, []],
      ['G', true, true, ['T1']],
      ['First', false, false, ['Tag_A', 'TagB']],
      ['Second', false, false, []],
    ],
  );
  const first = p.rules[2];
  assert.ok(first);
  assert.equal(first.line, 7);
  assert.deepEqual(first.meta, [
    ['description', 'A "quoted" description { with braces }'],
    ['score', 80],
    ['negative', -3],
    ['flag', true],
    ['hash', 'a'],
    ['hash', 'b'],
  ]);
  assert.deepEqual(
    first.strings.map((s) => [s.id, s.kind, s.modifiers]),
    [
      ['$1', 'text', ['ascii', 'wide']],
      ['$re', 'regex', ['nocase']],
      ['$hex', 'hex', []],
      ['$x', 'text', ['xor']],
      ['$b', 'text', ['base64']],
    ],
  );
  assert.equal(first.strings[2]?.raw, '{ 4D 5A [2-4] ( 90 | 00 ) ?? }');
  assert.ok(first.condition.includes('Helper') && first.condition.includes('/\\.aspx$/i'));
  assert.ok(first.stringsText.includes('$re = /a{2,3}[}\\/]b/ nocase'));
  assert.ok(SRC.slice(first.start, first.end).startsWith('rule First'));
  assert.ok(SRC.slice(first.start, first.end).endsWith('}'));
});

test('text it cannot follow ends the list and marks it incomplete', () => {
  assert.equal(parseRuleText('rule A { condition: true }\nrule B { strings: $a = "x" condition: $a').complete, false);
  assert.equal(parseRuleText('rule { }').complete, false);
  assert.equal(parseRuleText('rule A { condition: true }').complete, true);
  assert.equal(parseRuleText('').rules.length, 0);
});

test('unquote decodes the escapes YARA allows in text strings', () => {
  assert.equal(unquote('"a\\"b\\\\c\\x41\\n"'), 'a"b\\cA\n');
});

test('every signature-base file is read completely, with as many rules as the yara command counts', (t) => {
  if (!requireShared(t, SIGNATURE_BASE)) return;
  const files = readdirSync(SIGNATURE_BASE).filter((f) => /\.yara?$/.test(f));
  assert.equal(files.length, 741);
  let publicRules = 0;
  let privateRules = 0;
  for (const f of files) {
    const p = parseRuleText(readFileSync(join(SIGNATURE_BASE, f), 'utf8'));
    assert.equal(p.complete, true, f);
    for (const r of p.rules) {
      if (r.isPrivate) privateRules += 1;
      else publicRules += 1;
    }
  }
  assert.equal(publicRules + privateRules, 5883);
  const cmd = findYaraCommand();
  if (!cmd) return;
  // `yara -n` on an empty file prints every public rule that does not match it (none match it).
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-yara-count-'));
  try {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const defs = EXTERNALS.flatMap((n) => ['-d', `${n}=`]);
    const r = spawnSync(cmd.yara, ['-w', '-n', ...defs, ...files.map((f, i) => `ns${i}:${join(SIGNATURE_BASE, f)}`), empty], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter(Boolean).length, publicRules);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
