// Sigma string parsing, the wildcard matcher, CIDR and time components.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rng } from '../testing/fixtures.js';
import { cidrContains, parseCidr, parseIp } from './cidr.js';
import { globMatcher, globShape } from './glob.js';
import { SigmaString } from './sigma-string.js';
import { isoWeek, timeComponent } from './time.js';

const glob = (p: string, v: string, cased = false): boolean => globMatcher(SigmaString.parse(p), cased)(cased ? v : v.toLowerCase());

describe('SigmaString', () => {
  test('escapes follow the specification table', () => {
    assert.equal(SigmaString.parse('a\\*b').toString(), 'a\\*b');
    assert.deepEqual(SigmaString.parse('a\\*b').parts, ['a*b']);
    assert.deepEqual(SigmaString.parse('C:\\Windows').parts, ['C:\\Windows']);
    assert.deepEqual(SigmaString.parse('\\\\*').parts, ['\\', { type: 'star' }]);
    assert.deepEqual(SigmaString.parse('\\\\\\*').parts, ['\\*']);
    assert.deepEqual(SigmaString.parse('\\\\\\\\').parts, ['\\\\']);
    assert.deepEqual(SigmaString.parse('x\\').parts, ['x\\']);
    assert.deepEqual(SigmaString.parse('**a').parts, [{ type: 'star' }, 'a']);
  });
  test('placeholders only with expand', () => {
    assert.deepEqual(SigmaString.parse('%a%').parts, ['%a%']);
    assert.deepEqual(SigmaString.parse('x%a%y', true).parts, ['x', { type: 'placeholder', name: 'a' }, 'y']);
    assert.deepEqual(SigmaString.parse('\\%a%', true).parts, ['%a%']);
    const ex = SigmaString.parse('%a%-%b%', true).expand((n) => (n === 'a' ? ['1', '2'] : ['x']));
    assert.ok(Array.isArray(ex));
    assert.deepEqual(
      ex.map((s) => s.toString()),
      ['1-x', '2-x'],
    );
    assert.deepEqual(SigmaString.parse('%zz%', true).expand(() => undefined), { missing: 'zz' });
  });
  test('contains/startswith/endswith do not double stars', () => {
    assert.equal(SigmaString.parse('*a*').contains().toString(), '*a*');
    assert.equal(SigmaString.parse('a').contains().toString(), '*a*');
  });
});

describe('glob matcher', () => {
  test('fast paths and the general case', () => {
    assert.ok(glob('abc', 'ABC'));
    assert.ok(!glob('abc', 'abcd'));
    assert.ok(glob('*bc', 'abc'));
    assert.ok(glob('ab*', 'abc'));
    assert.ok(glob('*b*', 'abc'));
    assert.ok(glob('*', ''));
    assert.ok(glob('', ''));
    assert.ok(!glob('', 'a'));
    assert.ok(glob('a*c*e', 'abcde'));
    assert.ok(!glob('a*c*e', 'abcdef'));
    assert.ok(glob('a?c', 'abc'));
    assert.ok(!glob('a?c', 'ac'));
    assert.ok(glob('*a?c*', 'xxabcxx'));
    assert.ok(glob('*ab*ab*', 'abab'));
    assert.ok(!glob('*ab*ab*', 'aba'));
    assert.ok(glob('a*a', 'aa'));
    assert.ok(!glob('a*a', 'a'));
    assert.ok(glob('abc', 'abc', true));
    assert.ok(!glob('abc', 'ABC', true));
  });
  test('agrees with a reference matcher on random patterns (property, 5000 cases)', () => {
    const rand = rng(7);
    const toRe = (p: string): RegExp => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')}$`);
    for (let k = 0; k < 5000; k++) {
      let p = '';
      for (let i = rand(7); i > 0; i--) p += 'ab*?'[rand(4)]!;
      let v = '';
      for (let i = rand(8); i > 0; i--) v += 'abc'[rand(3)]!;
      assert.equal(glob(p, v), toRe(p).test(v), `${p} on ${v}`);
    }
  });
  test('shapes used by the fast matcher sets', () => {
    assert.deepEqual(globShape(SigmaString.parse('*x*')), { mode: 'contains', literal: 'x' });
    assert.deepEqual(globShape(SigmaString.parse('x*')), { mode: 'startswith', literal: 'x' });
    assert.deepEqual(globShape(SigmaString.parse('*x')), { mode: 'endswith', literal: 'x' });
    assert.deepEqual(globShape(SigmaString.parse('x')), { mode: 'eq', literal: 'x' });
    assert.equal(globShape(SigmaString.parse('a*b')), null);
    assert.equal(globShape(SigmaString.parse('*')), null);
  });
  // A backtracking glob would not finish within the test's timeout (a hang guard, not a timing).
  test('a long value with many stars stays linear', { timeout: 60_000 }, () => {
    const v = 'a'.repeat(100_000);
    assert.ok(!glob('*a*a*a*a*a*a*a*a*a*a*b', v));
  });
});

describe('CIDR', () => {
  test('IPv4, IPv6 and mapped addresses', () => {
    const c = parseCidr('192.168.0.0/16')!;
    assert.ok(cidrContains(c, '192.168.1.1'));
    assert.ok(!cidrContains(c, '192.169.0.1'));
    assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, '8.8.8.8'));
    assert.ok(cidrContains(parseCidr('10.1.2.3/32')!, '10.1.2.3'));
    assert.ok(!cidrContains(parseCidr('10.1.2.3/32')!, '10.1.2.4'));
    assert.ok(cidrContains(parseCidr('::1/128')!, '0:0:0:0:0:0:0:1'));
    assert.ok(cidrContains(parseCidr('fc00::/7')!, 'fd12:3456::1'));
    assert.ok(cidrContains(parseCidr('fe80::/10')!, 'fe80::1%12'));
    assert.ok(cidrContains(parseCidr('fe80::/10')!, '[fe80::1]'));
    assert.equal(parseCidr('1.2.3.4/40'), null);
    assert.equal(parseCidr('1.2.3/8'), null);
    assert.equal(parseIp('1:2:3:4:5:6:7:8:9'), null);
    assert.equal(parseIp('1::2::3'), null);
    assert.equal(parseIp('256.1.1.1'), null);
  });
});

describe('time components', () => {
  test('ISO 8601, Sysmon UtcTime, date only, time only', () => {
    assert.equal(timeComponent('2021-03-03T04:05:06.789Z', 'hour'), 4);
    assert.equal(timeComponent('2021-03-03 04:05:06.789', 'minute'), 5);
    assert.equal(timeComponent('2021-03-03', 'month'), 3);
    assert.equal(timeComponent('2021-03-03', 'hour'), undefined);
    assert.equal(timeComponent('13:37:00', 'hour'), 13);
    assert.equal(timeComponent('garbage', 'year'), undefined);
  });
  test('ISO week numbers', () => {
    assert.equal(isoWeek(2021, 1, 1), 53);
    assert.equal(isoWeek(2021, 1, 4), 1);
    assert.equal(isoWeek(2020, 12, 31), 53);
    assert.equal(isoWeek(2021, 3, 3), 9);
  });
});
