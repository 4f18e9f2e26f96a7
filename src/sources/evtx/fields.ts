/**
 * @module Event XML (parsed Binary XML, or event XML read from a text export) to the flat
 * fields of the event convention (`src/core/event.ts`).
 *
 * Two paths give the same result. The general one walks the document, expanding template
 * instances and nested Binary XML values as it goes. The fast one serves the usual record: a
 * template instance whose nested XML values (Security and most manifest-based events carry
 * their EventData or UserData as one) are template instances again. Each template is compiled
 * once per chunk and context into a list of field operations; a record then only evaluates
 * those against its values. Anything the compiler does not expect (a nested value where text
 * should be, a template inside a template definition, raw elements in a value) falls back to
 * the walk for that part. A test runs both paths over the whole sample corpus and requires
 * identical fields.
 */
import { EventFieldsBuilder, type EventFields } from './event-record.js';
import { VT, type AttrNode, type ElementNode, type EvtxValue, type Template, type XNode } from './nodes.js';
import { toIso7 } from './time.js';
import { arrayTexts, attrValue, attribute, childElements, elementText, elementTexts, forEachNode, nodeText, rootElement, type BoundElement } from './walk.js';

/** System child elements whose text is a field of the same name. */
const SYSTEM_TEXT = new Set(['EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'EventRecordID', 'Channel', 'Computer']);
/** System elements whose attributes are fields: element → [attribute, field] pairs. */
const SYSTEM_ATTRS = new Map<string, readonly (readonly [string, string])[]>([
  [
    'Provider',
    [
      ['Name', 'Provider_Name'],
      ['Guid', 'Provider_Guid'],
    ],
  ],
  ['TimeCreated', [['SystemTime', 'TimeCreated']]],
  [
    'Execution',
    [
      ['ProcessID', 'ProcessID'],
      ['ThreadID', 'ThreadID'],
    ],
  ],
  ['Security', [['UserID', 'UserID']]],
]);

/** Deepest UserData nesting flattened (deeper leaves are still reached through `Data`). */
const MAX_LEAF_DEPTH = 32;

/**
 * Where a list of nodes sits, which decides what its elements mean: the children of `<Event>`
 * (sections), of `<System>`, of `<EventData>`, of `<RenderingInfo>`, or elements flattened to
 * leaves at some depth (`LEAF + depth`).
 */
const EVENT = 1;
const SYSTEM = 2;
const EVENT_DATA = 3;
const RENDERING = 4;
const LEAF = 10;
type Context = number;

/** The flat fields of one event document. */
export function eventFields(doc: readonly XNode[]): EventFields {
  const only = doc.length === 1 ? doc[0] : undefined;
  if (only?.t === 'template') {
    const plan = rootPlan(only.template);
    if (plan !== null && fits(plan, only.values)) {
      const b = new EventFieldsBuilder();
      runPlan(b, plan, only.values);
      return b.build();
    }
  }
  return eventFieldsByWalking(doc);
}

/** The general path (also the reference the fast path is tested against). */
export function eventFieldsByWalking(doc: readonly XNode[]): EventFields {
  const b = new EventFieldsBuilder();
  const root = rootElement(doc);
  if (root !== null) addEventFields(b, root);
  return b.build();
}

/** Adds the fields of an `<Event>` element to a builder. */
export function addEventFields(b: EventFieldsBuilder, event: BoundElement): void {
  walkNodes(b, event.el.children, event.values, EVENT);
}

function walkNodes(b: EventFieldsBuilder, nodes: readonly XNode[], values: readonly EvtxValue[], ctx: Context): void {
  forEachNode(nodes, values, (n, v) => {
    if (n.t === 'el') walkElement(b, { el: n, values: v }, ctx);
  });
}

function walkElement(b: EventFieldsBuilder, be: BoundElement, ctx: Context): void {
  const name = localName(be.el.name);
  switch (ctx) {
    case EVENT:
      walkNodes(b, be.el.children, be.values, sectionContext(name));
      return;
    case SYSTEM:
      if (SYSTEM_TEXT.has(name)) b.system(name, elementText(be).trim());
      else
        for (const [attr, field] of SYSTEM_ATTRS.get(name) ?? []) {
          const v = attribute(be, attr);
          if (v !== null) b.system(field, systemAttrText(field, v));
        }
      return;
    case EVENT_DATA:
      if (name === 'Data') {
        const dataName = attribute(be, 'Name');
        for (const text of elementTexts(be)) b.data(dataName, text);
      } else walkElement(b, be, LEAF + 1);
      return;
    case RENDERING:
      if (name === 'Message') b.message(elementText(be));
      return;
    default: {
      const depth = ctx - LEAF;
      for (const a of be.el.attrs) {
        if (isNamespaceDecl(a.name)) continue;
        const v = attrValue(a, be.values);
        if (v !== null) b.leaf(localName(a.name), v);
      }
      const children = childElements(be.el.children, be.values);
      if (children.length === 0) for (const text of elementTexts(be)) b.leaf(name, text);
      else if (depth < MAX_LEAF_DEPTH) for (const c of children) walkElement(b, c, ctx + 1);
    }
  }
}

/** The context of a section's children: UserData and the rest are flattened to leaves. */
function sectionContext(name: string): Context {
  if (name === 'System') return SYSTEM;
  if (name === 'EventData') return EVENT_DATA;
  if (name === 'RenderingInfo') return RENDERING;
  return LEAF + 1;
}

function systemAttrText(field: string, v: string): string {
  return field === 'TimeCreated' ? toIso7(v.trim()) : v;
}

/** `xmlns` and `xmlns:prefix` attributes declare namespaces; they are not event data. */
function isNamespaceDecl(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

/** The name without a namespace prefix (`auto-ns2:Foo` → `Foo`). */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

// ---------------------------------------------------------------------------------------------
// The fast path: templates compiled into field operations.

type Op =
  | { readonly k: 'system'; readonly field: string; readonly parts: readonly XNode[] }
  | { readonly k: 'systemAttr'; readonly field: string; readonly attr: AttrNode }
  | { readonly k: 'data'; readonly name: AttrNode | null; readonly parts: readonly XNode[] }
  | { readonly k: 'leaf'; readonly name: string; readonly parts: readonly XNode[] }
  | { readonly k: 'leafAttr'; readonly name: string; readonly attr: AttrNode }
  | { readonly k: 'message'; readonly parts: readonly XNode[] }
  /** A substitution declared as Binary XML in an element list: its nodes go on in `ctx`. */
  | { readonly k: 'nested'; readonly index: number; readonly ctx: Context };

interface Plan {
  readonly ops: readonly Op[];
  /** Substitution indexes whose values may hold Binary XML (the `nested` ones). */
  readonly xmlAt: ReadonlySet<number>;
}

/** Plans per template and context; a template lives as long as its chunk. */
const plans = new WeakMap<Template, Map<Context, Plan | null>>();
/** Context key of a whole document (root element, then its sections). */
const DOCUMENT = 0;

function rootPlan(t: Template): Plan | null {
  return planFor(t, DOCUMENT);
}

function planFor(t: Template, ctx: Context): Plan | null {
  let byCtx = plans.get(t);
  if (byCtx === undefined) {
    byCtx = new Map();
    plans.set(t, byCtx);
  }
  let plan = byCtx.get(ctx);
  if (plan === undefined) {
    plan = compile(t.nodes, ctx);
    byCtx.set(ctx, plan);
  }
  return plan;
}

/** True when a record's values hold nested XML only where the plan expects it. */
function fits(plan: Plan, values: readonly EvtxValue[]): boolean {
  for (let i = 0; i < values.length; i++) if ((values[i] as EvtxValue).xml !== null && !plan.xmlAt.has(i)) return false;
  return true;
}

function runPlan(b: EventFieldsBuilder, plan: Plan, values: readonly EvtxValue[]): void {
  for (const op of plan.ops) {
    switch (op.k) {
      case 'system':
        b.system(op.field, partsText(op.parts, values).trim());
        break;
      case 'systemAttr': {
        const v = attrValue(op.attr, values);
        if (v !== null) b.system(op.field, systemAttrText(op.field, v));
        break;
      }
      case 'data': {
        const name = op.name === null ? null : attrValue(op.name, values);
        const texts = arrayTexts(op.parts, values);
        if (texts === null) b.data(name, partsText(op.parts, values));
        else for (const text of texts) b.data(name, text);
        break;
      }
      case 'leaf': {
        const texts = arrayTexts(op.parts, values);
        if (texts === null) b.leaf(op.name, partsText(op.parts, values));
        else for (const text of texts) b.leaf(op.name, text);
        break;
      }
      case 'leafAttr': {
        const v = attrValue(op.attr, values);
        if (v !== null) b.leaf(op.name, v);
        break;
      }
      case 'message':
        b.message(partsText(op.parts, values));
        break;
      case 'nested': {
        const xml = values[op.index]?.xml;
        if (xml) runNested(b, xml, values, op.ctx);
        break;
      }
    }
  }
}

/** The nodes of a nested value in a context: template instances by plan, the rest by walking. */
function runNested(b: EventFieldsBuilder, nodes: readonly XNode[], values: readonly EvtxValue[], ctx: Context): void {
  for (const n of nodes) {
    if (n.t === 'template') {
      const plan = planFor(n.template, ctx);
      if (plan !== null && fits(plan, n.values)) runPlan(b, plan, n.values);
      else walkNodes(b, [n], values, ctx);
    } else if (n.t === 'el') walkNodes(b, [n], values, ctx);
    else if (n.t === 'sub') {
      const xml = values[n.index]?.xml;
      if (xml) runNested(b, xml, values, ctx);
    }
  }
}

function partsText(parts: readonly XNode[], values: readonly EvtxValue[]): string {
  if (parts.length === 1) return nodeText(parts[0] as XNode, values);
  let s = '';
  for (const p of parts) s += nodeText(p, values);
  return s;
}

/**
 * Compiles the nodes of a template body for a context, or null when their meaning depends on
 * the values in a way the operations cannot express (then the walk is used).
 */
function compile(nodes: readonly XNode[], ctx: Context): Plan | null {
  const ops: Op[] = [];
  const xmlAt = new Set<number>();
  if (ctx === DOCUMENT) {
    // The root is the first element; nothing before it may turn into elements.
    for (const n of nodes) {
      if (n.t === 'template' || (n.t === 'sub' && isXmlSub(n))) return null;
      if (n.t === 'el') return compileList(n.children, EVENT, ops, xmlAt) ? { ops, xmlAt } : null;
    }
    return { ops, xmlAt };
  }
  return compileList(nodes, ctx, ops, xmlAt) ? { ops, xmlAt } : null;
}

function compileList(nodes: readonly XNode[], ctx: Context, ops: Op[], xmlAt: Set<number>): boolean {
  for (const n of nodes) {
    if (n.t === 'template') return false;
    if (n.t === 'sub' && isXmlSub(n)) {
      ops.push({ k: 'nested', index: n.index, ctx });
      xmlAt.add(n.index);
    } else if (n.t === 'el' && !compileElement(n, ctx, ops, xmlAt)) return false;
  }
  return true;
}

function compileElement(el: ElementNode, ctx: Context, ops: Op[], xmlAt: Set<number>): boolean {
  const name = localName(el.name);
  switch (ctx) {
    case EVENT:
      return compileList(el.children, sectionContext(name), ops, xmlAt);
    case SYSTEM:
      if (SYSTEM_TEXT.has(name)) {
        const parts = textParts(el.children);
        if (parts === null) return false;
        ops.push({ k: 'system', field: name, parts });
      } else
        for (const [attr, field] of SYSTEM_ATTRS.get(name) ?? []) {
          const a = el.attrs.find((x) => x.name === attr);
          if (a !== undefined) ops.push({ k: 'systemAttr', field, attr: a });
        }
      return true;
    case EVENT_DATA: {
      if (name !== 'Data') return compileElement(el, LEAF + 1, ops, xmlAt);
      const parts = textParts(el.children);
      if (parts === null) return false;
      ops.push({ k: 'data', name: el.attrs.find((x) => x.name === 'Name') ?? null, parts });
      return true;
    }
    case RENDERING: {
      if (name !== 'Message') return true;
      const parts = textParts(el.children);
      if (parts === null) return false;
      ops.push({ k: 'message', parts });
      return true;
    }
    default: {
      const parts = textParts(el.children);
      if (parts === null) return false; // element children would depend on the values
      for (const a of el.attrs) if (!isNamespaceDecl(a.name)) ops.push({ k: 'leafAttr', name: localName(a.name), attr: a });
      const children = el.children.filter((c): c is ElementNode => c.t === 'el');
      if (children.length === 0) ops.push({ k: 'leaf', name, parts });
      else if (ctx - LEAF < MAX_LEAF_DEPTH) for (const c of children) if (!compileElement(c, ctx + 1, ops, xmlAt)) return false;
      return true;
    }
  }
}

/** The text parts of an element's children, or null when one of them may become elements. */
function textParts(nodes: readonly XNode[]): XNode[] | null {
  const parts: XNode[] = [];
  for (const n of nodes) {
    if (n.t === 'template' || (n.t === 'sub' && isXmlSub(n))) return null;
    if (n.t !== 'el' && n.t !== 'pi') parts.push(n);
  }
  return parts;
}

function isXmlSub(n: Extract<XNode, { t: 'sub' }>): boolean {
  return (n.type & 0x7f) === VT.BinXml;
}
