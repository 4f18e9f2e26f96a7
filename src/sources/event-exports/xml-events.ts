/**
 * @module A small, strict, streaming reader for the XML subset of exported Windows events:
 * a sequence of `<Event>` elements, with or without a root (`<Events>` from Event Viewer,
 * `<root>` from `wevtutil /e:root`, none from `wevtutil qe /f:xml`), an optional `<?xml?>`
 * declaration and comments. It knows elements, attributes (either quote), text, the five
 * predefined entities, character references and CDATA; nothing else (no DTDs).
 *
 * It is not a general XML parser on purpose: events are small and flat, and a strict reader of
 * a known subset is easy to get right. Each `<Event>` becomes an element tree in the same node
 * types the EVTX reader produces, so one flattener serves both. A malformed event is reported
 * with its line and skipped; reading resumes at the next `<Event>`.
 */
import type { AttrNode, ElementNode, XNode } from '../evtx/nodes.js';

export interface XmlEvent {
  readonly event: ElementNode;
  /** 1-based line of the `<Event` start tag. */
  readonly line: number;
}

export interface XmlProblem {
  readonly line: number;
  readonly message: string;
}

/** Longest event accepted (a bigger one is reported and skipped). */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

const XML_ENTITY: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface Open {
  readonly name: string;
  readonly attrs: AttrNode[];
  readonly children: XNode[];
}

class XmlSyntaxError extends Error {}

/**
 * Push decoded text in pieces of any size; `onEvent` receives each complete `<Event>`,
 * `onProblem` each malformed one. Call `end` once at the end of the input.
 */
export class EventXmlReader {
  readonly #onEvent: (e: XmlEvent) => void;
  readonly #onProblem: (p: XmlProblem) => void;
  #buf = '';
  #pos = 0;
  /** Characters dropped from the front of `#buf` so far (absolute offset of `#buf[0]`). */
  #base = 0;
  /** Line of `#buf[#pos]`. */
  #line = 1;
  /** Open elements of the current event (empty: between events). */
  #stack: Open[] = [];
  #eventLine = 0;
  #eventStart = 0;
  /** After an error: ignore everything until the next `<Event` start tag. */
  #skipping = false;

  constructor(onEvent: (e: XmlEvent) => void, onProblem: (p: XmlProblem) => void) {
    this.#onEvent = onEvent;
    this.#onProblem = onProblem;
  }

  push(text: string): void {
    this.#base += this.#pos;
    this.#buf = this.#pos > 0 ? this.#buf.slice(this.#pos) + text : this.#buf + text;
    this.#pos = 0;
    this.#scan(false);
  }

  end(): void {
    this.#scan(true);
    if (this.#stack.length > 0 && !this.#skipping) this.#problem(this.#eventLine, `event starting on line ${this.#eventLine} is not closed at the end of the file`);
    this.#stack = [];
  }

  #scan(final: boolean): void {
    const buf = this.#buf;
    for (;;) {
      const lt = buf.indexOf('<', this.#pos);
      if (lt < 0) {
        this.#text(buf.length, final);
        if (this.#tooLong(this.#pos)) this.#fail(`event longer than ${MAX_EVENT_CHARS} characters`);
        return;
      }
      this.#text(lt, true);
      const end = this.#markupEnd(buf, lt);
      if (end < 0) {
        if (final) {
          this.#fail(`unterminated markup`);
          this.#advance(buf.length);
        } else if (this.#tooLong(buf.length)) {
          this.#fail(`event longer than ${MAX_EVENT_CHARS} characters`);
          this.#advance(buf.length);
        }
        return;
      }
      try {
        this.#markup(buf, lt, end);
      } catch (e) {
        if (!(e instanceof XmlSyntaxError)) throw e;
        this.#fail(e.message);
      }
      this.#advance(end);
      if (this.#tooLong(end)) this.#fail(`event longer than ${MAX_EVENT_CHARS} characters`);
    }
  }

  #tooLong(at: number): boolean {
    return this.#stack.length > 0 && !this.#skipping && this.#base + at - this.#eventStart > MAX_EVENT_CHARS;
  }

  /** Index just past the markup starting at `lt`, or -1 when it is not complete yet. */
  #markupEnd(buf: string, lt: number): number {
    if (buf.startsWith('<!--', lt)) return endAfter(buf, '-->', lt + 4);
    if (buf.startsWith('<![CDATA[', lt)) return endAfter(buf, ']]>', lt + 9);
    if (buf.startsWith('<?', lt)) return endAfter(buf, '?>', lt + 2);
    if (buf.length - lt < 9 && '<![CDATA['.startsWith(buf.slice(lt))) return -1;
    // A tag: the first `>` outside quotes.
    let quote = '';
    for (let i = lt + 1; i < buf.length; i++) {
      const c = buf[i];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return i + 1;
    }
    return -1;
  }

  #markup(buf: string, lt: number, end: number): void {
    const second = buf[lt + 1];
    if (second === '?') return; // XML declaration or processing instruction
    if (second === '!') {
      if (buf.startsWith('<!--', lt)) return;
      if (buf.startsWith('<![CDATA[', lt)) {
        if (this.#stack.length > 0 && !this.#skipping) this.#addText(buf.slice(lt + 9, end - 3));
        else if (!this.#skipping && buf.slice(lt + 9, end - 3).trim() !== '') throw new XmlSyntaxError('CDATA outside an event');
        return;
      }
      throw new XmlSyntaxError('DOCTYPE and other declarations are not supported');
    }
    if (second === '/') {
      this.#endTag(buf.slice(lt + 2, end - 1).trim());
      return;
    }
    this.#startTag(buf, lt, end);
  }

  #startTag(buf: string, lt: number, end: number): void {
    const selfClosing = buf[end - 2] === '/';
    const inner = buf.slice(lt + 1, selfClosing ? end - 2 : end - 1);
    const m = /^[^\s/>]+/.exec(inner);
    if (m === null) throw new XmlSyntaxError('tag without a name');
    const name = m[0];
    const isEvent = localName(name) === 'Event';
    if (this.#stack.length === 0) {
      // Between events: containers (<Events>, <root>) are passed over; only <Event> counts.
      if (!isEvent) return;
      this.#skipping = false;
      this.#eventLine = this.#line;
      this.#eventStart = this.#base + lt;
    } else if (this.#skipping) return;
    const el: Open = { name, attrs: parseAttributes(inner.slice(name.length)), children: [] };
    if (selfClosing) this.#close(el);
    else this.#stack.push(el);
  }

  #endTag(name: string): void {
    if (this.#stack.length === 0 || this.#skipping) return; // a container's end tag
    const top = this.#stack.pop() as Open;
    if (top.name !== name) throw new XmlSyntaxError(`</${name}> closes <${top.name}>`);
    this.#close(top);
  }

  #close(el: Open): void {
    // Indentation between child elements is not content.
    const hasElements = el.children.some((c) => c.t === 'el');
    const children = hasElements ? el.children.filter((c) => c.t !== 'text' || c.text.trim() !== '') : mergeText(el.children);
    const node: ElementNode = { t: 'el', name: el.name, attrs: el.attrs, children };
    const parent = this.#stack[this.#stack.length - 1];
    if (parent !== undefined) parent.children.push(node);
    else this.#onEvent({ event: node, line: this.#eventLine });
  }

  /** Text from `#pos` up to `until`; held back at the end of a chunk when not final. */
  #text(until: number, complete: boolean): void {
    if (!complete) {
      // Keep a possibly cut entity for the next chunk: everything from the last `&`.
      const amp = this.#buf.lastIndexOf('&', until - 1);
      if (amp >= this.#pos && this.#buf.indexOf(';', amp) < 0) until = amp;
    }
    if (until <= this.#pos) return;
    const raw = this.#buf.slice(this.#pos, until);
    if (this.#stack.length > 0 && !this.#skipping) {
      try {
        this.#addText(decodeEntities(raw));
      } catch (e) {
        if (!(e instanceof XmlSyntaxError)) throw e;
        this.#fail(e.message);
      }
    }
    this.#advance(until);
  }

  #addText(text: string): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top !== undefined && text.length > 0) top.children.push({ t: 'text', text });
  }

  #advance(to: number): void {
    for (let i = this.#buf.indexOf('\n', this.#pos); i >= 0 && i < to; i = this.#buf.indexOf('\n', i + 1)) this.#line++;
    this.#pos = to;
  }

  #fail(message: string): void {
    if (this.#skipping) return;
    const line = this.#stack.length > 0 ? this.#eventLine : this.#line;
    this.#problem(line, this.#stack.length > 0 ? `malformed event (line ${this.#line}): ${message}; event skipped` : `${message} (line ${this.#line}); skipped`);
    this.#stack = [];
    this.#skipping = true;
  }

  #problem(line: number, message: string): void {
    this.#onProblem({ line, message });
  }
}

function endAfter(buf: string, terminator: string, from: number): number {
  const i = buf.indexOf(terminator, from);
  return i < 0 ? -1 : i + terminator.length;
}

/** `name="value"` pairs (either quote, whitespace between); the first of a repeated name wins. */
function parseAttributes(text: string): AttrNode[] {
  const attrs: AttrNode[] = [];
  const re = /\s*([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) throw new XmlSyntaxError(`bad attribute syntax near "${text.slice(pos, pos + 20).trim()}"`);
    const name = m[1] as string;
    if (!attrs.some((a) => a.name === name)) attrs.push({ name, value: [{ t: 'text', text: decodeEntities(m[2] ?? m[3] ?? '') }] });
    pos = re.lastIndex;
  }
  return attrs;
}

/** Replaces the predefined entities and character references; anything else is an error. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]{0,32});|&/g, (whole, body: string | undefined) => {
    if (body === undefined) throw new XmlSyntaxError('bare & in text');
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isInteger(code) || code < 0 || code > 0x10ffff || !/^#(?:x[0-9a-f]+|[0-9]+)$/i.test(body)) throw new XmlSyntaxError(`bad character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const v = XML_ENTITY[body];
    if (v === undefined) throw new XmlSyntaxError(`unknown entity ${whole}`);
    return v;
  });
}

function mergeText(children: readonly XNode[]): XNode[] {
  if (children.length <= 1) return [...children];
  let text = '';
  for (const c of children) if (c.t === 'text') text += c.text;
  return [{ t: 'text', text }];
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}
