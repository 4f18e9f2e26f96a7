// Correlation rules (Sigma correlation specification 2.1): event_count, value_count, temporal,
// temporal_ordered, value_sum, value_avg, value_percentile, group-by, timespan, aliases,
// chaining, `generate`, and the memory bounds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hit } from '../../../core/finding.js';
import type { LogRecord } from '../../../core/record.js';
import type { SigmaLoadResult } from '../load.js';
import { HOST, load, winEvent } from '../testing/fixtures.js';

const T0 = Date.parse('2021-03-03T04:00:00.000Z');
const at = (sec: number): string => new Date(T0 + sec * 1000).toISOString();
const failed = (user: string, sec: number, ws = 'WS1'): LogRecord => winEvent({ Channel: 'Security', EventID: '4625', TargetUserName: user, WorkstationName: ws, TimeCreated: at(sec) });
const success = (user: string, sec: number): LogRecord => winEvent({ Channel: 'Security', EventID: '4624', TargetUserName: user, TimeCreated: at(sec) });

const BASE = `title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`;

/** Runs records through every detector and the correlations, as the engine does; returns correlation hits. */
function drive(r: SigmaLoadResult, records: readonly LogRecord[]): { correlated: Hit[]; standalone: Hit[] } {
  const correlated: Hit[] = [];
  const standalone: Hit[] = [];
  for (const rec of records) {
    for (const d of r.detectors) {
      const h = d.match(rec, HOST);
      if (!h) continue;
      if (d.standalone) standalone.push(h);
      for (const c of r.correlations) if (c.accepts(h.ruleId)) correlated.push(...c.feed(h, rec));
    }
  }
  for (const c of r.correlations) correlated.push(...c.finish());
  return { correlated, standalone };
}

const corr = (body: string, extra = ''): string => `${BASE}---
title: Correlation under test
id: 0e95725d-7320-415d-80f7-004da920fc11
level: high
${extra}correlation:
${body.replace(/^/gm, '    ')}
`;

describe('event_count', () => {
  test('fires once the count is reached within the timespan, per group', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1m\ncondition:\n    gte: 3'));
    assert.equal(r.correlations.length, 1);
    const { correlated, standalone } = drive(r, [failed('bob', 0), failed('bob', 10), failed('eve', 15), failed('bob', 20), failed('eve', 100)]);
    assert.equal(correlated.length, 1);
    const h = correlated[0]!;
    assert.equal(h.ruleId, '0e95725d-7320-415d-80f7-004da920fc11');
    assert.equal(h.severity, 'high');
    assert.equal(h.evidence['group.TargetUserName'], 'bob');
    assert.equal(h.evidence['sigma.correlation.measure'], '3 events');
    assert.equal(h.time, at(20));
    assert.equal(standalone.filter((x) => x.title === 'Single failed login').length, 0, 'base rules are not findings without generate');
  });
  test('events further apart than the timespan do not add up', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1m\ncondition:\n    gte: 3'));
    assert.equal(drive(r, [failed('bob', 0), failed('bob', 50), failed('bob', 100), failed('bob', 150)]).correlated.length, 0);
  });
  test('a range condition (gt and lte) is judged when the window closes', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1m\ncondition:\n    gt: 1\n    lte: 2'));
    const { correlated } = drive(r, [failed('bob', 0), failed('bob', 10), failed('eve', 0), failed('eve', 5), failed('eve', 6), failed('ann', 0)]);
    assert.deepEqual(
      correlated.map((h) => h.evidence['group.TargetUserName']),
      ['bob'],
    );
  });
  test('lt: too few events in a window', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1m\ncondition:\n    lt: 2'));
    const { correlated } = drive(r, [failed('bob', 0), failed('bob', 10), failed('eve', 0)]);
    assert.deepEqual(
      correlated.map((h) => h.evidence['group.TargetUserName']),
      ['eve'],
    );
  });
});

describe('value_count', () => {
  test('distinct values of the field per group', () => {
    const r = load(corr('type: value_count\nrules:\n    - failed_login\ngroup-by:\n    - WorkstationName\ntimespan: 1h\ncondition:\n    field: TargetUserName\n    gte: 3'));
    const { correlated } = drive(r, [failed('a', 0), failed('a', 1), failed('b', 2), failed('c', 3, 'WS2'), failed('c', 4)]);
    assert.equal(correlated.length, 1);
    assert.equal(correlated[0]!.evidence['group.WorkstationName'], 'WS1');
    assert.equal(correlated[0]!.evidence['sigma.correlation.measure'], '3 distinct TargetUserName');
  });
});

describe('temporal and temporal_ordered', () => {
  test('temporal: all rules within the timespan, any order', () => {
    const r = load(corr('type: temporal\nrules:\n    - failed_login\n    - successful_login\ngroup-by:\n    - TargetUserName\ntimespan: 5m'));
    assert.equal(drive(r, [success('bob', 0), failed('bob', 60)]).correlated.length, 1);
    assert.equal(drive(r, [success('bob', 0), failed('bob', 400)]).correlated.length, 0);
    assert.equal(drive(r, [success('bob', 0), failed('eve', 60)]).correlated.length, 0);
  });
  test('temporal_ordered: in the order listed', () => {
    const r = load(corr('type: temporal_ordered\nrules:\n    - failed_login\n    - successful_login\ngroup-by:\n    - TargetUserName\ntimespan: 5m'));
    assert.equal(drive(r, [failed('bob', 0), success('bob', 60)]).correlated.length, 1);
    assert.equal(drive(r, [success('bob', 0), failed('bob', 60)]).correlated.length, 0);
  });
});

describe('chaining, aliases and generate (the specification\'s examples)', () => {
  test('many failed logins followed by a successful login, chained by name', () => {
    const r = load(`title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
author: Florian Roth (Nextron Systems)
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
${BASE.replace(/TargetUserName/g, 'User')}`);
    assert.equal(r.correlations.length, 1, 'only the outermost correlation is top-level');
    assert.equal(r.loaded, 4);
    const user = (u: string, sec: number, id: string): LogRecord => winEvent({ Channel: 'Security', EventID: id, User: u, TimeCreated: at(sec) });
    const recs = [...Array.from({ length: 10 }, (_, i) => user('bob', i * 10, '4625')), user('bob', 200, '4624')];
    const { correlated } = drive(r, recs);
    assert.equal(correlated.length, 1);
    assert.equal(correlated[0]!.ruleId, 'b180ead8-d58f-40b2-ae54-c8940995b9b6');
    assert.equal(correlated[0]!.evidence['sigma.author'], 'Florian Roth (Nextron Systems)');
    assert.equal(drive(r, [...Array.from({ length: 9 }, (_, i) => user('bob', i * 10, '4625')), user('bob', 200, '4624')]).correlated.length, 0);
  });
  test('aliases map one group-by name onto different fields per rule', () => {
    const r = load(
      corr(
        'type: temporal\nrules:\n    - failed_login\n    - successful_login\ngroup-by:\n    - account\ntimespan: 5m\naliases:\n    account:\n        failed_login: TargetUserName\n        successful_login: SubjectUserName',
      ),
    );
    const ok = winEvent({ Channel: 'Security', EventID: '4624', SubjectUserName: 'bob', TimeCreated: at(30) });
    const { correlated } = drive(r, [failed('bob', 0), ok]);
    assert.equal(correlated.length, 1);
    assert.equal(correlated[0]!.evidence['group.account'], 'bob');
  });
  test('generate: true keeps the base rules as findings', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1m\ncondition:\n    gte: 2', 'generate: true\n'));
    const { standalone } = drive(r, [failed('bob', 0)]);
    assert.equal(standalone.length, 1);
  });
});

describe('metrics', () => {
  const bytes = (src: string, n: number, sec: number): LogRecord => winEvent({ Channel: 'Security', EventID: '4625', TargetUserName: src, Bytes: String(n), TimeCreated: at(sec) });
  test('value_sum and value_avg', () => {
    const sum = load(corr('type: value_sum\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1h\ncondition:\n    field: Bytes\n    gt: 1000'));
    const s = drive(sum, [bytes('a', 600, 0), bytes('a', 600, 10), bytes('b', 600, 10)]).correlated;
    assert.deepEqual(
      s.map((h) => [h.evidence['group.TargetUserName'], h.evidence['sigma.correlation.measure']]),
      [['a', 'sum of Bytes = 1200']],
    );
    const avg = load(corr('type: value_avg\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1h\ncondition:\n    field: Bytes\n    gt: 500'));
    const a = drive(avg, [bytes('a', 600, 0), bytes('a', 500, 10), bytes('b', 100, 0), bytes('b', 200, 10)]).correlated;
    assert.deepEqual(
      a.map((h) => h.evidence['group.TargetUserName']),
      ['a'],
    );
  });
  test('value_percentile: values whose share of the group is within the condition', () => {
    const r = load(corr('type: value_percentile\nrules:\n    - failed_login\ngroup-by:\n    - WorkstationName\ntimespan: 24h\ncondition:\n    field: TargetUserName\n    lte: 10'));
    const recs = [...Array.from({ length: 19 }, (_, i) => failed('common', i)), failed('rare', 30)];
    const h = drive(r, recs).correlated;
    assert.equal(h.length, 1);
    assert.match(h[0]!.evidence['sigma.correlation.measure'] ?? '', /^rare \(5\.00%\)$/);
  });
});

describe('bounds and problems', () => {
  test('groups are capped: the least recently active one is dropped', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1h\ncondition:\n    gte: 2'), { correlationLimits: { maxGroups: 3 } });
    const c = r.correlations[0]!;
    const recs = ['a', 'b', 'c', 'd', 'e'].map((u, i) => failed(u, i));
    for (const rec of recs) for (const d of r.detectors) {
      const h = d.match(rec, HOST);
      if (h) c.feed(h, rec);
    }
    assert.equal(c.stats().groups, 3);
    assert.equal(c.stats().evictedGroups, 2);
    // 'a' was evicted, so its second event starts over; 'e' is still there.
    const again = (u: string): number => {
      const rec = failed(u, 10);
      let n = 0;
      for (const d of r.detectors) {
        const h = d.match(rec, HOST);
        if (h) n += c.feed(h, rec).length;
      }
      return n;
    };
    assert.equal(again('a'), 0);
    assert.equal(again('e'), 1);
  });
  test('hits without a time or a group-by value are not counted', () => {
    const r = load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - TargetUserName\ntimespan: 1h\ncondition:\n    gte: 1'));
    const noUser = winEvent({ Channel: 'Security', EventID: '4625', TimeCreated: at(0) });
    assert.equal(drive(r, [noUser]).correlated.length, 0);
    assert.equal(r.correlations[0]!.stats().skipped, 1);
  });
  test('a correlation naming an unknown rule fails with its file and line', () => {
    const bad = `${BASE}---\ntitle: x\ncorrelation:\n    type: event_count\n    rules:\n        - nosuch\n    group-by:\n        - a\n    timespan: 1h\n    condition:\n        gte: 1\n`;
    const res = (() => {
      try {
        load(bad);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    })();
    assert.match(res ?? '', /rule "nosuch" is not loaded/);
  });
  test('timespan and condition are checked', () => {
    assert.throws(() => load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - a\ntimespan: 1 hour\ncondition:\n    gte: 1')), /timespan must be/);
    assert.throws(() => load(corr('type: event_count\nrules:\n    - failed_login\ngroup-by:\n    - a\ntimespan: 1h')), /needs a `condition`/);
    assert.throws(() => load(corr('type: value_count\nrules:\n    - failed_login\ngroup-by:\n    - a\ntimespan: 1h\ncondition:\n    gte: 1')), /needs `field`/);
    assert.throws(() => load(corr('type: nosuch\nrules:\n    - failed_login\ntimespan: 1h')), /unknown correlation type/);
  });
});
