/**
 * @module Binary XML (MS-EVEN6 BinXml as stored in EVTX chunks) to nodes.
 *
 * One `BinXmlParser` serves one chunk: names and template definitions are addressed by their
 * offset in the chunk and cached per chunk (the chunk header's string and template tables are
 * only hash buckets over the same definitions, so offsets are all a reader needs). A template
 * is parsed once per chunk and shared by every record that instantiates it; a record then
 * costs its substitution values only.
 *
 * Every read is bounds-checked against the current item (record, template, nested value): bad
 * input raises `BinXmlError`, which the chunk reader turns into a diagnostic for that record.
 * Depth is limited so that crafted nesting cannot exhaust the stack.
 */
import type { AttrNode, ElementNode, EvtxValue, Template, XNode } from './nodes.js';
import { decodeValue, guidText } from './values.js';

/** Thrown for malformed Binary XML; `offset` is relative to the chunk. */
export class BinXmlError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} at chunk offset 0x${offset.toString(16)}`);
    this.offset = offset;
  }
}

/** Names and templates live after the 512-byte chunk header. */
const CHUNK_HEADER_BYTES = 512;
/** Deepest element/template nesting accepted (real events use under 10). */
const MAX_DEPTH = 64;

const TOKEN_EOF = 0x00;
const TOKEN_OPEN_START = 0x01;
const TOKEN_CLOSE_START = 0x02;
const TOKEN_CLOSE_EMPTY = 0x03;
const TOKEN_END_ELEMENT = 0x04;
const TOKEN_VALUE = 0x05;
const TOKEN_ATTRIBUTE = 0x06;
const TOKEN_CDATA = 0x07;
const TOKEN_CHARREF = 0x08;
const TOKEN_ENTITYREF = 0x09;
const TOKEN_PI_TARGET = 0x0a;
const TOKEN_PI_DATA = 0x0b;
const TOKEN_TEMPLATE = 0x0c;
const TOKEN_SUBST = 0x0d;
const TOKEN_OPTIONAL_SUBST = 0x0e;
const TOKEN_FRAGMENT = 0x0f;
/** "More data follows" flag on element, value, attribute, CDATA and reference tokens. */
const FLAG_MORE = 0x40;

/** A cursor over one bounded range of the chunk. */
interface Range {
  pos: number;
  readonly end: number;
}

export class BinXmlParser {
  readonly #buf: Buffer;
  readonly #names = new Map<number, string>();
  readonly #templates = new Map<number, Template>();
  readonly #parsing = new Set<number>();
  #depth = 0;

  /** @param chunk the whole chunk (name and template offsets are relative to its start). */
  constructor(chunk: Buffer) {
    this.#buf = chunk;
  }

  /** Templates parsed so far in this chunk (for statistics). */
  get templateCount(): number {
    return this.#templates.size;
  }

  /** Parses the Binary XML of one record (or of one nested 0x21 value) between two offsets. */
  parseDocument(start: number, end: number): XNode[] {
    if (start < 0 || end > this.#buf.length || start > end) throw new BinXmlError('range outside the chunk', start);
    const r: Range = { pos: start, end };
    const nodes: XNode[] = [];
    this.#top(r, nodes);
    return nodes;
  }

  /** Top level of a document or template body: fragment headers, one element or template, EOF. */
  #top(r: Range, out: XNode[]): void {
    const buf = this.#buf;
    while (r.pos < r.end) {
      const tok = buf[r.pos] ?? TOKEN_EOF;
      switch (tok & ~FLAG_MORE) {
        case TOKEN_EOF:
          r.pos++;
          return;
        case TOKEN_FRAGMENT:
          this.#need(r, 4);
          r.pos += 4;
          break;
        case TOKEN_OPEN_START:
          out.push(this.#element(r));
          break;
        case TOKEN_TEMPLATE:
          out.push(this.#templateInstance(r));
          break;
        case TOKEN_PI_TARGET:
          out.push(this.#pi(r));
          break;
        case TOKEN_VALUE:
        case TOKEN_SUBST:
        case TOKEN_OPTIONAL_SUBST:
        case TOKEN_CHARREF:
        case TOKEN_ENTITYREF:
        case TOKEN_CDATA:
          // Text at top level happens in nested (0x21) values that hold plain content.
          out.push(this.#content(r, tok));
          break;
        default:
          throw new BinXmlError(`unexpected token 0x${tok.toString(16)}`, r.pos);
      }
    }
  }

  #element(r: Range): ElementNode {
    const buf = this.#buf;
    const start = r.pos;
    const tok = buf[start] ?? 0;
    if (++this.#depth > MAX_DEPTH) throw new BinXmlError('elements nested too deep', start);
    try {
      // Token, dependency id (2), data size (4), name offset (4). The dependency id is left out
      // in some nested values; the name offset tells which layout this is.
      this.#need(r, 11);
      let nameField = start + 7;
      if (!this.#plausibleStart(r, start, 7) && this.#plausibleStart(r, start, 5)) nameField = start + 5;
      r.pos = nameField;
      const name = this.#nameRef(r);
      const attrs: AttrNode[] = [];
      if ((tok & FLAG_MORE) !== 0) {
        this.#need(r, 4);
        const listSize = buf.readUInt32LE(r.pos);
        r.pos += 4;
        const listEnd = r.pos + listSize;
        if (listEnd > r.end) throw new BinXmlError('attribute list runs past its record', r.pos);
        while (r.pos < listEnd && ((buf[r.pos] ?? 0) & ~FLAG_MORE) === TOKEN_ATTRIBUTE) attrs.push(this.#attribute(r));
      }
      this.#need(r, 1);
      const close = buf[r.pos];
      r.pos++;
      if (close === TOKEN_CLOSE_EMPTY) return { t: 'el', name, attrs, children: [] };
      if (close !== TOKEN_CLOSE_START) throw new BinXmlError(`expected the end of a start tag, found 0x${(close ?? 0).toString(16)}`, r.pos - 1);
      const children: XNode[] = [];
      for (;;) {
        this.#need(r, 1);
        const t = buf[r.pos] ?? 0;
        const base = t & ~FLAG_MORE;
        if (base === TOKEN_END_ELEMENT) {
          r.pos++;
          break;
        }
        if (base === TOKEN_OPEN_START) children.push(this.#element(r));
        else if (base === TOKEN_TEMPLATE) children.push(this.#templateInstance(r));
        else if (base === TOKEN_PI_TARGET) children.push(this.#pi(r));
        else if (base === TOKEN_EOF) throw new BinXmlError(`element <${name}> not closed`, r.pos);
        else children.push(this.#content(r, t));
      }
      return { t: 'el', name, attrs, children };
    } finally {
      this.#depth--;
    }
  }

  #attribute(r: Range): AttrNode {
    const buf = this.#buf;
    r.pos++;
    const name = this.#nameRef(r);
    const value: XNode[] = [];
    while (r.pos < r.end) {
      const t = buf[r.pos] ?? 0;
      const base = t & ~FLAG_MORE;
      if (base !== TOKEN_VALUE && base !== TOKEN_SUBST && base !== TOKEN_OPTIONAL_SUBST && base !== TOKEN_CHARREF && base !== TOKEN_ENTITYREF) break;
      value.push(this.#content(r, t));
    }
    return { name, value };
  }

  /** A content token: value text, substitution, character or entity reference, CDATA. */
  #content(r: Range, tok: number): XNode {
    const buf = this.#buf;
    const at = r.pos;
    switch (tok & ~FLAG_MORE) {
      case TOKEN_VALUE: {
        this.#need(r, 2);
        const type = buf[at + 1] ?? 0;
        r.pos += 2;
        return { t: 'text', text: this.#inlineValue(r, type) };
      }
      case TOKEN_SUBST:
      case TOKEN_OPTIONAL_SUBST:
        this.#need(r, 4);
        r.pos += 4;
        return { t: 'sub', index: buf.readUInt16LE(at + 1), type: buf[at + 3] ?? 0, optional: (tok & ~FLAG_MORE) === TOKEN_OPTIONAL_SUBST };
      case TOKEN_CHARREF:
        this.#need(r, 3);
        r.pos += 3;
        return { t: 'charref', code: buf.readUInt16LE(at + 1) };
      case TOKEN_ENTITYREF:
        r.pos++;
        return { t: 'entity', name: this.#nameRef(r) };
      case TOKEN_CDATA:
        r.pos++;
        return { t: 'cdata', text: this.#lengthPrefixedString(r) };
      default:
        throw new BinXmlError(`unexpected token 0x${tok.toString(16)} in element content`, at);
    }
  }

  /** The data of a value token: a length-prefixed string (other types are not used there). */
  #inlineValue(r: Range, type: number): string {
    if (type === 0x01) return this.#lengthPrefixedString(r);
    if (type === 0x02) {
      this.#need(r, 2);
      const n = this.#buf.readUInt16LE(r.pos);
      this.#need(r, 2 + n);
      const v = decodeValue(this.#buf, r.pos + 2, n, type, () => []);
      r.pos += 2 + n;
      return v.text;
    }
    throw new BinXmlError(`value token of type 0x${type.toString(16)}`, r.pos);
  }

  #lengthPrefixedString(r: Range): string {
    this.#need(r, 2);
    const chars = this.#buf.readUInt16LE(r.pos);
    this.#need(r, 2 + chars * 2);
    const s = this.#buf.toString('utf16le', r.pos + 2, r.pos + 2 + chars * 2);
    r.pos += 2 + chars * 2;
    return s;
  }

  #pi(r: Range): XNode {
    r.pos++;
    const target = this.#nameRef(r);
    this.#need(r, 1);
    if (((this.#buf[r.pos] ?? 0) & ~FLAG_MORE) !== TOKEN_PI_DATA) return { t: 'pi', target, data: '' };
    r.pos++;
    return { t: 'pi', target, data: this.#lengthPrefixedString(r) };
  }

  /**
   * A name offset at `r.pos`. When it points just past itself the name is stored inline and is
   * skipped over; otherwise it refers to a name stored earlier in the chunk.
   */
  #nameRef(r: Range): string {
    this.#need(r, 4);
    const offset = this.#buf.readUInt32LE(r.pos);
    r.pos += 4;
    const name = this.#name(offset);
    if (offset === r.pos) {
      const chars = this.#buf.readUInt16LE(offset + 6);
      const size = 8 + chars * 2 + 2;
      this.#need(r, size);
      r.pos += size;
    }
    return name;
  }

  /**
   * Whether an element start read with `head` bytes before its name offset (7 with the
   * dependency id, 5 without) fits: its data size stays inside the range and its name offset
   * is inline or points at an earlier name.
   */
  #plausibleStart(r: Range, start: number, head: number): boolean {
    const size = this.#buf.readUInt32LE(start + head - 4);
    if (start + head + size > r.end) return false;
    return this.#plausibleName(this.#buf.readUInt32LE(start + head), start + head + 4);
  }

  /** Whether a name offset read at some position can be right (inline, or an earlier name). */
  #plausibleName(offset: number, inlineAt: number): boolean {
    if (offset === inlineAt) return true;
    if (offset >= inlineAt || offset < CHUNK_HEADER_BYTES || offset + 8 > this.#buf.length) return false;
    if (this.#names.has(offset)) return true;
    const chars = this.#buf.readUInt16LE(offset + 6);
    return offset + 8 + chars * 2 + 2 <= this.#buf.length && this.#buf.readUInt16LE(offset + 8 + chars * 2) === 0;
  }

  /** The name at a chunk offset: next offset (4), hash (2), length (2), UTF-16 text, NUL. */
  #name(offset: number): string {
    const cached = this.#names.get(offset);
    if (cached !== undefined) return cached;
    if (offset + 8 > this.#buf.length) throw new BinXmlError('name offset outside the chunk', offset);
    const chars = this.#buf.readUInt16LE(offset + 6);
    const end = offset + 8 + chars * 2;
    if (end > this.#buf.length) throw new BinXmlError('name runs past the chunk', offset);
    const name = this.#buf.toString('utf16le', offset + 8, end);
    this.#names.set(offset, name);
    return name;
  }

  #templateInstance(r: Range): XNode {
    const buf = this.#buf;
    const at = r.pos;
    // Token, unknown (1), template id (4), definition offset (4).
    this.#need(r, 10);
    const defOffset = buf.readUInt32LE(at + 6);
    r.pos = at + 10;
    let template: Template;
    if (defOffset === r.pos) {
      // The definition follows inline: next offset (4), GUID (16), size (4), body.
      this.#need(r, 24);
      const size = buf.readUInt32LE(defOffset + 20);
      this.#need(r, 24 + size);
      template = this.#template(defOffset);
      r.pos = defOffset + 24 + size;
    } else {
      template = this.#template(defOffset);
    }
    // Instance data: count, then (size u16, type u8, pad u8) per value, then the value bytes.
    this.#need(r, 4);
    const count = buf.readUInt32LE(r.pos);
    r.pos += 4;
    this.#need(r, count * 4);
    const descriptors = r.pos;
    let data = r.pos + count * 4;
    let total = 0;
    for (let i = 0; i < count; i++) total += buf.readUInt16LE(descriptors + 4 * i);
    if (data + total > r.end) throw new BinXmlError(`${count} substitution values run past the record`, descriptors);
    const values: EvtxValue[] = new Array<EvtxValue>(count);
    for (let i = 0; i < count; i++) {
      const size = buf.readUInt16LE(descriptors + 4 * i);
      const type = buf[descriptors + 4 * i + 2] ?? 0;
      values[i] = decodeValue(buf, data, size, type, (s, e) => this.#nested(s, e));
      data += size;
    }
    r.pos = data;
    return { t: 'template', template, values };
  }

  #nested(start: number, end: number): readonly XNode[] {
    if (++this.#depth > MAX_DEPTH) throw new BinXmlError('values nested too deep', start);
    try {
      const r: Range = { pos: start, end };
      const nodes: XNode[] = [];
      this.#top(r, nodes);
      return nodes;
    } finally {
      this.#depth--;
    }
  }

  #template(offset: number): Template {
    const cached = this.#templates.get(offset);
    if (cached !== undefined) return cached;
    if (offset + 24 > this.#buf.length) throw new BinXmlError('template offset outside the chunk', offset);
    if (this.#parsing.has(offset)) throw new BinXmlError('template refers to itself', offset);
    const size = this.#buf.readUInt32LE(offset + 20);
    const end = offset + 24 + size;
    if (end > this.#buf.length) throw new BinXmlError('template runs past the chunk', offset);
    this.#parsing.add(offset);
    try {
      const r: Range = { pos: offset + 24, end };
      const nodes: XNode[] = [];
      this.#top(r, nodes);
      const template: Template = { guid: guidText(this.#buf, offset + 4), nodes };
      this.#templates.set(offset, template);
      return template;
    } finally {
      this.#parsing.delete(offset);
    }
  }

  #need(r: Range, n: number): void {
    if (r.pos + n > r.end) throw new BinXmlError('data ends early', r.pos);
  }
}
