// The per-detector literal gate finds every literal that occurs in a record's values, overlapping
// and nested ones included, so gating never hides a record from a detector that could match it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detector } from '../core/detector.js';
import { MapRecord } from '../core/record.js';
import { LiteralGate } from './gate.js';

function detector(id: string, literals: readonly string[] | null): Detector {
  return { id, kinds: ['iis'], literals, match: () => null };
}

function iis(fields: Record<string, string>): MapRecord {
  return new MapRecord('iis', { path: 'u_ex210303.log', line: 1, kind: 'iis' }, null, fields);
}

// Twelve detectors at least, or the gate stands aside (asking a few detectors is cheaper).
const filler = Array.from({ length: 10 }, (_, i) => detector(`filler${i}`, [`zz-never-${i}`]));

test('every occurring literal is found: prefixes at one position, overlaps, nested substrings', () => {
  const ds = [detector('long', ['/ecp/default.flt']), detector('prefix', ['/ecp/']), detector('inner', ['default']), ...filler];
  const gate = new LiteralGate(ds);
  const rec = iis({ 'cs-uri-stem': '/ECP/Default.flt', 'cs-method': 'POST' });
  assert.ok(gate.applies(rec));
  const found = gate.found(rec);
  assert.deepEqual([...found].sort(), ['/ecp/', '/ecp/default.flt', 'default']);
  assert.deepEqual(
    ds.map((_, i) => gate.wants(i, found)),
    [true, true, true, ...filler.map(() => false)],
  );
  assert.deepEqual([...gate.wanted(found)], [1, 1, 1, ...filler.map(() => 0)]);
});

test('literals are searched within one value, never across two', () => {
  const gate = new LiteralGate([detector('span', ['post/ecp']), ...filler]);
  const found = gate.found(iis({ 'cs-method': 'POST', 'cs-uri-stem': '/ecp/y.js' }));
  assert.equal(found.has('post/ecp'), false);
});

test('a detector without literals is always asked; regex metacharacters are literal', () => {
  const ds = [detector('all', null), detector('meta', ['a.b(c)*']), ...filler];
  const gate = new LiteralGate(ds);
  const found = gate.found(iis({ x: 'axb(c)' }));
  assert.equal(gate.wants(0, found), true);
  assert.equal(gate.wants(1, found), false);
  assert.deepEqual([...gate.wanted(found)].slice(0, 2), [1, 0]);
  assert.equal(gate.wants(1, gate.found(iis({ x: 'zza.b(c)*' }))), true);
});

test('few detectors: the gate stands aside', () => {
  const gate = new LiteralGate([detector('one', ['/ecp/'])]);
  assert.equal(gate.applies(iis({ x: '/owa/' })), false);
});
