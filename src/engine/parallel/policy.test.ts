import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTES_PER_INDICATOR, MIN_PARALLEL_BYTES, sizeSerialReason } from './policy.js';

test('a large indicator set raises the input size worth a worker (each worker compiles it again)', () => {
  const parallel = { threads: 2, content: {} };
  const mib = 2 ** 20;
  assert.equal(sizeSerialReason(parallel, 100, 500 * mib, 183), null, "the bundled pack's 183 indicators change nothing");
  assert.equal(sizeSerialReason(parallel, 100, MIN_PARALLEL_BYTES, 4000), null, 'nor do a few thousand');
  assert.match(sizeSerialReason(parallel, 100, 500 * mib, 1_000_000) ?? '', /a worker would compile 1,000,000 indicators again/);
  const enough = MIN_PARALLEL_BYTES + 1_000_000 * BYTES_PER_INDICATOR;
  assert.equal(sizeSerialReason(parallel, 100, enough, 1_000_000), null);
  assert.match(sizeSerialReason(parallel, 100, enough - 1, 1_000_000) ?? '', /inputs smaller than 50 files or 4290\.3 MiB/);
});
