/**
 * @module Tests of InOrder: results given in any order are applied once each, in index order, as
 * soon as every earlier one is in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InOrder } from './in-order.js';

void describe('InOrder', () => {
  void it('applies results in index order whatever order they come in', () => {
    const applied: string[] = [];
    const order = new InOrder<string>(5, (i, v) => applied.push(`${i}:${v}`));
    order.put(3, 'd');
    order.put(1, 'b');
    assert.deepEqual(applied, []);
    order.put(0, 'a');
    assert.deepEqual(applied, ['0:a', '1:b']);
    assert.equal(order.applied, 2);
    order.put(4, 'e');
    order.put(2, 'c');
    assert.deepEqual(applied, ['0:a', '1:b', '2:c', '3:d', '4:e']);
    assert.ok(order.done);
  });

  void it('refuses a result given twice or out of range', () => {
    const order = new InOrder<number>(2, () => undefined);
    order.put(1, 10);
    assert.throws(() => order.put(1, 11), RangeError);
    order.put(0, 9);
    assert.throws(() => order.put(0, 9), RangeError);
    assert.throws(() => order.put(2, 1), RangeError);
  });
});
