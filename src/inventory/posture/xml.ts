/**
 * @module A tiny XML reader for IIS configuration files (applicationHost.config, web.config):
 * elements, attributes and their line numbers; text content, comments, processing instructions,
 * CDATA and DOCTYPE are skipped. It is deliberately not a full XML parser (no namespaces, no
 * DTD entities): IIS configuration is element-and-attribute XML, and what exhunt needs is "which
 * element, with which attributes, on which line". Malformed input never throws: the reader stops
 * and returns what it parsed so far, with `error` set.
 */

export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  readonly line: number;
  readonly parent: XmlElement | null;
}

export interface XmlDocument {
  readonly root: XmlElement;
  readonly error: string | null;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16) || 0xfffd);
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10) || 0xfffd);
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

export function parseXml(text: string): XmlDocument {
  const root: XmlElement = { name: '#document', attrs: new Map(), children: [], line: 1, parent: null };
  let cur = root;
  let i = 0;
  let line = 1;
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  const skipTo = (marker: string): boolean => {
    const end = text.indexOf(marker, i);
    if (end < 0) return false;
    advance(end + marker.length);
    return true;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    advance(lt);
    if (text.startsWith('<!--', i)) {
      if (!skipTo('-->')) return { root, error: `unterminated comment at line ${line}` };
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      if (!skipTo(']]>')) return { root, error: `unterminated CDATA at line ${line}` };
      continue;
    }
    if (text.startsWith('<?', i)) {
      if (!skipTo('?>')) return { root, error: `unterminated processing instruction at line ${line}` };
      continue;
    }
    if (text.startsWith('<!', i)) {
      if (!skipTo('>')) return { root, error: `unterminated declaration at line ${line}` };
      continue;
    }
    if (text.startsWith('</', i)) {
      const m = /^<\/\s*([^\s>]+)\s*>/.exec(text.slice(i, i + 512));
      if (!m) return { root, error: `bad end tag at line ${line}` };
      if (m[1] !== cur.name) return { root, error: `</${m[1] ?? ''}> at line ${line} does not close <${cur.name}>` };
      cur = cur.parent ?? root;
      advance(i + m[0].length);
      continue;
    }
    const start = line;
    const nameMatch = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(i, i + 256));
    if (!nameMatch) return { root, error: `bad tag at line ${line}` };
    advance(i + nameMatch[0].length);
    const attrs = new Map<string, string>();
    for (;;) {
      const ws = /^\s*/.exec(text.slice(i, i + 4096));
      advance(i + (ws?.[0].length ?? 0));
      if (text.startsWith('/>', i) || text.startsWith('>', i)) break;
      const a = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(text.slice(i, i + 65536));
      if (!a) return { root, error: `bad attribute in <${nameMatch[1] ?? ''}> at line ${line}` };
      attrs.set(a[1] ?? '', decodeEntities(a[3] ?? a[4] ?? ''));
      advance(i + a[0].length);
    }
    const el: XmlElement = { name: nameMatch[1] ?? '', attrs, children: [], line: start, parent: cur };
    cur.children.push(el);
    if (text.startsWith('/>', i)) advance(i + 2);
    else {
      advance(i + 1);
      cur = el;
    }
  }
  return { root, error: cur === root ? null : `<${cur.name}> opened at line ${cur.line} is never closed` };
}

/** Attribute by name, case-insensitively (IIS accepts either case). */
export function attr(el: XmlElement, name: string): string | undefined {
  const direct = el.attrs.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of el.attrs) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Every element below `el` (depth first) whose name is `name`, case-insensitively. */
export function descendants(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const lower = name.toLowerCase();
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name.toLowerCase() === lower) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  const lower = name.toLowerCase();
  return el.children.find((c) => c.name.toLowerCase() === lower);
}

/** Names from the document element down to `el`, e.g. `configuration/system.webServer/rewrite`. */
export function pathOf(el: XmlElement): string {
  const names: string[] = [];
  for (let e: XmlElement | null = el; e && e.name !== '#document'; e = e.parent) names.unshift(e.name);
  return names.join('/');
}

/** The `path` of the nearest enclosing `<location>`, or null. */
export function locationOf(el: XmlElement): string | null {
  for (let e: XmlElement | null = el.parent; e; e = e.parent) {
    if (e.name.toLowerCase() === 'location') return attr(e, 'path') ?? '';
  }
  return null;
}
