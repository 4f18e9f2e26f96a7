// Regular expressions from untrusted rules: the Sigma flavour parser, the linear-time matcher
// (checked against V8 on random patterns and inputs), the choice of engine, and the proof that
// catastrophic patterns on 100 KB values finish quickly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rng } from '../testing/fixtures.js';
import { compileRegex, isBacktrackingSafe, requiredLiterals } from './compile.js';
import { Nfa } from './nfa.js';
import { parseRegex } from './parse.js';
import { toJsSource } from './print.js';

const nfa = (src: string, flags = {}): Nfa => new Nfa(parseRegex(src, flags));

describe('parser', () => {
  test('accepts the Sigma flavour and what SigmaHQ rules use', () => {
    for (const src of [
      'a.b',
      '^x$',
      'a*b+c?d{2}e{1,3}f{2,}',
      '[a-z0-9_\\-]+',
      '[^\\\\/]{1,256}$',
      '(foo|bar)+baz',
      '(?:a|b)',
      '(?P<name>x)',
      '(?<name>x)',
      '\\d\\w\\s\\D\\W\\S\\bx\\B',
      '\\x41\\u0042\\t\\n',
      '[\\w+|\\s]',
      'a+?b*?c??',
      '\\{\\d\\}',
      '{',
      'a{,2}',
    ]) {
      assert.doesNotThrow(() => parseRegex(src), src);
    }
  });
  test('leading inline flags become flags', () => {
    assert.deepEqual(parseRegex('(?i)abc').flags, { i: true, m: false, s: false });
    assert.deepEqual(parseRegex('(?ims)abc').flags, { i: true, m: true, s: true });
  });
  test('refuses what engines read differently or that is outside the flavour', () => {
    for (const [src, why] of [
      ['(?=a)', /lookaround/],
      ['(?<!a)b', /lookaround/],
      ['(a)\\1', /backreferences/],
      ['(?>a)', /atomic/],
      ['a++', /possessive/],
      ['a(?i)b', /only supported at the start/],
      ['[[:alpha:]]', /POSIX/],
      ['\\Aabc', /escape \\A/],
      ['\\p{L}', /escape \\p/],
      ['[]a]', /read differently/],
      ['*a', /nothing to repeat/],
      ['a**', /nothing to repeat/],
      ['(a', /missing \)/],
      ['a)', /unmatched \)/],
      ['[z-a]', /out of order/],
      ['a{5,2}', /m < n/],
      ['a{1001}', /above 1000/],
    ] as const) {
      assert.throws(() => parseRegex(src), why, src);
    }
  });
  test('printing gives JavaScript that means the same', () => {
    assert.equal(toJsSource(parseRegex('(?P<n>a|b)+[.-]x{2,}').root), '(?:a|b)+[\\--.]x{2,}');
  });
});

describe('linear-time matcher', () => {
  test('basic semantics: unanchored search, anchors, classes, flags', () => {
    assert.ok(nfa('b+c').test('aabbbcc'));
    assert.ok(!nfa('^b').test('ab'));
    assert.ok(nfa('b$').test('ab'));
    assert.ok(!nfa('a$').test('ab'));
    assert.ok(nfa('^b', { m: true }).test('a\nb'));
    assert.ok(!nfa('a.b').test('a\nb'));
    assert.ok(nfa('a.b', { s: true }).test('a\nb'));
    assert.ok(nfa('ABC', { i: true }).test('xabcx'));
    assert.ok(nfa('[A-C]+', { i: true }).test('b'));
    assert.ok(nfa('\\bnet\\b').test('x net y'));
    assert.ok(!nfa('\\bnet\\b').test('xnety'));
    assert.ok(nfa('').test(''));
    assert.ok(nfa('a{3}').test('xaaax'));
    assert.ok(!nfa('a{3}').test('xaax'));
    assert.ok(nfa('(ab){2,3}c').test('ababc'));
    assert.ok(!nfa('(ab){2,3}c').test('abc'));
    assert.ok(nfa('(a*)*b').test('aaab'));
  });

  test('agrees with V8 on random patterns and inputs (property, 3000 cases)', () => {
    const rand = rng(12345);
    const atoms = ['a', 'b', 'c', '.', '[ab]', '[^a]', '\\d', '\\w', '\\s', '\\b', '^', '$', 'x'];
    const gen = (depth: number): string => {
      const n = 1 + rand(4);
      let out = '';
      for (let i = 0; i < n; i++) {
        const r = rand(10);
        let atom = r < 7 || depth > 2 ? atoms[rand(atoms.length)]! : r < 9 ? `(${gen(depth + 1)})` : `(${gen(depth + 1)}|${gen(depth + 1)})`;
        const q = rand(8);
        if (!['^', '$', '\\b'].includes(atom)) atom += ['', '', '', '*', '+', '?', '{1,2}', '{2}'][q]!;
        out += atom;
      }
      return out;
    };
    const inputs = (): string => {
      const chars = 'abcx1 \n';
      let s = '';
      const n = rand(12);
      for (let i = 0; i < n; i++) s += chars[rand(chars.length)]!;
      return s;
    };
    for (let k = 0; k < 3000; k++) {
      const src = gen(0);
      const flags = { i: rand(4) === 0, m: rand(4) === 0, s: rand(4) === 0 };
      const re = new RegExp(src, `${flags.i ? 'i' : ''}${flags.m ? 'm' : ''}${flags.s ? 's' : ''}`);
      const m = nfa(src, flags);
      for (let j = 0; j < 5; j++) {
        const s = inputs();
        assert.equal(m.test(s), re.test(s), `/${src}/ on ${JSON.stringify(s)} (flags ${JSON.stringify(flags)})`);
      }
    }
  });
});

describe('engine choice and safety', () => {
  test('patterns with bounded backtracking run natively, the others on the NFA', () => {
    assert.ok(isBacktrackingSafe(parseRegex('\\s-[FTd]\\s').root));
    assert.ok(isBacktrackingSafe(parseRegex('abc(d|e)f?').root));
    assert.ok(!isBacktrackingSafe(parseRegex('a.*b').root));
    assert.ok(!isBacktrackingSafe(parseRegex('(a+)+$').root));
    assert.ok(!isBacktrackingSafe(parseRegex('(a|aa){2,5}').root));
    assert.ok(!isBacktrackingSafe(parseRegex('[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}').root), 'ranges multiply past the bound');
    const r = compileRegex('a.*b');
    assert.ok(r.ok && r.regex.engine === 'nfa');
    const s = compileRegex('\\s-[FTd]\\s');
    assert.ok(s.ok && s.regex.engine === 'native');
  });

  test('required literals are a necessary condition', () => {
    assert.deepEqual(requiredLiterals(parseRegex('net\\s+user').root), ['net', 'user']);
    assert.deepEqual(requiredLiterals(parseRegex('(foo|bar)baz').root), ['baz']);
    assert.deepEqual(requiredLiterals(parseRegex('(abcd)?wxyz+').root), ['wxy']);
    const r = compileRegex('Invoke-\\w+', { i: true });
    assert.ok(r.ok);
    assert.deepEqual(r.regex.required, ['invoke-']);
    assert.ok(r.regex.test('INVOKE-Mimikatz'));
  });

  // A backtracking engine would not finish these within the test's timeout (years, not seconds):
// the timeout is a hang guard; speed itself is measured in the benchmarks, not asserted here.
test('catastrophic patterns on 100 KB values finish (linear-time engine)', { timeout: 60_000 }, () => {
    const cases: [string, string, boolean][] = [
      ['(a+)+$', `${'a'.repeat(100_000)}b`, false],
      ['(a|aa)+$', `${'a'.repeat(100_000)}b`, false],
      ['(\\w+\\s?)*!$', `${'word '.repeat(20_000)}?`, false],
      ['a.*b', 'a'.repeat(100_000), false],
      ['\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+', `${'+'.repeat(13)}${'y'.repeat(100_000)}`, false],
      ['(?i)(set).*&&\\s?set.*(environment|invoke|\\$\\{?input).*&&.*"', 'set&&set'.repeat(12_500), false],
      ['.{1000,}x', 'y'.repeat(100_000), false],
      ['.{1000,}x', `${'y'.repeat(100_000)}x`, true],
    ];
    for (const [src, value, expected] of cases) {
      const r = compileRegex(src);
      assert.ok(r.ok, src);
      assert.equal(r.regex.test(value), expected, `${src} result`);
    }
  });

  test('automata too large to build are refused with a reason', () => {
    const r = compileRegex('((a{1000}){1000}){50}');
    assert.ok(!r.ok);
    assert.match(r.reason, /more than \d+ automaton states/);
  });
});
