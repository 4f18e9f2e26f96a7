// The condition grammar of the Sigma rules specification ("Condition"): and/or/not, brackets,
// `1 of` / `all of` with patterns and `them`, identifiers starting with `_`, operator
// precedence, lists of conditions, and the Sigma 1 syntax that must be refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSigmaText } from '../load.js';
import { matches, procRule, winEvent } from '../testing/fixtures.js';
import type { ConditionNode } from './ast.js';
import { ConditionError, parseCondition } from './parse.js';

const IDS = ['selection1', 'selection2', 'keywords1', 'keywords2', 'filter_main_a', 'filter_optional_b', '_helper'];

function show(n: ConditionNode): string {
  switch (n.t) {
    case 'and':
      return `(${n.items.map(show).join(' & ')})`;
    case 'or':
      return `(${n.items.map(show).join(' | ')})`;
    case 'not':
      return `!${show(n.item)}`;
    case 'ref':
      return n.name;
    case 'of':
      return `${n.quantifier}[${n.names.join(',')}]`;
  }
}
const p = (c: string): string => show(parseCondition(c, IDS));

describe('parsing', () => {
  test('precedence, least to most binding: or, and, not, x of, brackets', () => {
    assert.equal(p('selection1 or selection2 and keywords1'), '(selection1 | (selection2 & keywords1))');
    assert.equal(p('selection1 and selection2 or keywords1'), '((selection1 & selection2) | keywords1)');
    assert.equal(p('not selection1 and selection2'), '(!selection1 & selection2)');
    assert.equal(p('not selection1 or selection2'), '(!selection1 | selection2)');
    assert.equal(p('not 1 of selection* and keywords1'), '(!one[selection1,selection2] & keywords1)');
    assert.equal(p('selection1 and (keywords1 or keywords2)'), '(selection1 & (keywords1 | keywords2))');
    assert.equal(p('not (selection1 or selection2)'), '!(selection1 | selection2)');
    assert.equal(p('not not selection1'), '!!selection1');
  });
  test('keywords are case-insensitive', () => {
    assert.equal(p('selection1 AND NOT selection2 Or keywords1'), '((selection1 & !selection2) | keywords1)');
    assert.equal(p('1 OF selection* AND ALL Of keywords*'), '(one[selection1,selection2] & all[keywords1,keywords2])');
  });
  test('1 of / all of with patterns (the specification examples)', () => {
    assert.equal(p('all of selection*'), 'all[selection1,selection2]');
    assert.equal(p('1 of selection* and keywords1'), '(one[selection1,selection2] & keywords1)');
    assert.equal(p('1 of selection* and not 1 of filter*'), '(one[selection1,selection2] & !one[filter_main_a,filter_optional_b])');
    assert.equal(p('1 of *1'), 'one[selection1,keywords1]');
    assert.equal(p('1 of filter_*_a'), 'one[filter_main_a]');
  });
  test('them covers every identifier except those starting with _', () => {
    assert.equal(p('1 of them'), 'one[selection1,selection2,keywords1,keywords2,filter_main_a,filter_optional_b]');
    assert.equal(p('all of them'), 'all[selection1,selection2,keywords1,keywords2,filter_main_a,filter_optional_b]');
    // A pattern may still name them explicitly.
    assert.equal(p('1 of _*'), 'one[_helper]');
    assert.equal(p('_helper'), '_helper');
  });
  test('errors carry the offset of the problem', () => {
    const err = (c: string): ConditionError => {
      try {
        parseCondition(c, IDS);
      } catch (e) {
        if (e instanceof ConditionError) return e;
        throw e;
      }
      throw new Error(`${c} parsed`);
    };
    assert.equal(err('selection1 and nosuch').offset, 15);
    assert.match(err('selection1 and nosuch').message, /unknown search identifier "nosuch"/);
    assert.match(err('1 of nomatch*').message, /matches no search identifier/);
    assert.match(err('selection1 and').message, /ends too early/);
    assert.match(err('(selection1').message, /missing \)/);
    assert.match(err('selection1 selection2').message, /unexpected "selection2"/);
    assert.match(err('selection*').message, /needs `1 of`/);
    assert.match(err('2 of selection*').message, /only `1 of` and `all of`/);
    assert.match(err('selection1 | count() > 5').message, /Sigma 1 aggregation/);
    assert.match(err('selection1 | near selection2').message, /Sigma 1 aggregation/);
    assert.match(err('selection1 near selection2').message, /`near` is Sigma 1/);
  });
});

describe('evaluation', () => {
  const det = (cond: string | string[]): string =>
    procRule(
      `sel_a:\n    A: '1'\nsel_b:\n    B: '1'\nfilter_c:\n    C: '1'\n_d:\n    D: '1'\ncondition: ${Array.isArray(cond) ? `\n${cond.map((c) => `    - ${c}`).join('\n')}` : cond}`,
    );
  const truth = (cond: string | string[], f: Record<string, string>): boolean => matches(det(cond), winEvent(f));
  test('and, or, not, brackets', () => {
    assert.equal(truth('sel_a and sel_b', { A: '1', B: '1' }), true);
    assert.equal(truth('sel_a and sel_b', { A: '1' }), false);
    assert.equal(truth('sel_a or sel_b', { B: '1' }), true);
    assert.equal(truth('sel_a and not filter_c', { A: '1', C: '1' }), false);
    assert.equal(truth('sel_a and not filter_c', { A: '1' }), true);
    assert.equal(truth('sel_a or sel_b and filter_c', { A: '1' }), true, 'and binds tighter than or');
    assert.equal(truth('(sel_a or sel_b) and filter_c', { A: '1' }), false);
  });
  test('1 of, all of, them, and _ identifiers', () => {
    assert.equal(truth('1 of sel_*', { B: '1' }), true);
    assert.equal(truth('all of sel_*', { B: '1' }), false);
    assert.equal(truth('all of sel_*', { A: '1', B: '1' }), true);
    assert.equal(truth('all of them', { A: '1', B: '1', C: '1' }), true, '_d is not part of them');
    assert.equal(truth('1 of them', { D: '1' }), false, '_d is not part of them');
    assert.equal(truth('1 of sel_* and not 1 of filter_*', { A: '1', C: '1' }), false);
  });
  test('a list of conditions is an OR', () => {
    assert.equal(truth(['sel_a', 'sel_b'], { B: '1' }), true);
    assert.equal(truth(['sel_a', 'sel_b'], { C: '1' }), false);
  });
  test('a bad condition is reported with the rule file, line and column', () => {
    const r = loadSigmaText(det('sel_a and nosuch'), 'x.yml');
    assert.equal(r.failed.length, 1);
    const f = r.failed[0]!;
    assert.equal(f.code, 'condition');
    assert.equal(f.file, 'x.yml');
    assert.equal(f.line, 16);
    assert.equal(f.column, 16 + 'sel_a and '.length);
  });
});
