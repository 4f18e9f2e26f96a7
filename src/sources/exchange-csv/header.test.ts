import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeCsvHeader } from './header.js';

describe('ExchangeCsvHeader', () => {
  const names = 'DateTime,RequestId,ClientIpAddress,UrlStem';

  it('shares one Columns between files with the same header, plain or #Fields:', () => {
    const a = new ExchangeCsvHeader();
    assert.equal(a.plainHeader(names, 1), true);
    assert.equal(a.directive(`#Fields: ${names}`), false, 'the same layout again is no change');
    const b = new ExchangeCsvHeader();
    assert.equal(b.directive(`#Fields: ${names}`), true);
    assert.ok(a.columns !== null && a.columns === b.columns);
    assert.deepEqual(a.columns.names, names.split(','));
  });

  it('still tells headers apart by their text and names', () => {
    const h = new ExchangeCsvHeader();
    h.directive(`#Fields: ${names}`);
    const first = h.columns;
    assert.equal(h.directive('#Fields: DateTime, RequestId ,ClientIpAddress,UrlStem'), false, 'same names after trimming');
    assert.equal(h.columns, first);
    assert.equal(h.directive('#Fields: DateTime,Other'), true);
    assert.deepEqual(h.columns?.names, ['DateTime', 'Other']);
    assert.equal(h.directive('#Fields: "Date,Time",X'), true);
    assert.deepEqual(h.columns?.names, ['Date,Time', 'X']);
  });

  it('does not take a #Fields: text with quotes for a plain header line', () => {
    new ExchangeCsvHeader().directive('#Fields: "A",B');
    const h = new ExchangeCsvHeader();
    assert.equal(h.plainHeader('"A",B', 1), false);
    assert.equal(h.plainHeader(names, 2), false, 'only on line 1');
    assert.equal(h.columns, null);
  });
});
