import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../testutil.js';
import { csvCell, csvValueEnds, looksLikeCsvHeader, splitCsv } from './csv.js';

describe('splitCsv', () => {
  it('splits plain values, keeping empty ones', () => {
    assert.deepEqual(splitCsv('a,,b,'), ['a', '', 'b', '']);
    assert.deepEqual(splitCsv(''), ['']);
  });

  it('reads RFC 4180 quoting: commas, doubled quotes, line breaks', () => {
    assert.deepEqual(splitCsv('1,"Mozilla/5.0 (KHTML, like Gecko)",3'), ['1', 'Mozilla/5.0 (KHTML, like Gecko)', '3']);
    assert.deepEqual(splitCsv('"Message=""The ""X"" value"", Source=DDI",z'), ['Message="The "X" value", Source=DDI', 'z']);
    assert.deepEqual(splitCsv('a,"line1\r\nline2",b'), ['a', 'line1\r\nline2', 'b']);
    assert.deepEqual(splitCsv('"",""""'), ['', '"']);
  });

  it('is lenient like Import-Csv with malformed quoting', () => {
    assert.deepEqual(splitCsv('ab"c,d'), ['ab"c', 'd'], 'a quote inside an unquoted value is a character');
    assert.deepEqual(splitCsv('"abc"def,g'), ['abcdef', 'g'], 'text after the closing quote is kept');
    assert.deepEqual(splitCsv('x,"unclosed, to the end'), ['x', 'unclosed, to the end']);
  });
});

describe('csvValueEnds and csvCell', () => {
  /** Every value of a record read through its ends, as a RowRecord reads them. */
  const viaEnds = (record: string): string[] => {
    const ends = csvValueEnds(record);
    return ends.map((end, i) => csvCell(record, i === 0 ? 0 : (ends[i - 1] as number) + 1, end));
  };

  it('read every value exactly as splitCsv does', () => {
    for (const r of ['a,,b,', '', '1,"Mozilla/5.0 (KHTML, like Gecko)",3', '"",""""', 'ab"c,d', '"abc"def,g', 'x,"unclosed, to the end', 'a,"x"""']) {
      assert.deepEqual(viaEnds(r), splitCsv(r), r);
    }
  });

  it('agree with splitCsv on random records of commas, quotes and text', () => {
    const rand = prng(2021);
    const alphabet = ['a', 'b', ',', ',', '"', '"', '""', ' ', '\n', 'é'];
    for (let n = 0; n < 5000; n++) {
      let r = '';
      const len = Math.floor(rand() * 16);
      for (let k = 0; k < len; k++) r += alphabet[Math.floor(rand() * alphabet.length)] ?? '';
      assert.deepEqual(viaEnds(r), splitCsv(r), JSON.stringify(r));
    }
  });
});

describe('looksLikeCsvHeader', () => {
  it('accepts field-name lists and rejects data rows', () => {
    assert.equal(looksLikeCsvHeader('DateTime,RequestId,ClientIpAddress'), true);
    assert.equal(looksLikeCsvHeader('TimeStamp,ServerName,EventId,EventData'), true);
    assert.equal(looksLikeCsvHeader('2021-03-03T00:00:01.068Z,5f2a,15'), false);
    assert.equal(looksLikeCsvHeader('OneName'), false);
    assert.equal(looksLikeCsvHeader('a b,c'), false);
  });
});
