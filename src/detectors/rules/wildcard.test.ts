import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLike, likeLiterals, likeToRegExp } from './wildcard.js';

test('like matches as PowerShell -like: case-insensitive, anchored, * and ?', () => {
  const re = likeToRegExp('ServerInfo~*/*');
  assert.ok(re.test('ServerInfo~a]@exch01.contoso.local:444/ecp/proxyLogon.ecp?#'));
  assert.ok(re.test('serverinfo~X/'));
  assert.ok(!re.test('xServerInfo~a/b'), 'anchored at the start');
  assert.ok(!re.test('ServerInfo~nohost'), 'needs a slash');
  assert.ok(likeToRegExp('a?c').test('abc'));
  assert.ok(!likeToRegExp('a?c').test('ac'));
  assert.ok(!likeToRegExp('ABC', true).test('abc'), 'cased');
});

test('backtick escapes wildcards and regex metacharacters are literal', () => {
  assert.ok(likeToRegExp('a`*b').test('a*b'));
  assert.ok(!likeToRegExp('a`*b').test('axb'));
  assert.ok(likeToRegExp('C:\\x\\(1).aspx').test('c:\\X\\(1).aspx'));
  assert.ok(!likeToRegExp('a.b').test('axb'));
  assert.equal(escapeLike('a*b?c`'), 'a`*b`?c``');
  assert.ok(likeToRegExp(`${escapeLike('C:\\Ex*change\\')}*`).test('C:\\Ex*change\\OAB'));
});

test('literal runs between wildcards', () => {
  assert.deepEqual(likeLiterals('ServerInfo~*/*Reset*VirtualDirectory#'), ['ServerInfo~', '/', 'Reset', 'VirtualDirectory#']);
  assert.deepEqual(likeLiterals('a`*b*'), ['a*b']);
});

test('like: leading and trailing * match exactly as the anchored form', () => {
  // The plain translation: the whole value against ^...$ with * as [\s\S]*.
  const anchored = (p: string): RegExp =>
    new RegExp(`^${[...p].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, 'i');
  const patterns = ['*', '**', '', 'a', '*a', 'a*', '*a*', '**a**', '*a*b*', 'a*b', '?*', '*?', '*/ecp/*.js', 'ServerInfo~*/*'];
  const values = ['', 'a', 'A', 'ba', 'ab', 'bab', 'a\nb', 'xayb', 'x/ECP/y.js', 'serverinfo~h/x', 'ServerInfo~h', '\n'];
  for (const p of patterns) for (const v of values) assert.equal(likeToRegExp(p).test(v), anchored(p).test(v), `${p} vs ${JSON.stringify(v)}`);
  assert.equal(likeToRegExp('*/autodiscover.json*').source, '\\/autodiscover\\.json');
  assert.ok(likeToRegExp('a`*').test('a*') && !likeToRegExp('a`*').test('ab'), 'an escaped trailing * stays literal');
});
