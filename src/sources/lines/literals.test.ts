import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../testutil.js';
import { compileLiterals, literalAnchor, literalStrategy, type LiteralMatcher } from './literals.js';

/** Every literal occurrence start in `text`, ASCII case-insensitively (the reference). */
function naiveHits(text: string, literals: readonly string[]): Set<number> {
  const lower = text.toLowerCase();
  const hits = new Set<number>();
  for (const l of literals) for (let p = lower.indexOf(l); p !== -1; p = lower.indexOf(l, p + 1)) hits.add(p);
  return hits;
}

/** Lines (by start offset) the matcher reports through region/next, as the line reader uses it. */
function candidateLines(m: LiteralMatcher, buf: Buffer): number[] {
  const out: number[] = [];
  m.region(buf, 0, buf.length);
  let hit = -2;
  let pos = 0;
  while (pos < buf.length) {
    let nl = buf.indexOf(10, pos);
    if (nl === -1) nl = buf.length;
    if (hit !== -1 && hit < pos) hit = m.next(pos);
    if (hit !== -1 && hit < nl) out.push(pos);
    pos = nl + 1;
  }
  return out;
}

function randomText(rand: () => number, words: readonly string[], lines: number, lineLength: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,;/~.-_"';
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    let line = '';
    while (line.length < lineLength * rand()) {
      if (rand() < 0.05) {
        const w = words[Math.floor(rand() * words.length)] ?? '';
        // Random case, and sometimes cut short (a near miss).
        const cased = [...w].map((c) => (rand() < 0.5 ? c.toUpperCase() : c)).join('');
        line += rand() < 0.3 ? cased.slice(0, -1) : cased;
      } else line += alphabet[Math.floor(rand() * alphabet.length)];
    }
    out.push(line);
  }
  return out.join(rand() < 0.5 ? '\n' : '\r\n');
}

const FEW = ['serverinfo~', '/ecp/y.js'];
const MANY = [
  'serverinfo~',
  '/ecp/y.js',
  'python-requests',
  'set-oabvirtualdirectory',
  'antsword',
  'download failed',
  'x-beresource',
  '/owa/auth/current/',
  'exchangeservicesclient/0.0.0.0',
  '~1941962753',
];

describe('compileLiterals', () => {
  it('chooses RegExp for few literals, word grams for many long ones, the byte q-gram filter for many short ones', () => {
    assert.equal(literalStrategy(FEW), 'regex');
    assert.equal(literalStrategy([...FEW, 'python-requests']), 'words', 'three long literals');
    assert.equal(literalStrategy(['x.js', '={{', '<svg', 'serverinfo~']), 'regex', 'too many short ones for words, few enough for one RegExp');
    assert.equal(literalStrategy(MANY), 'words');
    assert.equal(literalStrategy([...MANY, '/ecp/', 'x-anon']), 'words', '5- and 6-byte literals are byte pairs of the words');
    assert.equal(literalStrategy([...MANY, 'x.js', '={{']), 'words', 'two shorter ones go to a RegExp beside the words');
    assert.equal(literalStrategy([...MANY, 'x.js', '={{', '<svg']), 'qgram');
    assert.equal(literalStrategy([...MANY, '@']), 'regex', 'a one-byte literal cannot be probed by pairs');
    assert.equal(literalStrategy(null), 'all');
    assert.equal(literalStrategy([]), 'none');
    assert.equal(literalStrategy(['é']), 'all', 'no ASCII to search for: every line is a candidate');
  });

  it('returns null (no prefilter) for null and for unsearchable literals, a never-matcher for []', () => {
    assert.equal(compileLiterals(null), null);
    assert.equal(compileLiterals(['ok', '']), null);
    const never = compileLiterals([]);
    assert.ok(never);
    assert.equal(never.test(Buffer.from('anything'), 0, 8), false);
  });

  for (const [name, literals] of [
    ['RegExp', FEW],
    ['word grams', MANY],
    ['word grams with pairs', [...MANY, '/ecp/', 'x-anon']],
    ['word grams with pairs and a RegExp beside', [...MANY, '/ecp/', 'x-anon', 'x.js', '={{']],
    ['q-gram', [...MANY, 'x.js', '={{', '<svg']],
    ['q-gram with 3-byte literals', [...MANY, '={{', '<svg', '1=1#']],
  ] as const) {
    it(`${name}: finds exactly the lines holding a literal, any case (property, 300 cases)`, () => {
      const rand = prng(name.length * 7919);
      for (let c = 0; c < 300; c++) {
        const text = randomText(rand, literals, 1 + Math.floor(rand() * 30), 200);
        // At each of the four alignments of the text in memory (word grams read aligned words).
        const shift = c % 4;
        const buf = Buffer.concat([Buffer.alloc(shift), Buffer.from(text, 'latin1')]).subarray(shift);
        const m = compileLiterals(literals);
        assert.ok(m);
        const hits = naiveHits(text, literals);
        const expected: number[] = [];
        let start = 0;
        for (const line of text.split('\n')) {
          if ([...hits].some((h) => h >= start && h < start + line.length)) expected.push(start);
          start += line.length + 1;
        }
        assert.deepEqual(candidateLines(m, buf), expected, `case ${c}: ${JSON.stringify(text.slice(0, 200))}`);
        for (let i = 0; i < 5; i++) {
          const a = Math.floor(rand() * buf.length);
          const b = a + Math.floor(rand() * (buf.length - a));
          // Some literal wholly inside [a, b) (a literal may start where a longer one does).
          const want = literals.some((l) => naiveHits(text.slice(a, b), [l]).size > 0);
          assert.equal(m.test(buf, a, b), want, `test(${a}, ${b}) case ${c}`);
        }
      }
    });
  }

  it('RegExp: finds hits past its 64 KB window, right at window borders', () => {
    const line = 'x'.repeat(999);
    const lines = Array.from({ length: 300 }, (_, i) => (i % 67 === 66 ? `${line.slice(0, 980)}ServerInfo~tail` : line));
    const buf = Buffer.from(lines.join('\n'));
    const m = compileLiterals(FEW);
    assert.ok(m);
    const starts = lines.map((_, i) => lines.slice(0, i).reduce((n, l) => n + l.length + 1, 0));
    const expected = starts.filter((_, i) => lines[i]?.includes('ServerInfo~'));
    assert.equal(expected.length, 4);
    assert.deepEqual(candidateLines(m, buf), expected);
  });

  it('searches a literal by its longest ASCII run, never across a line break', () => {
    assert.equal(literalAnchor('Überprüfung-fehlgeschlagen'), 'fung-fehlgeschlagen');
    assert.equal(literalAnchor('abc\r\nlonger part'), 'longer part');
    const m = compileLiterals(['überprüfung-fehlgeschlagen']);
    assert.ok(m);
    assert.equal(m.test(Buffer.from('x ÜBERPRÜFUNG-FEHLGESCHLAGEN y'), 0, 31), true);
  });
});
