import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guidBytes, isoToFiletime, sidBytes } from './builder.testutil.js';
import { VT, type XNode } from './nodes.js';
import { decodeValue, formatReal32 } from './values.js';

const noXml = (): readonly XNode[] => {
  throw new Error('no nested XML expected');
};

function text(type: number, bytes: Buffer | number[]): string {
  const b = Buffer.from(bytes);
  return decodeValue(b, 0, b.length, type, noXml).text;
}

function le(n: bigint, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return b;
}

describe('BinXML value types', () => {
  it('null and strings (UTF-16 with or without terminator, ANSI as Windows-1252)', () => {
    assert.equal(text(VT.Null, []), '');
    assert.equal(text(VT.String, Buffer.from('cmd.exe /c whoami\0', 'utf16le')), 'cmd.exe /c whoami');
    assert.equal(text(VT.String, Buffer.from('Ünïcødé ✓', 'utf16le')), 'Ünïcødé ✓');
    assert.equal(text(VT.String, [0x41, 0x00, 0x42]), 'A', 'an odd trailing byte is dropped');
    assert.equal(text(VT.AnsiString, [0x63, 0x61, 0x66, 0xe9, 0x80, 0x00]), 'café€');
  });

  it('signed and unsigned integers from 8 to 64 bits, in decimal', () => {
    assert.equal(text(VT.Int8, [0xff]), '-1');
    assert.equal(text(VT.UInt8, [0xff]), '255');
    assert.equal(text(VT.Int16, le(0x8000n, 2)), '-32768');
    assert.equal(text(VT.UInt16, le(4624n, 2)), '4624');
    assert.equal(text(VT.Int32, le(0xffffffffn, 4)), '-1');
    assert.equal(text(VT.UInt32, le(0xffffffffn, 4)), '4294967295');
    assert.equal(text(VT.Int64, le(0xffffffffffffffffn, 8)), '-1');
    assert.equal(text(VT.UInt64, le(0xffffffffffffffffn, 8)), '18446744073709551615');
    assert.equal(text(VT.UInt64, le(9007199254740993n, 8)), '9007199254740993', 'exact above 2^53');
  });

  it('reals: shortest text that reads back, and the special values', () => {
    const f = Buffer.alloc(4);
    f.writeFloatLE(0.1);
    assert.equal(text(VT.Real32, f), '0.1');
    const d = Buffer.alloc(8);
    d.writeDoubleLE(-2.5e-7);
    assert.equal(text(VT.Real64, d), '-2.5e-7');
    assert.equal(formatReal32(Infinity), '1.#INF');
    assert.equal(formatReal32(NaN), '1.#IND');
  });

  it('booleans: any non-zero byte is true, whatever the width', () => {
    assert.equal(text(VT.Bool, le(1n, 4)), 'true');
    assert.equal(text(VT.Bool, le(0n, 4)), 'false');
    assert.equal(text(VT.Bool, le(0xffffffffn, 4)), 'true');
    assert.equal(text(VT.Bool, [0x00, 0x01]), 'true');
  });

  it('binary as upper-case hex; GUIDs in braces; SIDs', () => {
    assert.equal(text(VT.Binary, [0xde, 0xad, 0x0b, 0xef]), 'DEAD0BEF');
    assert.equal(text(VT.Guid, guidBytes('{54849625-5478-4994-A5BA-3E3B0328C30D}')), '{54849625-5478-4994-A5BA-3E3B0328C30D}');
    assert.equal(text(VT.Sid, sidBytes('S-1-5-21-3940915590-64593676-1414006259-500')), 'S-1-5-21-3940915590-64593676-1414006259-500');
    assert.equal(text(VT.Sid, sidBytes('S-1-5-18')), 'S-1-5-18');
    assert.equal(text(VT.Sid, sidBytes('S-1-5-18').subarray(0, 9)), '', 'a SID cut short renders empty');
  });

  it('size_t, HexInt32, HexInt64 and EvtHandle as unpadded lower-case hex', () => {
    assert.equal(text(VT.SizeT, le(0x1d4n, 4)), '0x1d4');
    assert.equal(text(VT.SizeT, le(0x1d4n, 8)), '0x1d4');
    assert.equal(text(VT.HexInt32, le(0x3e7n, 4)), '0x3e7');
    assert.equal(text(VT.HexInt64, le(0x8020000000000000n, 8)), '0x8020000000000000');
    assert.equal(text(VT.HexInt64, le(0x100000000n, 8)), '0x100000000');
    assert.equal(text(VT.EvtHandle, le(0x10n, 8)), '0x10');
  });

  it('FILETIME and SYSTEMTIME with seven fraction digits', () => {
    assert.equal(text(VT.FileTime, le(isoToFiletime('2021-03-14T01:41:33.123Z') + 4567n, 8)), '2021-03-14T01:41:33.1234567Z');
    assert.equal(text(VT.FileTime, le(0n, 8)), '1601-01-01T00:00:00.0000000Z');
    const st = Buffer.alloc(16);
    [2021, 3, 0, 14, 1, 41, 33, 123].forEach((v, i) => st.writeUInt16LE(v, 2 * i));
    assert.equal(text(VT.SysTime, st), '2021-03-14T01:41:33.1230000Z');
    st.writeUInt16LE(13, 2); // month 13
    assert.equal(text(VT.SysTime, st), '');
  });

  it('arrays (type | 0x80): items, joined text', () => {
    const arr = Buffer.from('10.00.\u000017134\u0000\u0000Multiprocessor Free\u0000', 'utf16le');
    const strings = decodeValue(arr, 0, arr.length, VT.String | VT.Array, noXml);
    assert.deepEqual(strings.items, ['10.00.', '17134', '', 'Multiprocessor Free']);
    assert.equal(strings.text, '10.00., 17134, , Multiprocessor Free');
    const words = Buffer.concat([le(1n, 2), le(2n, 2), le(65535n, 2)]);
    assert.deepEqual(decodeValue(words, 0, 6, VT.UInt16 | VT.Array, noXml).items, ['1', '2', '65535']);
    const sids = Buffer.concat([sidBytes('S-1-5-18'), sidBytes('S-1-5-32-544')]);
    assert.deepEqual(decodeValue(sids, 0, sids.length, VT.Sid | VT.Array, noXml).items, ['S-1-5-18', 'S-1-5-32-544']);
    const guids = Buffer.concat([guidBytes('00000000-0000-0000-0000-000000000001'), guidBytes('{A0000000-0000-0000-0000-000000000002}')]);
    assert.deepEqual(decodeValue(guids, 0, 32, VT.Guid | VT.Array, noXml).items, ['{00000000-0000-0000-0000-000000000001}', '{A0000000-0000-0000-0000-000000000002}']);
    assert.deepEqual(decodeValue(Buffer.alloc(0), 0, 0, VT.HexInt64 | VT.Array, noXml).items, []);
    const ansi = Buffer.from('a\0bc\0', 'latin1');
    assert.deepEqual(decodeValue(ansi, 0, ansi.length, VT.AnsiString | VT.Array, noXml).items, ['a', 'bc']);
  });

  it('nested Binary XML (0x21) is handed to the parser; EvtXml is text', () => {
    const nodes: XNode[] = [{ t: 'text', text: 'x' }];
    const v = decodeValue(Buffer.alloc(8), 2, 4, VT.BinXml, (s, e) => {
      assert.deepEqual([s, e], [2, 6]);
      return nodes;
    });
    assert.equal(v.xml, nodes);
    assert.equal(text(VT.EvtXml, Buffer.from('<a/>', 'utf16le')), '<a/>');
  });

  it('values too short for their type render empty instead of throwing', () => {
    for (const type of [VT.Int16, VT.UInt32, VT.Int64, VT.UInt64, VT.Real32, VT.Real64, VT.Guid, VT.FileTime, VT.SysTime, VT.HexInt32, VT.HexInt64, VT.SizeT]) {
      assert.equal(text(type, [1]), '', `type 0x${type.toString(16)}`);
    }
  });
});
