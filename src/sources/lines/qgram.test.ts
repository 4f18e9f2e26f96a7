import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../testutil.js';
import { allInString, buildQGrams, firstIn, qgramStride } from './qgram.js';

const LITERALS = ['={{', '<svg', '/ecp/', 'serverinfo~', '103.77.192.219', 'python-requests/2.25.1', 'select', '..%2f'];

/** Every (literal index) that occurs in `text`, ASCII case-insensitively: the reference. */
function naive(text: string, literals: readonly string[]): Set<number> {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return new Set(literals.flatMap((l, i) => (lower.includes(l) ? [i] : [])));
}

function randomLine(rand: () => number, literals: readonly string[]): string {
  // Beyond Latin-1 too (Kelvin sign, long s): strings hash char codes past a byte.
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,;/~.-_"=<{%é\u212a\u017f';
  let line = '';
  const n = Math.floor(rand() * 120);
  while (line.length < n) {
    if (rand() < 0.06) {
      const w = literals[Math.floor(rand() * literals.length)] ?? '';
      const cased = [...w].map((c) => (rand() < 0.5 ? c.toUpperCase() : c)).join('');
      line += rand() < 0.3 ? cased.slice(1) : cased;
    } else line += alphabet[Math.floor(rand() * alphabet.length)];
  }
  return line;
}

describe('q-gram filter', () => {
  it('strides as far as triples fit the shortest literal (pairs for 2- and 3-byte ones), at most 6', () => {
    assert.equal(qgramStride(2), 1);
    assert.equal(qgramStride(3), 2);
    assert.equal(qgramStride(5), 3);
    assert.equal(qgramStride(40), 6);
    const set = buildQGrams(['={{', 'serverinfo~', '<svg']);
    assert.equal(set.s, 2);
    assert.ok(set.pairs && set.triples, '3-byte literal by pairs, the others by triples');
    assert.equal(buildQGrams(['serverinfo~', '<svg']).pairs, null);
  });

  for (const [name, literals] of [
    ['short and long literals', LITERALS],
    ['long literals only (stride 6)', LITERALS.filter((l) => l.length >= 8)],
    ['4-byte literals and longer (stride 2, triples only)', LITERALS.filter((l) => l.length >= 4)],
  ] as const) {
    it(`${name}: finds every literal in strings and a hit in bytes whenever there is one (property, 500 lines)`, () => {
      const rand = prng(name.length * 31);
      for (const sample of [undefined, Buffer.from(Array.from({ length: 200 }, () => randomLine(rand, literals)).join('\n'))]) {
        const set = buildQGrams(literals, sample);
        for (let c = 0; c < 500; c++) {
          const line = randomLine(rand, literals);
          const want = naive(line, literals);
          const got = new Set<number>();
          allInString(set, line, (id) => got.add(id));
          assert.deepEqual([...got].sort(), [...want].sort(), JSON.stringify(line));
          const bytes = Buffer.from(line, 'latin1');
          const hit = firstIn(set, bytes, 0, bytes.length);
          assert.equal(hit !== -1, want.size > 0, JSON.stringify(line));
          if (hit !== -1) assert.ok(literals.some((l) => line.slice(hit, hit + l.length).toLowerCase() === l), `hit ${hit} in ${JSON.stringify(line)}`);
        }
      }
    });
  }

  it('reports only occurrences wholly inside [from, to)', () => {
    const set = buildQGrams(LITERALS);
    const bytes = Buffer.from('xx/ECP/yy SELECT zz');
    assert.equal(firstIn(set, bytes, 0, bytes.length), 2);
    assert.equal(firstIn(set, bytes, 3, bytes.length), 10);
    assert.equal(firstIn(set, bytes, 3, 15), -1, 'SELECT ends past `to`');
  });

  it('refuses literals a pair cannot probe', () => {
    assert.throws(() => buildQGrams(['a', 'bcd']), /at least 2 bytes/);
  });
});
