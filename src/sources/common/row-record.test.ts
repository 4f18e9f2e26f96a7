import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Columns, TabularRecord } from '../../core/record.js';
import { csvCell, csvValueEnds, splitCsv } from '../exchange-csv/csv.js';
import { RowRecord, separatorEnds } from './row-record.js';

describe('RowRecord', () => {
  const columns = new Columns(['DateTime', 'UrlStem', 'UserAgent', 'EventData', 'urlstem']);
  const origin = { path: 'x.log', line: 3, kind: 'httpproxy' as const };
  const line = '2021-03-03T01:02:03.000Z,/ecp/y.js,"Mozilla/5.0 (a, b) ""q""",S:CMD=Set-X;S:URL=/u,dup';
  const extraOf = (values: readonly string[]): Record<string, string> => ({ CMD: (values[3] ?? '').slice(6, 11), url: 'u' });

  it('answers get(), fields() and values() exactly as a TabularRecord of the split values', () => {
    const values = splitCsv(line);
    const tab = new TabularRecord('httpproxy', origin, null, columns, values, extraOf(values));
    const row = new RowRecord('httpproxy', origin, null, columns, line, csvValueEnds(line), csvCell, (r) => extraOf(columns.names.map((_, i) => r.value(i))));
    for (const name of ['DateTime', 'datetime', 'USERAGENT', 'EventData', 'UrlStem', 'urlstem', 'cmd', 'CMD', 'Url', 'missing', 'toString', '__proto__']) {
      assert.equal(row.get(name), tab.get(name), name);
    }
    assert.deepEqual(row.fields(), tab.fields());
    assert.deepEqual(row.values(), tab.values());
    assert.equal(row.value(2), 'Mozilla/5.0 (a, b) "q"');
    assert.equal(row.value(99), '');
  });

  it('computes extra fields once, and only when asked for', () => {
    let calls = 0;
    const row = new RowRecord('ecp', origin, null, columns, line, csvValueEnds(line), csvCell, () => {
      calls++;
      return { CMD: 'x' };
    });
    assert.equal(row.get('UrlStem'), '/ecp/y.js');
    assert.equal(calls, 0);
    assert.equal(row.get('cmd'), 'x');
    assert.equal(row.get('nothing'), undefined);
    assert.equal(calls, 1);
  });

  it('separatorEnds splits like String.split', () => {
    for (const text of ['', ' ', 'a b  c ', 'one']) {
      const ends = separatorEnds(text, ' ');
      assert.deepEqual(
        ends.map((e, i) => text.slice(i === 0 ? 0 : (ends[i - 1] as number) + 1, e)),
        text.split(' '),
      );
    }
  });
});
