/**
 * @module The parsed form of an event's Binary XML: a small node tree, shared by the field
 * flattener (`fields.ts`) and the XML renderer (`render.ts`).
 *
 * Templates stay templates: a record is usually one `template` node that points at the chunk's
 * parsed template (shared by every record using it) plus that record's substitution values.
 * Nothing is expanded per record until a consumer walks the tree, which is what keeps a record
 * cheap to parse.
 */

/** BinXML value types (the low 7 bits; 0x80 marks an array). */
export const VT = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  Array: 0x80,
} as const;

/** One substitution value of a template instance, already turned into text. */
export interface EvtxValue {
  /** BinXML value type as stored (with 0x80 for arrays). */
  readonly type: number;
  /** The value as Windows renders it; for arrays the items joined with `, `; '' for null. */
  readonly text: string;
  /** Array items (type & 0x80), else null. */
  readonly items: readonly string[] | null;
  /** Nested Binary XML (type 0x21), else null. */
  readonly xml: readonly XNode[] | null;
}

export interface ElementNode {
  readonly t: 'el';
  readonly name: string;
  readonly attrs: readonly AttrNode[];
  readonly children: readonly XNode[];
}

export interface AttrNode {
  readonly name: string;
  /** Text parts: `text`, `sub`, `charref` and `entity` nodes. */
  readonly value: readonly XNode[];
}

export interface TextNode {
  readonly t: 'text';
  readonly text: string;
}

export interface SubstNode {
  readonly t: 'sub';
  readonly index: number;
  readonly type: number;
  /** Optional substitution (token 0x0e): left out when its value is null. */
  readonly optional: boolean;
}

export interface CharRefNode {
  readonly t: 'charref';
  readonly code: number;
}

export interface EntityRefNode {
  readonly t: 'entity';
  readonly name: string;
}

export interface CDataNode {
  readonly t: 'cdata';
  readonly text: string;
}

export interface PiNode {
  readonly t: 'pi';
  readonly target: string;
  readonly data: string;
}

/** A parsed template definition; shared by every instance in its chunk. */
export interface Template {
  readonly guid: string;
  readonly nodes: readonly XNode[];
}

export interface TemplateNode {
  readonly t: 'template';
  readonly template: Template;
  readonly values: readonly EvtxValue[];
}

export type XNode = ElementNode | TextNode | SubstNode | CharRefNode | EntityRefNode | CDataNode | PiNode | TemplateNode;

/** The five entities XML predefines; BinXML entity references name one of these. */
export const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** True when a value is absent for the purposes of optional substitutions. */
export function isNullValue(v: EvtxValue | undefined): boolean {
  return v === undefined || v.type === VT.Null;
}
