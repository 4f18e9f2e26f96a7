// The per-detector literal gate finds every literal that occurs in a record's values, overlapping
// and nested ones included, so gating never hides a record from a detector that could match it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detector } from '../core/detector.js';
import { MapRecord } from '../core/record.js';
import { prng } from '../sources/testutil.js';
import { LiteralGate } from './gate.js';

function detector(id: string, literals: readonly string[] | null): Detector {
  return { id, kinds: ['iis'], literals, match: () => null };
}

function iis(fields: Record<string, string>): MapRecord {
  return new MapRecord('iis', { path: 'u_ex210303.log', line: 1, kind: 'iis' }, null, fields);
}

// Twelve detectors at least, or the gate stands aside (asking a few detectors is cheaper).
const filler = Array.from({ length: 11 }, (_, i) => detector(`filler${i}`, [`zz-never-${i}`]));

test('every occurring literal is found: prefixes at one position, overlaps, nested substrings, any case', () => {
  const ds = [detector('long', ['/ecp/default.flt']), detector('prefix', ['/ecp/']), detector('inner', ['default']), ...filler];
  const gate = new LiteralGate(ds);
  const rec = iis({ 'cs-uri-stem': '/ECP/Default.flt', 'cs-method': 'POST' });
  assert.ok(gate.applies(rec));
  assert.deepEqual([...gate.wanted(rec)], [1, 1, 1, ...filler.map(() => 0)]);
});

test('literals are searched within one value, never across two', () => {
  const gate = new LiteralGate([detector('span', ['post/ecp']), ...filler]);
  assert.equal(gate.wanted(iis({ 'cs-method': 'POST', 'cs-uri-stem': '/ecp/y.js' }))[0], 0);
});

test('a detector without literals, or with one that has no searchable ASCII run, is always asked; regex metacharacters are literal', () => {
  const ds = [detector('all', null), detector('meta', ['a.b(c)*']), detector('unicode', ['ü']), ...filler];
  const gate = new LiteralGate(ds);
  assert.deepEqual([...gate.wanted(iis({ x: 'axb(c)' }))].slice(0, 3), [1, 0, 1]);
  assert.equal(gate.wanted(iis({ x: 'zzA.B(c)*' }))[1], 1);
});

test('never hides a record from a detector one of whose literals it holds, before and after the filter is rebuilt from a sample (property)', () => {
  const rand = prng(4242);
  const words = ['={{', '<svg', '/ecp/', 'serverinfo~', '103.77.192.219', 'select', '..%2f', 'python-requests/2.25.1', 'x-anonresource-backend', 'cmd.exe'];
  const ds = Array.from({ length: 30 }, (_, i) => detector(`d${i}`, [words[i % words.length]!, words[(i * 7 + 3) % words.length]!]));
  const gate = new LiteralGate(ds);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /.-=%~{<';
  // 3,000 records of ~100 characters: more than the sample the gate rebuilds its filter from.
  for (let c = 0; c < 3000; c++) {
    const values: Record<string, string> = {};
    for (const f of ['cs-uri-stem', 'cs-uri-query', 'cs(User-Agent)']) {
      let v = '';
      while (v.length < 40 * rand()) v += rand() < 0.05 ? [...words[Math.floor(rand() * words.length)]!].map((ch) => (rand() < 0.5 ? ch.toUpperCase() : ch)).join('') : alphabet[Math.floor(rand() * alphabet.length)];
      values[f] = v;
    }
    const wanted = gate.wanted(iis(values));
    ds.forEach((d, i) => {
      const holds = d.literals!.some((l) => Object.values(values).some((v) => v.toLowerCase().includes(l)));
      assert.equal(wanted[i], holds ? 1 : 0, `record ${c}, detector ${i}: ${JSON.stringify(values)}`);
    });
  }
});

test('short anchors are found as in the lower-cased line, beyond ASCII too (Kelvin sign, dotted capital I)', () => {
  const anchors = ['={{', '<svg', 'cmd', '<ki', 'x<i', '1=1#'];
  const ds = [...anchors.map((a) => detector(a, [a])), ...filler];
  const gate = new LiteralGate(ds);
  const texts = ['a={{b', 'A<SVG', '<sVg<svx', 'x<sv', 'CMD', 'c-m-d', '<\u212AI', '<\u212A\u0130', 'X<\u0130', '\u0130x<i', '1=1#', '1=1', '<<svg', '<sv\u212A'];
  for (const t of texts) {
    const wanted = gate.wanted(iis({ 'cs-uri-query': t }));
    anchors.forEach((a, i) => assert.equal(wanted[i], t.toLowerCase().includes(a) ? 1 : 0, `${JSON.stringify(t)} / ${a}`));
  }
});

test('few detectors: the gate stands aside', () => {
  const gate = new LiteralGate([detector('one', ['/ecp/'])]);
  assert.equal(gate.applies(iis({ x: '/owa/' })), false);
});
