/**
 * @module Test support (not exported from the EVTX index): writes small synthetic EVTX files
 * and Binary XML by hand, following the format documentation, so that tests can craft every
 * token and value type, and damage (bad checksums, bad magic, dirty headers) on purpose.
 */
import { crc32 } from 'node:zlib';
import { CHUNK_BYTES, CHUNK_HEADER_BYTES, FILE_HEADER_BYTES } from './file-header.js';

/** Writes Binary XML into one chunk; every offset it writes is relative to the chunk. */
export class ChunkWriter {
  readonly buf = Buffer.alloc(CHUNK_BYTES);
  pos = CHUNK_HEADER_BYTES;
  readonly #names = new Map<string, number>();
  readonly #records: { offset: number; id: number }[] = [];

  u8(v: number): this {
    this.buf.writeUInt8(v & 0xff, this.pos);
    this.pos += 1;
    return this;
  }
  u16(v: number): this {
    this.buf.writeUInt16LE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }
  u64(v: bigint): this {
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** A name reference: inline the first time a name is written, by offset afterwards. */
  name(n: string): this {
    const known = this.#names.get(n);
    if (known !== undefined) return this.u32(known);
    const at = this.pos + 4;
    this.#names.set(n, at);
    this.u32(at).u32(0).u16(0).u16(n.length).bytes(Buffer.from(n, 'utf16le')).u16(0);
    return this;
  }

  fragmentHeader(): this {
    return this.u8(0x0f).u8(1).u8(1).u8(0);
  }

  /**
   * An element: `attrs` writes the attributes (null: none), `content` the content (null:
   * empty element). `dependencyId: false` leaves the dependency id out, as forwarded events do.
   */
  element(name: string, attrs: ((w: this) => void) | null, content: ((w: this) => void) | null, dependencyId = true): this {
    this.u8(attrs === null ? 0x01 : 0x41);
    if (dependencyId) this.u16(0xffff);
    const sizeAt = this.pos;
    this.u32(0);
    this.name(name);
    if (attrs !== null) {
      const listAt = this.pos;
      this.u32(0);
      attrs(this);
      this.buf.writeUInt32LE(this.pos - listAt - 4, listAt);
    }
    if (content === null) this.u8(0x03);
    else {
      this.u8(0x02);
      content(this);
      this.u8(0x04);
    }
    this.buf.writeUInt32LE(this.pos - sizeAt - 4, sizeAt);
    return this;
  }

  /** An attribute (`more`: another one follows) with value tokens written by `value`. */
  attribute(name: string, value: (w: this) => void, more = false): this {
    this.u8(more ? 0x46 : 0x06).name(name);
    value(this);
    return this;
  }

  text(s: string, more = false): this {
    return this.u8(more ? 0x45 : 0x05).u8(0x01).u16(s.length).bytes(Buffer.from(s, 'utf16le'));
  }
  sub(index: number, type: number, optional = false): this {
    return this.u8(optional ? 0x0e : 0x0d).u16(index).u8(type);
  }
  charRef(code: number): this {
    return this.u8(0x08).u16(code);
  }
  entityRef(name: string): this {
    return this.u8(0x09).name(name);
  }
  cdata(s: string): this {
    return this.u8(0x07).u16(s.length).bytes(Buffer.from(s, 'utf16le'));
  }
  pi(target: string, data: string): this {
    this.u8(0x0a).name(target);
    return this.u8(0x0b).u16(data.length).bytes(Buffer.from(data, 'utf16le'));
  }
  eof(): this {
    return this.u8(0x00);
  }

  /**
   * A template instance. `body` writes the definition when `defOffset` is null (inline, as the
   * first use in a chunk does); returns the definition's offset for later instances.
   */
  templateInstance(defOffset: number | null, body: ((w: this) => void) | null, values: readonly TemplateValue[]): number {
    this.u8(0x0c).u8(0x01).u32(0x1234);
    let def: number;
    if (defOffset === null) {
      def = this.pos + 4;
      this.u32(def).u32(0).bytes(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
      const sizeAt = this.pos;
      this.u32(0);
      this.fragmentHeader();
      body?.(this);
      this.eof();
      this.buf.writeUInt32LE(this.pos - sizeAt - 4, sizeAt);
    } else {
      def = defOffset;
      this.u32(def);
    }
    this.u32(values.length);
    for (const v of values) this.u16(v.bytes.length).u8(v.type).u8(0);
    for (const v of values) this.bytes(v.bytes);
    return def;
  }

  /** A record around the Binary XML written by `xml`; returns its chunk offset. */
  record(id: number, filetime: bigint, xml: (w: this) => void): number {
    const start = this.pos;
    this.u32(0x2a2a).u32(0).u64(BigInt(id)).u64(filetime);
    xml(this);
    this.pos += 4;
    const size = this.pos - start;
    this.buf.writeUInt32LE(size, start + 4);
    this.buf.writeUInt32LE(size, this.pos - 4);
    this.#records.push({ offset: start, id });
    return start;
  }

  /** Fills in the chunk header (with correct checksums unless told otherwise). */
  finish(options: { flags?: number } = {}): Buffer {
    const b = this.buf;
    const first = this.#records[0];
    const last = this.#records[this.#records.length - 1];
    b.write('ElfChnk\0', 0, 'latin1');
    b.writeBigUInt64LE(BigInt(first?.id ?? 0), 8);
    b.writeBigUInt64LE(BigInt(last?.id ?? 0), 16);
    b.writeBigUInt64LE(BigInt(first?.id ?? 0), 24);
    b.writeBigUInt64LE(BigInt(last?.id ?? 0), 32);
    b.writeUInt32LE(128, 40);
    b.writeUInt32LE(last?.offset ?? 0, 44);
    b.writeUInt32LE(this.pos, 48);
    b.writeUInt32LE(crc32(b.subarray(CHUNK_HEADER_BYTES, this.pos)), 52);
    b.writeUInt32LE(options.flags ?? 1, 120);
    b.writeUInt32LE(crc32(b.subarray(128, CHUNK_HEADER_BYTES), crc32(b.subarray(0, 120))), 124);
    return b;
  }
}

export interface TemplateValue {
  readonly type: number;
  readonly bytes: Buffer;
}

/** Value encoders for template instance data. */
export const val = {
  str: (s: string): TemplateValue => ({ type: 0x01, bytes: Buffer.from(s, 'utf16le') }),
  null: (): TemplateValue => ({ type: 0x00, bytes: Buffer.alloc(0) }),
  raw: (type: number, bytes: Buffer | number[]): TemplateValue => ({ type, bytes: Buffer.from(bytes) }),
  u16: (n: number): TemplateValue => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return { type: 0x06, bytes: b };
  },
  u32: (n: number, type = 0x08): TemplateValue => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return { type, bytes: b };
  },
  u64: (n: bigint, type = 0x0a): TemplateValue => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return { type, bytes: b };
  },
  filetime: (iso: string, extraTicks = 0n): TemplateValue => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(isoToFiletime(iso) + extraTicks);
    return { type: 0x11, bytes: b };
  },
  guid: (text: string): TemplateValue => ({ type: 0x0f, bytes: guidBytes(text) }),
  sid: (text: string): TemplateValue => ({ type: 0x13, bytes: sidBytes(text) }),
  /** Nested Binary XML (0x21), written by `xml` as if at `at` in the chunk. */
  binxml: (bytes: Buffer): TemplateValue => ({ type: 0x21, bytes }),
};

/** A FILETIME for an ISO time (UTC, milliseconds). */
export function isoToFiletime(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 10000n + 116444736000000000n;
}

export function guidBytes(text: string): Buffer {
  const h = text.replace(/[{}-]/g, '');
  const b = Buffer.from(h, 'hex');
  // Data1, Data2 and Data3 are little-endian.
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

export function sidBytes(text: string): Buffer {
  const [, rev, auth, ...subs] = text.split('-');
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = Number(rev);
  b[1] = subs.length;
  b.writeUIntBE(Number(auth), 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(Number(s), 8 + 4 * i));
  return b;
}

/** An EVTX file header for `chunkCount` chunks (correct checksum unless `badChecksum`). */
export function fileHeader(chunkCount: number, nextRecordId: number, flags = 0, badChecksum = false): Buffer {
  const b = Buffer.alloc(FILE_HEADER_BYTES);
  b.write('ElfFile\0', 0, 'latin1');
  b.writeBigUInt64LE(0n, 8);
  b.writeBigUInt64LE(BigInt(Math.max(0, chunkCount - 1)), 16);
  b.writeBigUInt64LE(BigInt(nextRecordId), 24);
  b.writeUInt32LE(128, 32);
  b.writeUInt16LE(1, 36);
  b.writeUInt16LE(3, 38);
  b.writeUInt16LE(4096, 40);
  b.writeUInt16LE(chunkCount, 42);
  b.writeUInt32LE(flags, 120);
  b.writeUInt32LE((crc32(b.subarray(0, 120)) ^ (badChecksum ? 1 : 0)) >>> 0, 124);
  return b;
}

/** Rewrites the checksum of a file header in place (after editing it). */
export function fixFileHeaderChecksum(file: Buffer): void {
  file.writeUInt32LE(crc32(file.subarray(0, 120)), 124);
}

/**
 * A standard event written with one template: System (Provider, EventID, Level, TimeCreated,
 * EventRecordID, Execution, Channel, Computer, Security) and EventData with named Data.
 * Returns the template's offset so further records can reuse it.
 */
export function writeStandardEvent(
  w: ChunkWriter,
  defOffset: number | null,
  v: { provider: string; eventId: number; recordId: number; time: string; channel: string; computer: string; data: readonly [string, string][] },
): number {
  let def = 0;
  w.record(v.recordId, isoToFiletime(v.time), () => {
    w.fragmentHeader();
    def = w.templateInstance(
      defOffset,
      (t) =>
        t.element(
          'Event',
          (a) => a.attribute('xmlns', (x) => x.text('http://schemas.microsoft.com/win/2004/08/events/event')),
          (e) => {
            e.element('System', null, (s) => {
              s.element('Provider', (a) => a.attribute('Name', (x) => x.sub(0, 0x01)), null);
              s.element('EventID', null, (x) => x.sub(1, 0x06));
              s.element('Level', null, (x) => x.sub(2, 0x04));
              s.element('TimeCreated', (a) => a.attribute('SystemTime', (x) => x.sub(3, 0x11)), null);
              s.element('EventRecordID', null, (x) => x.sub(4, 0x0a));
              s.element('Execution', (a) => a.attribute('ProcessID', (x) => x.sub(5, 0x08), true).attribute('ThreadID', (x) => x.sub(6, 0x08)), null);
              s.element('Channel', null, (x) => x.sub(7, 0x01));
              s.element('Computer', null, (x) => x.sub(8, 0x01));
              s.element('Security', (a) => a.attribute('UserID', (x) => x.sub(9, 0x13, true)), null);
            });
            e.element('EventData', null, (d) => {
              v.data.forEach(([name], i) => d.element('Data', (a) => a.attribute('Name', (x) => x.text(name)), (x) => x.sub(10 + i, 0x01)));
            });
          },
        ),
      [
        val.str(v.provider),
        val.u16(v.eventId),
        val.raw(0x04, [4]),
        val.filetime(v.time),
        val.u64(BigInt(v.recordId)),
        val.u32(1234),
        val.u32(5678),
        val.str(v.channel),
        val.str(v.computer),
        val.null(),
        ...v.data.map(([, value]) => val.str(value)),
      ],
    );
    w.eof();
  });
  return def;
}
