/**
 * @module Tests of build number parsing, formatting and ordering.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareBuilds, findBuild, formatLong, formatShort, parseBuild } from './build.js';

test('short, long, three-part and AdminDisplayVersion forms', () => {
  assert.deepEqual(parseBuild('15.1.2176.9'), { major: 15, minor: 1, build: 2176, revision: 9 });
  assert.deepEqual(parseBuild(' 15.01.2176.009 '), { major: 15, minor: 1, build: 2176, revision: 9 });
  assert.deepEqual(parseBuild('15.1.2176'), { major: 15, minor: 1, build: 2176, revision: null });
  assert.deepEqual(parseBuild('Version 15.1 (Build 2176.2)'), { major: 15, minor: 1, build: 2176, revision: 2 });
  assert.deepEqual(parseBuild('14.3.513.0'), { major: 14, minor: 3, build: 513, revision: 0 });
});

test('not Exchange builds: Windows versions, .NET, garbage', () => {
  for (const s of ['10.0.17763.1', '4.8.4084.0', '1.0', '', 'abc', '15.1.2176.9.1', '0.1 (8.0.535.0)', '15.1.2176.9x']) assert.equal(parseBuild(s), null, s);
});

test('formatting and numeric order (not string order)', () => {
  const b = parseBuild('15.2.858.5');
  assert.ok(b);
  assert.equal(formatShort(b), '15.2.858.5');
  assert.equal(formatLong(b), '15.02.0858.005');
  assert.ok(compareBuilds(b, parseBuild('15.2.1118.7') ?? b) < 0, '858 < 1118 numerically');
  assert.ok(compareBuilds(parseBuild('15.1.2176.12') ?? b, parseBuild('15.1.2176.9') ?? b) > 0);
  assert.equal(compareBuilds(parseBuild('15.1.2176') ?? b, parseBuild('15.1.2176.0') ?? b), 0);
  assert.deepEqual(findBuild('X-OWA-Version: 15.1.2375.17 (x)'), { major: 15, minor: 1, build: 2375, revision: 17 });
  assert.equal(findBuild('Windows 10.0.17763.1 only'), null);
});
