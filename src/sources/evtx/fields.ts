/**
 * @module Event XML (parsed Binary XML, or event XML read from a text export) to the flat
 * fields of the event convention (`src/core/event.ts`).
 */
import { EventFieldsBuilder } from './event-record.js';
import type { XNode } from './nodes.js';
import { toIso7 } from './time.js';
import { attribute, childElements, elementText, rootElement, type BoundElement } from './walk.js';

/** System child elements whose text is a field of the same name. */
const SYSTEM_TEXT = new Set(['EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'EventRecordID', 'Channel', 'Computer']);

/** Deepest UserData nesting flattened (deeper leaves are still reached through `Data`). */
const MAX_LEAF_DEPTH = 32;

/** The flat fields of one event document. */
export function eventFields(doc: readonly XNode[]): Record<string, string> {
  const b = new EventFieldsBuilder();
  const root = rootElement(doc);
  if (root !== null) addEventFields(b, root);
  return b.build();
}

/** Adds the fields of an `<Event>` element to a builder. */
export function addEventFields(b: EventFieldsBuilder, event: BoundElement): void {
  for (const section of childElements(event.el.children, event.values)) {
    switch (localName(section.el.name)) {
      case 'System':
        addSystem(b, section);
        break;
      case 'EventData':
        addEventData(b, section);
        break;
      case 'RenderingInfo':
        for (const c of childElements(section.el.children, section.values)) {
          if (localName(c.el.name) === 'Message') b.message(elementText(c));
        }
        break;
      default:
        // UserData, ProcessingErrorData, DebugData, BinaryEventData: leaves by element name.
        addLeaves(b, section, 0);
    }
  }
}

function addSystem(b: EventFieldsBuilder, system: BoundElement): void {
  for (const c of childElements(system.el.children, system.values)) {
    const name = localName(c.el.name);
    if (SYSTEM_TEXT.has(name)) {
      b.system(name, elementText(c).trim());
      continue;
    }
    switch (name) {
      case 'Provider':
        setAttr(b, 'Provider_Name', c, 'Name');
        setAttr(b, 'Provider_Guid', c, 'Guid');
        break;
      case 'TimeCreated': {
        const t = attribute(c, 'SystemTime');
        if (t !== null) b.system('TimeCreated', toIso7(t.trim()));
        break;
      }
      case 'Execution':
        setAttr(b, 'ProcessID', c, 'ProcessID');
        setAttr(b, 'ThreadID', c, 'ThreadID');
        break;
      case 'Security':
        setAttr(b, 'UserID', c, 'UserID');
        break;
      default:
        break;
    }
  }
}

function setAttr(b: EventFieldsBuilder, field: string, el: BoundElement, attr: string): void {
  const v = attribute(el, attr);
  if (v !== null) b.system(field, v);
}

function addEventData(b: EventFieldsBuilder, data: BoundElement): void {
  for (const c of childElements(data.el.children, data.values)) {
    const name = localName(c.el.name);
    if (name === 'Data') b.data(attribute(c, 'Name'), elementText(c));
    else addLeaf(b, c, 1);
  }
}

function addLeaves(b: EventFieldsBuilder, el: BoundElement, depth: number): void {
  for (const c of childElements(el.el.children, el.values)) addLeaf(b, c, depth + 1);
}

function addLeaf(b: EventFieldsBuilder, el: BoundElement, depth: number): void {
  const children = childElements(el.el.children, el.values);
  if (children.length === 0) b.leaf(localName(el.el.name), elementText(el));
  else if (depth < MAX_LEAF_DEPTH) for (const c of children) addLeaf(b, c, depth + 1);
}

/** The name without a namespace prefix (`auto-ns2:Foo` → `Foo`). */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}
