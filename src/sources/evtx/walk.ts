/**
 * @module Walking a parsed event: template instances and nested Binary XML values are expanded
 * on the fly, so consumers see plain elements and text with the right substitution values.
 */
import { XML_ENTITIES, isNullValue, type AttrNode, type ElementNode, type EvtxValue, type XNode } from './nodes.js';

/** An element together with the substitution values its subtree refers to. */
export interface BoundElement {
  readonly el: ElementNode;
  readonly values: readonly EvtxValue[];
}

const NO_VALUES: readonly EvtxValue[] = [];

/**
 * Calls `visit` for each node of `nodes`, expanding template instances and substitutions whose
 * value is nested Binary XML. Other substitutions are passed through as they are.
 */
export function forEachNode(nodes: readonly XNode[], values: readonly EvtxValue[], visit: (node: XNode, values: readonly EvtxValue[]) => void): void {
  for (const n of nodes) {
    if (n.t === 'template') forEachNode(n.template.nodes, n.values, visit);
    else if (n.t === 'sub') {
      const v = values[n.index];
      if (v?.xml) forEachNode(v.xml, values, visit);
      else visit(n, values);
    } else visit(n, values);
  }
}

/** The child elements of a node list, expanded. */
export function childElements(nodes: readonly XNode[], values: readonly EvtxValue[]): BoundElement[] {
  const out: BoundElement[] = [];
  forEachNode(nodes, values, (n, v) => {
    if (n.t === 'el') out.push({ el: n, values: v });
  });
  return out;
}

/** The first element of a document (normally `<Event>`), or null. */
export function rootElement(nodes: readonly XNode[]): BoundElement | null {
  return childElements(nodes, NO_VALUES)[0] ?? null;
}

/** Text of one text-like node: the value of a substitution, a reference, CDATA or literal text. */
export function nodeText(n: XNode, values: readonly EvtxValue[]): string {
  switch (n.t) {
    case 'text':
    case 'cdata':
      return n.text;
    case 'sub':
      return values[n.index]?.text ?? '';
    case 'charref':
      return String.fromCharCode(n.code);
    case 'entity':
      return XML_ENTITIES[n.name] ?? `&${n.name};`;
    default:
      return '';
  }
}

/** The character content of an element (its text parts, not those of child elements). */
export function elementText(b: BoundElement): string {
  const children = b.el.children;
  // Fast path: a single substitution or text node, the usual shape of System and Data values.
  if (children.length === 1) {
    const only = children[0] as XNode;
    if (only.t === 'sub') {
      const v = b.values[only.index];
      if (v?.xml == null) return v?.text ?? '';
    } else if (only.t === 'text') return only.text;
  }
  let text = '';
  forEachNode(children, b.values, (n, v) => {
    if (n.t !== 'el' && n.t !== 'pi') text += nodeText(n, v);
  });
  return text;
}

/**
 * The texts of an element whose content holds an array substitution: Windows repeats the
 * element once per array item (an empty array gives one empty element). Null when no
 * substitution in `parts` has an array value (the usual case: the element's text is the text).
 */
export function arrayTexts(parts: readonly XNode[], values: readonly EvtxValue[]): string[] | null {
  let n = -1;
  for (const p of parts) {
    if (p.t !== 'sub') continue;
    const items = values[p.index]?.items;
    if (items != null) n = Math.max(n, items.length);
  }
  if (n < 0) return null;
  const out: string[] = [];
  for (let i = 0; i < Math.max(n, 1); i++) {
    let text = '';
    for (const p of parts) {
      const v = p.t === 'sub' ? values[p.index] : undefined;
      text += v?.items != null ? (v.items[i] ?? '') : nodeText(p, values);
    }
    out.push(text);
  }
  return out;
}

/** The element's texts: one, or one per array item (see `arrayTexts`). */
export function elementTexts(b: BoundElement): string[] {
  const parts: XNode[] = [];
  for (const c of b.el.children) {
    if (c.t === 'template' || (c.t === 'sub' && b.values[c.index]?.xml != null)) return [elementText(b)];
    if (c.t !== 'el' && c.t !== 'pi') parts.push(c);
  }
  return arrayTexts(parts, b.values) ?? [elementText(b)];
}

/**
 * The value of an attribute, or null when it is absent: an attribute whose only content is an
 * optional substitution with a null value is not rendered by Windows.
 */
export function attrValue(a: AttrNode, values: readonly EvtxValue[]): string | null {
  const parts = a.value;
  if (parts.length === 1) {
    const only = parts[0] as XNode;
    if (only.t === 'sub') {
      const v = values[only.index];
      if (only.optional && isNullValue(v)) return null;
      return v?.text ?? '';
    }
    if (only.t === 'text') return only.text;
  }
  let text = '';
  let present = parts.length === 0;
  for (const p of parts) {
    if (p.t === 'sub' && p.optional && isNullValue(values[p.index])) continue;
    present = true;
    text += nodeText(p, values);
  }
  return present ? text : null;
}

/** An attribute of an element by name, or null. */
export function attribute(b: BoundElement, name: string): string | null {
  for (const a of b.el.attrs) if (a.name === name) return attrValue(a, b.values);
  return null;
}
