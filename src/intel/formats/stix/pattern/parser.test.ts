import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { requireShared, shared } from '../../../testutil.js';
import { translatePattern } from '../translate.js';
import { parsePattern, PatternError } from './parser.js';

interface Cases {
  readonly pass_cases: readonly string[];
  readonly fail_cases: readonly { pattern: string; expected_error_prefix: string }[];
  readonly timestamp_pass_cases: readonly string[];
  readonly timestamp_fail_cases: readonly { pattern: string }[];
}

test('the OASIS validator matrix: every pass case parses, every fail case is refused (v2.1 and v2.0)', (t) => {
  const path = shared('intel', 'stix-patterns', 'cti-pattern-validator_test-cases.json');
  if (!requireShared(t, path)) return;
  const all = JSON.parse(readFileSync(path, 'utf8')) as Record<'v21' | 'v20', Cases>;
  let passed = 0;
  let failed = 0;
  for (const v of ['v21', 'v20'] as const) {
    for (const p of [...all[v].pass_cases, ...all[v].timestamp_pass_cases]) {
      assert.doesNotThrow(() => parsePattern(p), `${v} should pass: ${p}`);
      passed++;
    }
    for (const c of [...all[v].fail_cases, ...all[v].timestamp_fail_cases]) {
      assert.throws(() => parsePattern(c.pattern), PatternError, `${v} should fail: ${c.pattern}`);
      failed++;
    }
  }
  assert.deepEqual([passed, failed], [26 + 11 + 23 + 11, 17 + 10 + 14 + 10]);
});

test('the STIX 2.1 and 2.0 specification examples all parse', (t) => {
  for (const [file, count] of [
    ['stix21_spec_examples.txt', 23],
    ['stix20_spec_examples.txt', 24],
  ] as const) {
    const path = shared('intel', 'stix-patterns', file);
    if (!requireShared(t, path)) return;
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, count);
    for (const l of lines) assert.doesNotThrow(() => parsePattern(l), l);
  }
});

test('errors say what and where', () => {
  const msg = (p: string): string => {
    try {
      parsePattern(p);
      return 'parsed';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.equal(msg("[file:name = 'x'] within 2 seconds"), 'unexpected "within" after the pattern (at column 19)');
  assert.equal(msg("[file:name = 'C:\\x']"), 'invalid escape "\\x" in string (only \\\' and \\\\ are allowed) (at column 17)');
  assert.match(msg("[x:a = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS"), /duplicate qualifier type WITHIN/);
  assert.equal(msg("([x:a = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS"), 'parsed', 'allowed on a parenthesised group, as the validator does');
});

test('the tree: precedence of AND over OR, qualifiers, object paths with quoted and indexed steps', () => {
  const t = parsePattern("[a:b = 'x' OR a:c = 'y' AND a:d[*].'e-f' IN ('1', '2')] REPEATS 2 TIMES FOLLOWEDBY [x:y != 3]");
  assert.equal(t.kind, 'followedby');
  const first = t.kind === 'followedby' ? t.operands[0] : null;
  assert.equal(first?.kind, 'observation');
  if (first?.kind !== 'observation') return;
  assert.deepEqual(first.qualifiers, [{ kind: 'REPEATS', times: 2 }]);
  assert.equal(first.comparison.kind, 'or');
  if (first.comparison.kind !== 'or') return;
  const and = first.comparison.operands[1];
  assert.equal(and?.kind, 'and');
  if (and?.kind !== 'and') return;
  const inTest = and.operands[1];
  assert.deepEqual(inTest?.kind === 'test' ? [inTest.path.steps, inTest.op] : null, [[{ prop: 'd' }, { index: '*' }, { prop: 'e-f' }], 'IN']);
});

test('translation: OR fans out, qualifiers and FOLLOWEDBY keep the pattern, unknown paths are errors', () => {
  const tr = (p: string): string => {
    const t = translatePattern(parsePattern(p));
    if (t.unknownPaths.length) return `UNKNOWN ${t.unknownPaths.join('; ')}`;
    return `${t.atoms.map((a) => `${a.type}=${a.raw}`).join(' ')}${t.keep ? ` | keep: ${t.keep}` : ''}`;
  };
  assert.equal(tr("[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1']"), 'domain=a.example ipv4=192.0.2.1');
  assert.equal(tr("[file:hashes.md5 IN ('001dd76872d80801692ff942308c64e6', '002325a0a67fded0381b5648d7fe9b8e')]"), 'md5=001dd76872d80801692ff942308c64e6 md5=002325a0a67fded0381b5648d7fe9b8e');
  assert.equal(tr("[ipv4-addr:value = '192.0.2.1'] WITHIN 10 SECONDS"), ' | keep: qualifier WITHIN (time window or repetition)');
  assert.equal(tr("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']"), ' | keep: ipv4-addr:value NOT ISSUBSET (negation)');
  assert.equal(tr("[file:size > 1024]"), ' | keep: file:size > (ordering)');
  assert.equal(tr("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']"), 'ipv4=203.0.113.33/32');
  assert.equal(tr("[file:name LIKE 'error%.aspx']"), 'filename-regex=^error.*\\.aspx$');
  assert.equal(tr("[x-usb-device:usbdrive.serial_number = '575833314133343231313937']"), ' | keep: x-usb-device:usbdrive.serial_number = (exhunt does not evaluate this)');
  assert.match(tr("[emailaddr:value = 'a@b.c']"), /^UNKNOWN emailaddr:value: "emailaddr" is not a STIX Cyber-observable type/);
  assert.match(tr("[win-registry-key:key = 'HKLM\\\\x']"), /keep:/);
});
