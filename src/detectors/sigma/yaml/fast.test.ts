// The fast YAML reader gives exactly what the `yaml` library gives (values, numeric source
// text, positions) on every Sigma file of SigmaHQ, and hands anything it does not handle to the
// library.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ruleFiles } from '../collection.js';
import { sharedData } from '../testing/fixtures.js';
import { NotFastYaml, parseFast } from './fast.js';
import type { YamlValue } from './located.js';
import { SourceMap, parseYamlLibrary } from './located.js';

/** Differences between the two readers' values and positions ('' when none). */
function compare(text: string): { fast: boolean; diff: string } {
  const fastMap = new SourceMap('f');
  let fast;
  try {
    fast = parseFast(text, fastMap);
  } catch (e) {
    if (e instanceof NotFastYaml) return { fast: false, diff: '' };
    throw e;
  }
  const lib = parseYamlLibrary(text, 'f');
  if (lib.errors.length) return { fast: true, diff: `library fails (${lib.errors[0]!.error.message}) but fast reader accepts` };
  if (fast.length !== lib.documents.length) return { fast: true, diff: `${fast.length} vs ${lib.documents.length} documents` };
  const diffs: string[] = [];
  const walk = (a: YamlValue, b: YamlValue, path: string): void => {
    if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
      diffs.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      return;
    }
    if (typeof a !== 'object' || a === null) {
      if (a !== b) diffs.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      return;
    }
    const bo = b as object;
    const pa = fastMap.pos(a);
    const pb = lib.map.pos(bo);
    if (JSON.stringify(pa) !== JSON.stringify(pb)) diffs.push(`${path} pos ${JSON.stringify(pa)} vs ${JSON.stringify(pb)}`);
    const ka = Array.isArray(a) ? a.map((_, i) => i) : Object.keys(a);
    const kb = Array.isArray(bo) ? (bo as YamlValue[]).map((_, i) => i) : Object.keys(bo);
    if (JSON.stringify(ka) !== JSON.stringify(kb)) {
      diffs.push(`${path} keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`);
      return;
    }
    for (const k of ka) {
      const p = `${path}/${k}`;
      for (const f of ['at', 'valueAt', 'raw'] as const) {
        const x = fastMap[f](a, k);
        const y = lib.map[f](bo, k);
        if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${p} ${f} ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
      }
      walk((a as Record<string | number, YamlValue>)[k]!, (bo as Record<string | number, YamlValue>)[k]!, p);
    }
  };
  fast.forEach((d, i) => {
    const l = lib.documents[i]!;
    if (d.index !== l.index || JSON.stringify(d.pos) !== JSON.stringify(l.pos)) diffs.push(`doc ${i}: index/pos ${d.index} ${JSON.stringify(d.pos)} vs ${l.index} ${JSON.stringify(l.pos)}`);
    walk(d.value, l.value, `doc${i}`);
  });
  return { fast: true, diff: diffs.slice(0, 5).join('\n') };
}

describe('fast YAML reader', () => {
  test('agrees with the library on hand-written cases, or hands them over', () => {
    const cases = [
      'title: x\nid: 1\nn: 0x10\nf: null\nb: true\nq: \'it\'\'s\'\nd: "a\\tb\\u0041"\n',
      'a:\n    - 1\n    - two\n    - k: v\n      k2: v2\n    -   deep: 1\nb:\n- x\n- y\n',
      'desc: |\n    line1\n\n    line3\n  # comment-looking\nnext: 1\n',
      'desc: >-\n    folded\n    text\n\n    para\nx: y\n',
      'k: plain\n    continued\n\n    para\nz: 1\n',
      "tags: [attack.t1, 'b', {x: 1}]\nempty: []\nm: {}\n",
      '# comment\n---\na: 1 # trailing\n---\n---\nb: 2\n',
      "'|all':\n    - 'a'\n\"x y\": 1\nkey with spaces: v\n",
      'a: &anchor 1\nb: *anchor\n',
      'a: 1.5\n',
      'a:\n    b:\n        c: d\n',
      'a: "unclosed\n  continued"\n',
      'a: b: c\n',
      'a: [1, 2\n',
    ];
    for (const c of cases) {
      const r = compare(c);
      assert.equal(r.diff, '', `${JSON.stringify(c)}:\n${r.diff}`);
    }
    assert.equal(compare('a: &anchor 1\nb: *anchor\n').fast, false);
    assert.equal(compare('title: x\nid: 1\n').fast, true);
  });

  test('agrees with the library on every SigmaHQ file it reads, and reads nearly all', (t) => {
    const root = sharedData(t, 'sigma');
    if (!root) return;
    const files = ['rules', 'rules-compliance', 'rules-dfir', 'rules-emerging-threats', 'rules-placeholder', 'rules-threat-hunting', 'deprecated', 'unsupported', 'regression_data'].flatMap((d) => ruleFiles(`${root}/${d}`));
    let fast = 0;
    const diffs: string[] = [];
    for (const f of files) {
      const r = compare(readFileSync(f, 'utf8'));
      if (r.fast) fast++;
      if (r.diff) diffs.push(`${f}:\n${r.diff}`);
    }
    t.diagnostic(`fast reader: ${fast} of ${files.length} files; the others went to the library`);
    assert.deepEqual(diffs.slice(0, 10), []);
    assert.ok(fast / files.length > 0.95, `only ${fast} of ${files.length} read by the fast reader`);
  });
});
