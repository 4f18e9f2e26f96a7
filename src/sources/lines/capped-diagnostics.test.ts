import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../core/diagnostic.js';
import { CappedDiagnostics } from './capped-diagnostics.js';

describe('CappedDiagnostics', () => {
  it('passes the first N of each code, then sums up the rest once', () => {
    const got: Diagnostic[] = [];
    const d = new CappedDiagnostics((x) => got.push(x), 'logs/a.log', 3);
    for (let i = 1; i <= 10; i++) d.report('warning', 'bad-row', 'row skipped', i);
    d.report('warning', 'line-too-long', 'skipped', 99);
    d.report('error', 'bad-row', 'row skipped', 11);
    assert.equal(got.length, 4);
    d.finish();
    assert.equal(got.length, 5);
    assert.deepEqual(
      got.slice(0, 3).map((x) => x.line),
      [1, 2, 3],
    );
    assert.equal(got[0]?.message, 'logs/a.log:1: row skipped');
    assert.equal(got[0]?.path, 'logs/a.log');
    const summary = got[4];
    assert.equal(summary?.code, 'bad-row');
    assert.equal(summary?.level, 'error', 'the summary keeps the worst level');
    assert.equal(summary?.line, undefined);
    assert.match(summary?.message ?? '', /8 more `bad-row` problems .*11 in all/);
  });

  it('adds no summary when under the cap', () => {
    const got: Diagnostic[] = [];
    const d = new CappedDiagnostics((x) => got.push(x), 'a.log');
    d.report('warning', 'utf16', 'file is UTF-16LE');
    d.finish();
    assert.equal(got.length, 1);
    assert.equal(got[0]?.message, 'a.log: file is UTF-16LE');
  });
});
