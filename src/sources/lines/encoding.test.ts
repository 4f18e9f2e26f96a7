import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf16 } from '../testutil.js';
import { Utf8ChunkDecoder, sniffEncoding } from './encoding.js';

const SAMPLE = '#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time cs-uri-stem\r\n2021-03-03 02:11:02 /ecp/y.js é😀\r\n';

function decodeAll(bytes: Buffer, chunkSize: number): { text: string; encoding: string | null } {
  const d = new Utf8ChunkDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) out.push(...d.push(bytes.subarray(i, i + chunkSize)));
  out.push(...d.end());
  return { text: Buffer.concat(out).toString('utf8'), encoding: d.encoding };
}

describe('sniffEncoding', () => {
  it('reads byte-order marks', () => {
    assert.deepEqual(sniffEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x23])), { encoding: 'utf8', bomLength: 3 });
    assert.deepEqual(sniffEncoding(Buffer.from([0xff, 0xfe, 0x23, 0])), { encoding: 'utf16le', bomLength: 2 });
    assert.deepEqual(sniffEncoding(Buffer.from([0xfe, 0xff, 0, 0x23])), { encoding: 'utf16be', bomLength: 2 });
  });

  it('recognises UTF-16 without BOM from its NUL pattern', () => {
    assert.equal(sniffEncoding(utf16(SAMPLE, 'le', false)).encoding, 'utf16le');
    assert.equal(sniffEncoding(utf16(SAMPLE, 'be', false)).encoding, 'utf16be');
  });

  it('keeps UTF-8 for plain text, NUL padding and binary data', () => {
    assert.equal(sniffEncoding(Buffer.from(SAMPLE)).encoding, 'utf8');
    assert.equal(sniffEncoding(Buffer.alloc(4096)).encoding, 'utf8');
    const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256));
    assert.equal(sniffEncoding(junk).encoding, 'utf8');
    assert.equal(sniffEncoding(Buffer.from([0x41, 0])).encoding, 'utf8', 'one character is too little to tell');
  });
});

describe('Utf8ChunkDecoder', () => {
  for (const [name, bytes, encoding] of [
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE)]), 'utf8'],
    ['UTF-16LE with BOM', utf16(SAMPLE, 'le', true), 'utf16le'],
    ['UTF-16LE without BOM', utf16(SAMPLE, 'le', false), 'utf16le'],
    ['UTF-16BE with BOM', utf16(SAMPLE, 'be', true), 'utf16be'],
  ] as const) {
    it(`decodes ${name} identically at any chunk size`, () => {
      for (const size of [1, 3, 513, 1 << 16]) {
        const r = decodeAll(bytes, size);
        assert.equal(r.text, SAMPLE, `chunk size ${size}`);
        assert.equal(r.encoding, encoding);
      }
    });
  }

  it('passes UTF-8 chunks through without copying', () => {
    const d = new Utf8ChunkDecoder();
    const big = Buffer.alloc(4096, 0x41);
    const first = d.push(big);
    const second = Buffer.alloc(100, 0x42);
    assert.equal(first.length, 1);
    assert.equal(d.push(second)[0], second);
  });

  it('decides on short files at the end', () => {
    const d = new Utf8ChunkDecoder();
    assert.deepEqual(d.push(Buffer.from('ab')), []);
    assert.equal(d.encoding, null);
    assert.equal(Buffer.concat(d.end()).toString(), 'ab');
    assert.equal(d.encoding, 'utf8');
  });
});
