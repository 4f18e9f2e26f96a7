import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionLiterals, unionLiterals } from './literals.js';

test('any needs a literal from every branch; all picks the most selective branch', () => {
  assert.deepEqual(
    conditionLiterals({ any: [{ field: 'A', like: 'ServerInfo~*/*' }, { field: 'B', like: 'Server~*/*~*' }] }),
    ['serverinfo~', 'server~'],
  );
  assert.equal(conditionLiterals({ any: [{ field: 'A', like: 'ServerInfo~*' }, { field: 'B', regex: 'x' }] }), null);
  assert.deepEqual(
    conditionLiterals({ all: [{ field: 'm', equals: 'POST' }, { field: 's', like: '/owa/auth/Current/*' }] }),
    ['/owa/auth/current/'],
  );
});

test('negations, regexes, short values and path comparisons give no hint', () => {
  assert.equal(conditionLiterals({ not: { field: 'a', equals: 'abcdef' } }), null);
  assert.equal(conditionLiterals({ field: 'a', regex: 'abcdef' }), null);
  assert.equal(conditionLiterals({ field: 'a', equals: 'ab' }), null);
  assert.equal(conditionLiterals({ field: 'a', like: 'C:\\abc\\*', path: true }), null);
});

test('literals are cut at double quotes, which CSV escapes in the raw line', () => {
  assert.deepEqual(conditionLiterals({ field: 'a', contains: 'eval(Request["x"]' }), ['eval(request[']);
});

test('variables are treated as wildcards', () => {
  assert.deepEqual(conditionLiterals({ field: 'a', like: '{{install}}ClientAccess\\OAB\\*' }), ['clientaccess\\oab\\']);
});

test('union: null when any rule has no hint; literals containing a shorter one are dropped', () => {
  assert.equal(unionLiterals([['abc'], null]), null);
  assert.deepEqual(unionLiterals([['/owa/auth/'], ['/owa/auth/current/', '/ecp/']]), ['/ecp/', '/owa/auth/']);
});
