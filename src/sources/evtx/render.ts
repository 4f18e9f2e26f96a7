/**
 * @module Event XML text of a parsed record, as Event Viewer's XML view shows it: templates
 * expanded, substitution values in place, indented two spaces per level, with XML escaping of
 * `& < >` in text and also `"` in attribute values. Built only on demand (`evtx dump --xml`).
 */
import type { LogRecord } from '../../core/record.js';
import { EventRecord } from './event-record.js';
import { isNullValue, type EvtxValue, type XNode } from './nodes.js';
import { arrayTexts, attrValue, forEachNode, nodeText } from './walk.js';

/** The XML of an EVTX record, or null for records that did not come from an EVTX file. */
export function renderXml(record: LogRecord): string | null {
  if (!(record instanceof EventRecord) || record.doc === null) return null;
  return renderDocument(record.doc);
}

/** The XML of a parsed document (one record's Binary XML). */
export function renderDocument(doc: readonly XNode[]): string {
  const out: string[] = [];
  renderNodes(doc, [], 0, out);
  return out.join('');
}

function renderNodes(nodes: readonly XNode[], values: readonly EvtxValue[], depth: number, out: string[]): void {
  forEachNode(nodes, values, (n, v) => {
    if (n.t === 'el') {
      renderElement(n, v, depth, out);
    } else if (n.t === 'pi') {
      out.push(`${indent(depth)}<?${n.target}${n.data.length > 0 ? ` ${n.data}` : ''}?>\n`);
    } else {
      const text = inlineText(n, v);
      if (text.length > 0) out.push(`${indent(depth)}${text}\n`);
    }
  });
}

function renderElement(el: Extract<XNode, { t: 'el' }>, values: readonly EvtxValue[], depth: number, out: string[]): void {
  let open = `${indent(depth)}<${el.name}`;
  for (const a of el.attrs) {
    const v = attrValue(a, values);
    if (v !== null) open += ` ${a.name}="${escapeXml(v, true)}"`;
  }
  // Expand once to see whether the content is text only or has elements.
  const parts: { node: XNode; values: readonly EvtxValue[] }[] = [];
  let hasElements = false;
  forEachNode(el.children, values, (node, v) => {
    parts.push({ node, values: v });
    if (node.t === 'el' || node.t === 'pi') hasElements = true;
  });
  if (!hasElements) {
    // An array substitution repeats the element once per item (as Windows renders it).
    const items = parts.some((p) => p.node.t === 'template') ? null : arrayTexts(parts.map((p) => p.node), values);
    if (items !== null) {
      for (const item of items) out.push(item.length === 0 ? `${open}/>\n` : `${open}>${escapeXml(item, false)}</${el.name}>\n`);
      return;
    }
    let text = '';
    for (const p of parts) text += inlineText(p.node, p.values);
    out.push(text.length === 0 ? `${open}/>\n` : `${open}>${text}</${el.name}>\n`);
    return;
  }
  out.push(`${open}>\n`);
  for (const p of parts) {
    if (p.node.t === 'el') renderElement(p.node, p.values, depth + 1, out);
    else if (p.node.t === 'pi') out.push(`${indent(depth + 1)}<?${p.node.target}${p.node.data.length > 0 ? ` ${p.node.data}` : ''}?>\n`);
    else {
      const text = inlineText(p.node, p.values);
      if (text.length > 0) out.push(`${indent(depth + 1)}${text}\n`);
    }
  }
  out.push(`${indent(depth)}</${el.name}>\n`);
}

/** Escaped XML text of a text-like node. */
function inlineText(n: XNode, values: readonly EvtxValue[]): string {
  switch (n.t) {
    case 'charref':
      return `&#${n.code};`;
    case 'entity':
      return `&${n.name};`;
    case 'cdata':
      return `<![CDATA[${n.text}]]>`;
    case 'sub': {
      const v = values[n.index];
      if (isNullValue(v)) return '';
      return escapeXml(nodeText(n, values), false);
    }
    default:
      return escapeXml(nodeText(n, values), false);
  }
}

const INDENTS: string[] = [];
function indent(depth: number): string {
  return (INDENTS[depth] ??= '  '.repeat(depth));
}

/** Escapes text for XML; characters XML 1.0 cannot hold are written as `&#xN;` for display. */
export function escapeXml(s: string, attr: boolean): string {
  if (!/[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s)) return s;
  return s.replace(/[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return attr ? '&quot;' : '"';
      default:
        return `&#x${c.charCodeAt(0).toString(16)};`;
    }
  });
}
