// The log-line prefilter: literals derived from conditions and strings, and the line matcher.
// The contract is one-sided: extra candidate lines are fine, a line a rule matches must never be
// dropped, which the last test checks against the engine on real and synthetic lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compileYara } from './compile.js';
import { LineMatcher, regexLiterals, ruleLiterals, unionRuleLiterals } from './literals.js';
import { parseRuleText } from './rule-text.js';
import { YaraScanner } from './scan.js';
import { CHIRP, SIGNATURE_BASE, fixture, requireBinding, requireShared, ruleIds, shared } from './testutil.js';

function lits(src: string): string[] | null {
  const r = parseRuleText(src).rules[0];
  assert.ok(r);
  const l = ruleLiterals(r);
  return l ? [...l].sort() : null;
}

test('conditions: all of needs each, N of needs one, not needs nothing, and picks the best', () => {
  const S = 'strings: $a = "alpha-one" $b = "beta-two" $c = "gamma"';
  assert.deepEqual(lits(`rule r { ${S} condition: any of them }`), ['alpha-one', 'beta-two', 'gamma']);
  assert.deepEqual(lits(`rule r { ${S} condition: all of them }`), ['alpha-one']);
  assert.deepEqual(lits(`rule r { ${S} condition: $c and not $a }`), ['gamma']);
  assert.deepEqual(lits(`rule r { ${S} condition: $a or $c }`), ['alpha-one', 'gamma']);
  assert.equal(lits(`rule r { ${S} condition: $a or filesize < 10 }`), null);
  assert.equal(lits(`rule r { ${S} condition: not $a }`), null);
  assert.deepEqual(lits(`rule r { ${S} condition: #b > 0 }`), ['beta-two']);
  assert.equal(lits(`rule r { ${S} condition: #b >= 0 }`), null);
  assert.deepEqual(lits(`rule r { ${S} condition: ( #a + #c ) > ( #b ) }`), ['alpha-one', 'gamma']);
  assert.deepEqual(lits(`rule r { ${S} condition: $a at 0 and filesize < 1KB }`), ['alpha-one']);
  assert.deepEqual(lits(`rule r { ${S} condition: 1 of ($a, $b) }`), ['alpha-one', 'beta-two']);
  assert.deepEqual(lits(`rule r { ${S} condition: 2 of ($a, $b) }`), ['alpha-one'], '2 of 2 is all of them');
  assert.equal(lits('rule r { strings: $a = "ab" condition: $a }'), null, 'too short');
  assert.equal(lits('rule r { strings: $a = "abcdef" xor condition: $a }'), null, 'xor has no plain literal');
  assert.deepEqual(lits('rule r { strings: $h = { 00 41 42 43 44 ?? } condition: $h }'), ['abcd']);
  // What follows a string or a count decides: a comparison may hold without a match.
  assert.equal(lits(`rule r { ${S} condition: $a == false }`), null);
  assert.equal(lits(`rule r { ${S} condition: #a > 1 - 5 }`), null);
  assert.equal(lits(`rule r { ${S} condition: (#a) > (#b * 2) }`), null);
  assert.deepEqual(lits(`rule r { ${S} condition: #a == 2 and $c in (0..10) }`), ['alpha-one']);
});

test('regular expressions: required runs and required groups', () => {
  assert.deepEqual(regexLiterals('POST \\/(ecp\\/y\\.js|owa\\/auth\\/w\\.js)[^\\n]{100,600} (200|302) '), ['ecp/y.js', 'owa/auth/w.js']);
  assert.deepEqual(regexLiterals('Email=autodiscover\\/autodiscover\\.json[^\\n]{1,400}401 0 0'), ['email=autodiscover/autodiscover.json']);
  assert.deepEqual(regexLiterals('abc(def)?ghij'), ['ghij']);
  assert.deepEqual(regexLiterals('abcd|wxyz'), ['abcd', 'wxyz']);
  assert.equal(regexLiterals('abcd|x'), null);
  assert.equal(regexLiterals('\\w+\\d{3}'), null);
  assert.deepEqual(regexLiterals('ab+cdef'), ['cdef']);
  assert.deepEqual(regexLiterals('\\x41BCD'), ['abcd']);
});

test('the union drops literals that contain another one', () => {
  assert.deepEqual(unionRuleLiterals([['abc'], ['xabcx', 'zzz']]), ['abc', 'zzz']);
  assert.equal(unionRuleLiterals([['abc'], null]), null);
  assert.deepEqual(unionRuleLiterals([]), []);
});

test('the line matcher ignores ASCII case, finds literals anywhere, and passes NUL lines', () => {
  const m = new LineMatcher(['ecp/y.js', 'serverinfo~', 'abcdefg']);
  assert.equal(m.test('POST /ECP/Y.JS HTTP'), true);
  assert.equal(m.test('ServerInfo~a]@x'), true);
  assert.equal(m.test('xxabcdefg'), true);
  assert.equal(m.test('ecp/y.j'), false);
  assert.equal(m.test(''), false);
  assert.equal(m.test('a\0b'), true);
  assert.equal(new LineMatcher([]).test('anything'), false);
  // Property: a literal planted anywhere in random text is always found.
  let seed = 1;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const alphabet = 'abcdefgh /~.ECPSERVERINFOxyz0123456789';
  for (let i = 0; i < 2000; i++) {
    const lit = ['ecp/y.js', 'serverinfo~', 'abcdefg'][rnd(3)] ?? '';
    const pre = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
    const post = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
    const planted = [...lit].map((c) => (rnd(2) ? c.toUpperCase() : c)).join('');
    assert.equal(m.test(pre + planted + post), true, pre + planted + post);
  }
});

test('the prefilter never drops a line a log rule matches (signature-base, CHIRP, fixtures)', (t) => {
  if (!requireBinding(t) || !requireShared(t, SIGNATURE_BASE, CHIRP)) return;
  const compiled = compileYara({ rules: [shared('signature-base', 'yara'), CHIRP, fixture('rules'), fixture('chirp.yaml')] });
  t.after(() => compiled.close());
  assert.ok(compiled.lineLiterals && compiled.lineLiterals.length > 10, 'signature-base log rules all give literals');
  // The literal prefilter alone (no gate), and neither (every line scanned by the engine).
  const withPrefilter = new YaraScanner({ ...compiled, logGate: null });
  const without = new YaraScanner({ ...compiled, logGate: null, lineLiterals: null });
  const lines = [
    ...readFileSync(shared('evtx-attack-samples', 'Command and Control', 'Tunna_rdp_tunnel_IIS.log'), 'utf8').split(/\r?\n/),
    ...readFileSync(fixture('logs', 'synthetic-iis.log'), 'utf8').split(/\r?\n/),
    ...readFileSync(fixture('logs', 'synthetic-ecp-server.log'), 'utf8').split(/\r?\n/),
  ];
  const a = withPrefilter.scanLines(lines, { path: 'x.log', firstLine: 1, kind: 'iis' });
  const b = without.scanLines(lines, { path: 'x.log', firstLine: 1, kind: 'iis' });
  assert.ok(b.length >= 6, 'the synthetic lines match');
  assert.deepEqual(
    a.map((h) => `${h.source.line} ${h.ruleId}`),
    b.map((h) => `${h.source.line} ${h.ruleId}`),
  );
  assert.ok(withPrefilter.stats.lineCandidates < lines.length / 10, `few candidates (${withPrefilter.stats.lineCandidates} of ${lines.length})`);
  assert.equal(without.stats.lineCandidates, lines.length);
  assert.deepEqual(ruleIds(a).filter((id) => id.includes('fixture')), ['yara:chirp_2.chirp_fixture_log', 'yara:fixture_basic.Fixture_Log_Line']);
});
