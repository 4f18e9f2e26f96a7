/**
 * @module Tests of the column walker behind column probes: on random lines (synthetic: quotes,
 * doubled quotes, separators inside quotes, `-`, trailing blanks, non-ASCII text) every value it
 * hands a probe is exactly what the parser's record returns for that column, unless it handed
 * the line over without asking; and it never asks about a column the header lacks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnProbe } from '../../core/detector.js';
import { Columns } from '../../core/record.js';
import { csvCell, csvValueEnds } from '../exchange-csv/csv.js';
import { BoundColumnProbe, type ColumnSyntax } from './column-probe.js';
import { separatorEnds } from './row-record.js';

/** xorshift32, so failures can be replayed from the seed. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const PIECES = ['a', 'Mozilla/5.0', ' ', ',', '"', '""', '-', 'é', '10.0.0.1', '+', '\t', 'x y', '\u00a0'];

/** A row of `width` values as a writer of the format writes them (CSV quoting, W3C `-`). */
function randomRow(r: (n: number) => number, width: number, syntax: ColumnSyntax): string {
  const values: string[] = [];
  for (let i = 0; i < width; i++) {
    let v = '';
    const n = r(8);
    for (let j = 0; j < n; j++) v += ['Mozilla/5.0', 'a', 'é', '10.0.0.1', '(x', 'y)', '~', 'SMTP:u@c.example', ',', '"'][r(10)];
    if (syntax === 'w3c') v = v.replace(/[ ,"]/g, '+') || '-';
    else if (/[,"]/.test(v) || r(6) === 0) v = `"${v.replace(/"/g, '""')}"`;
    values.push(v);
  }
  return values.join(syntax === 'csv' ? ',' : ' ');
}

function randomLine(r: (n: number) => number): string {
  let s = '';
  const n = r(24);
  for (let i = 0; i < n; i++) s += PIECES[r(PIECES.length)];
  if (r(4) === 0) s += ' '.repeat(1 + r(2));
  return s;
}

/** What the parser's record returns for each column of `line` (null: the row is not a record). */
function recordValues(line: string, syntax: ColumnSyntax, width: number): string[] | null {
  if (syntax === 'csv') {
    const ends = csvValueEnds(line);
    if (ends.length !== width) return null;
    return ends.map((e, i) => csvCell(line, i === 0 ? 0 : ends[i - 1]! + 1, e));
  }
  const row = line.charCodeAt(line.length - 1) === 32 ? line.trimEnd() : line;
  const ends = separatorEnds(row, ' ');
  if (ends.length !== width) return null;
  return ends.map((e, i) => {
    const v = row.slice(i === 0 ? 0 : ends[i - 1]! + 1, e);
    return v === '-' ? '' : v;
  });
}

/** A probe that answers no and notes every value it was shown. */
function recorder(columns: readonly string[]): { probe: ColumnProbe; seen: Map<string, string> } {
  const seen = new Map<string, string>();
  return {
    seen,
    probe: {
      columns,
      test: (k, buf, start, end) => {
        seen.set(columns[k]!, buf.toString('utf8', start, end));
        return false;
      },
    },
  };
}

for (const syntax of ['csv', 'w3c'] as const) {
  test(`${syntax}: a probe sees exactly the record's values, or the line is handed over (property)`, () => {
    const r = rng(syntax === 'csv' ? 2021 : 2026);
    let checked = 0;
    let bailed = 0;
    for (let round = 0; round < 20000; round++) {
      const width = 1 + r(6);
      const names = Array.from({ length: width }, (_, i) => `c${i}`);
      const wanted = names.filter(() => r(2) === 0);
      if (r(5) === 0) wanted.push('Absent');
      const line = round % 2 === 0 ? randomLine(r) : randomRow(r, width, syntax);
      const { probe, seen } = recorder(wanted);
      const bound = BoundColumnProbe.bind([probe], new Columns(names), syntax);
      // The line at any offset in memory, between bytes that must not be read (separators and quotes).
      const pad = round % 11;
      const bytes = Buffer.from(line, 'utf8');
      const buf = Buffer.concat([Buffer.from('",, "'.repeat(3)).subarray(0, pad), bytes, Buffer.from('," ,"\n')]);
      const answer = bound.test(buf, pad, pad + bytes.length);
      assert.ok(!seen.has('Absent'), 'a column the header lacks is never read');
      const values = recordValues(line, syntax, width);
      if (answer) {
        bailed++;
        continue;
      }
      if (values === null) continue; // not a record: nothing to miss
      checked++;
      for (const name of wanted.filter((n) => n !== 'Absent')) {
        const v: string = values[Number(name.slice(1))]!;
        assert.equal(seen.get(name), v, `${syntax} line ${JSON.stringify(line)}, column ${name}`);
      }
    }
    assert.ok(checked > 1000, `enough records checked (${checked})`);
    if (syntax === 'csv') assert.ok(bailed > 100, `awkward quoting hands lines over (${bailed})`);
  });
}

test('a probe that says yes on any value lets the line through; an empty value is handed over as empty', () => {
  const columns = new Columns(['date', 'c-ip', 'cs(User-Agent)']);
  const asked: string[] = [];
  const probe: ColumnProbe = {
    columns: ['cs(User-Agent)', 'c-ip'],
    test: (k, buf, start, end) => {
      asked.push(`${k}=${buf.toString('utf8', start, end)}`);
      return buf.toString('utf8', start, end) === 'evil';
    },
  };
  const probes = [probe];
  const bound = BoundColumnProbe.bind(probes, columns, 'w3c');
  const line = (s: string): boolean => bound.test(Buffer.from(s), 0, Buffer.byteLength(s));
  assert.equal(line('2021-03-03 10.0.0.1 Mozilla/5.0'), false);
  assert.deepEqual(asked.sort(), ['0=Mozilla/5.0', '1=10.0.0.1']);
  asked.length = 0;
  assert.equal(line('2021-03-03 - Mozilla/5.0'), false);
  assert.deepEqual(asked.sort(), ['0=Mozilla/5.0', '1=']);
  assert.equal(line('2021-03-03 - evil'), true);
  assert.equal(line('2021-03-03 10.0.0.2'), false, 'a row with too few values is not a record');
  assert.equal(BoundColumnProbe.bind(probes, columns, 'w3c'), bound, 'bindings are reused per header and probe list');
});
