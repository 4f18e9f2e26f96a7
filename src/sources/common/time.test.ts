import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeRange, findIsoTime, normalizeIsoTime, w3cTime } from './time.js';

describe('normalizeIsoTime', () => {
  it('keeps canonical UTC times as they are', () => {
    assert.equal(normalizeIsoTime('2021-03-07T15:04:04.546Z'), '2021-03-07T15:04:04.546Z');
  });

  it('brings other ISO spellings to canonical UTC', () => {
    assert.equal(normalizeIsoTime('2021-03-07T15:04:04Z'), '2021-03-07T15:04:04.000Z');
    assert.equal(normalizeIsoTime('2021-03-07 15:04:04'), '2021-03-07T15:04:04.000Z', 'no zone: UTC, not local time');
    assert.equal(normalizeIsoTime('2021-03-07T15:04:04.5467891Z'), '2021-03-07T15:04:04.546Z');
    assert.equal(normalizeIsoTime('2021-03-07T15:04:04.5+01:00'), '2021-03-07T14:04:04.500Z');
    assert.equal(normalizeIsoTime('2021-03-07T00:30:00-0230'), '2021-03-07T03:00:00.000Z');
  });

  it('rejects impossible dates instead of rolling them over', () => {
    for (const bad of ['2021-02-29T00:00:00.000Z', '2021-03-07T15:04:60.000Z', '2021-03-07T15:04:04.54xZ', '2021-02-29T00:00:00Z', '2021-13-01T00:00:00Z', '2021-03-07T24:00:00Z', '2021-03-07', 'not a time', '', '2021-04-31 00:00:00']) {
      assert.equal(normalizeIsoTime(bad), null, bad);
    }
    assert.equal(normalizeIsoTime('2020-02-29T00:00:00Z'), '2020-02-29T00:00:00.000Z');
  });
});

describe('w3cTime and findIsoTime', () => {
  it('joins W3C date and time columns as UTC', () => {
    assert.equal(w3cTime('2019-09-03', '10:13:36'), '2019-09-03T10:13:36.000Z');
    assert.equal(w3cTime('', '10:13:36'), null);
    assert.equal(w3cTime('2019-02-30', '10:13:36'), null);
    assert.equal(w3cTime('2019-09-03', '25:13:36'), null);
    assert.equal(w3cTime('2019-09-03', '10:13:36.25'), '2019-09-03T10:13:36.250Z');
  });

  it('finds the first valid timestamp in free text', () => {
    assert.equal(findIsoTime('[2021-02-30T00:00:00Z] then 2021-03-03T03:00:04.871Z x'), '2021-03-03T03:00:04.871Z');
    assert.equal(findIsoTime('no time here'), null);
  });
});

describe('TimeRange', () => {
  it('tracks oldest and newest canonical times', () => {
    const r = new TimeRange();
    assert.equal(r.oldest, null);
    for (const t of ['2021-03-03T02:00:00.000Z', '2021-03-01T00:00:00.500Z', '2021-03-05T00:00:00.000Z', '2021-03-04T00:00:00.000Z']) r.add(t);
    assert.equal(r.oldest, '2021-03-01T00:00:00.500Z');
    assert.equal(r.newest, '2021-03-05T00:00:00.000Z');
  });
});
