// Unit tests of the demo generator's building blocks: seeded randomness, sizes, time formats,
// file planning, and the row templates' column counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, isoTime, logRange, w3cDateTime } from './clock.js';
import { buildContext } from './context.js';
import { HTTPPROXY_FIELDS, benignExtras, httpProxyRow } from './httpproxy.js';
import { IIS_FIELDS, frontEndRow } from './iis.js';
import { Rng, WeightedTable } from './random.js';
import { planStream } from './schedule.js';
import { formatSize, parseSize } from './size.js';
import { csvField } from './text.js';
import { PROTOCOLS, benignRequest } from './traffic.js';
import { splitCsv } from './csv-split.test-util.js';

describe('demo Rng', () => {
  it('repeats a sequence for a seed and differs across seeds and streams', () => {
    const seq = (r: Rng): number[] => Array.from({ length: 8 }, () => r.u32());
    assert.deepEqual(seq(new Rng('a')), seq(new Rng('a')));
    assert.notDeepEqual(seq(new Rng('a')), seq(new Rng('b')));
    assert.notDeepEqual(seq(Rng.derive('a', 'HttpProxy/Owa')), seq(Rng.derive('a', 'HttpProxy/Ews')));
  });

  it('makes version-4 GUIDs and bounded integers', () => {
    const r = new Rng('guid');
    for (let i = 0; i < 1000; i++) {
      assert.match(r.guid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const n = r.range(3, 7);
      assert.ok(n >= 3 && n <= 7);
      assert.equal(r.alnum(13).length, 13);
    }
  });

  it('samples a weighted table in proportion', () => {
    const t = new WeightedTable<string>([
      ['a', 1],
      ['b', 3],
    ]);
    const r = new Rng('w');
    let b = 0;
    for (let i = 0; i < 10000; i++) if (t.sample(r) === 'b') b++;
    assert.ok(b > 7200 && b < 7800, `b drawn ${b} times of 10000`);
  });
});

describe('demo sizes', () => {
  it('parses decimal and binary units', () => {
    assert.equal(parseSize('1GB'), 1e9);
    assert.equal(parseSize('100MB'), 1e8);
    assert.equal(parseSize('1.5 mb'), 1.5e6);
    assert.equal(parseSize('512KiB'), 512 * 1024);
    assert.equal(parseSize('1234'), 1234);
    assert.equal(parseSize('1 parsec'), null);
    assert.equal(parseSize('-5MB'), null);
    assert.equal(formatSize(1_250_000), '1.3 MB');
  });
});

describe('demo time formats', () => {
  it('formats ISO and W3C stamps like Date does', () => {
    const r = new Rng('t');
    for (let i = 0; i < 2000; i++) {
      const t = Date.UTC(2021, 0, 1) + r.int(800 * DAY);
      const iso = new Date(t).toISOString();
      assert.equal(isoTime(t), iso);
      assert.equal(w3cDateTime(t), `${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
    }
  });

  it('puts no-history logs after the window', () => {
    assert.equal(isoTime(logRange('no-history').from), '2021-06-01T00:00:00.000Z');
    assert.equal(isoTime(logRange('clean').from), '2021-01-01T00:00:00.000Z');
    assert.equal(isoTime(logRange('clean').to), '2021-04-01T00:00:00.000Z');
  });
});

describe('demo schedule', () => {
  const range = logRange('clean');
  it('spends the budget, keeps first, last and forced periods', () => {
    const forced = [Date.UTC(2021, 2, 3, 5, 14), Date.UTC(2021, 7, 13, 14, 22)];
    const plans = planStream({ budget: 2_000_000, range, rotation: 'day', forced, minFileBytes: 40_000 }, new Rng('p'));
    const starts = plans.map((p) => p.start);
    assert.ok(starts.includes(range.from));
    assert.ok(starts.includes(range.to - DAY));
    assert.ok(starts.includes(Date.UTC(2021, 2, 3)));
    assert.ok(starts.includes(Date.UTC(2021, 7, 13)), 'a forced day outside the range gets a file');
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
    const total = plans.reduce((n, p) => n + p.budget, 0);
    assert.ok(Math.abs(total - 2_000_000) < 2_000_000 * 0.05, `planned ${total}`);
    assert.ok(plans.length <= 52, `${plans.length} files for a budget of 50 minimum files`);
  });

  it('gives every hour a file when the budget allows', () => {
    const plans = planStream({ budget: 1e9, range, rotation: 'hour', forced: [], minFileBytes: 32_768 }, new Rng('p'));
    assert.equal(plans.length, 90 * 24);
    assert.ok(plans.every((p) => p.end - p.start === 3_600_000 && p.hourly));
  });
});

describe('demo row templates', () => {
  const ctx = buildContext('units', 'EXCH01', 'compromised');
  it('writes 74 HttpProxy columns in header order for every protocol', () => {
    const rng = new Rng('rows');
    for (const p of PROTOCOLS) {
      for (let i = 0; i < 300; i++) {
        const t = Date.UTC(2021, 1, 2, 10) + i * 1000;
        const r = benignRequest(rng, ctx, p);
        const cols = splitCsv(httpProxyRow(ctx, r, benignExtras(rng, ctx, r, t), rng));
        assert.equal(cols.length, HTTPPROXY_FIELDS.length, `${p} row has ${cols.length} columns`);
        const col = (name: (typeof HTTPPROXY_FIELDS)[number]): string => cols[HTTPPROXY_FIELDS.indexOf(name)]!;
        assert.equal(col('DateTime'), new Date(t).toISOString());
        assert.equal(col('UserAgent'), r.userAgent);
        assert.equal(col('AnchorMailbox'), r.anchor);
        assert.equal(col('UrlStem'), r.stem);
        assert.equal(col('HttpStatus'), String(r.status));
        assert.equal(col('Protocol'), p);
        assert.equal(col('ServerHostName'), 'EXCH01');
        assert.equal(col('TargetServerVersion'), r.proxied ? '15.01.2176.002' : '');
        assert.doesNotMatch(col('AnchorMailbox'), /^ServerInfo~/);
        assert.doesNotMatch(col('BackEndCookie'), /\//, 'benign BackEndCookie values never hold a path');
      }
    }
  });

  it('writes 15 IIS fields with + for spaces', () => {
    const rng = new Rng('iis');
    for (let i = 0; i < 2000; i++) {
      const line = frontEndRow(rng, ctx, benignRequest(rng, ctx, PROTOCOLS[i % PROTOCOLS.length]!), Date.UTC(2021, 1, 2, 10) + i * 1000);
      assert.equal(line.split(' ').length, IIS_FIELDS.length, line);
    }
  });

  it('quotes CSV values like Exchange', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.deepEqual(splitCsv('a,"b,c","d ""e""",'), ['a', 'b,c', 'd "e"', '']);
  });
});
