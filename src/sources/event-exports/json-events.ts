/**
 * @module JSON event exports as `LogParser`s, one per shape (see `detect.ts`):
 *
 * - `winevent-json`: `Get-WinEvent ... | ConvertTo-Json`: objects with `Id`, `LogName`,
 *   `ProviderName`, `ProviderId`, `MachineName`, `RecordId`, `ProcessId`, `ThreadId`,
 *   `UserId`, `TimeCreated` (`/Date(ms)/` from Windows PowerShell, ISO 8601 from PowerShell 7),
 *   `Level`, `Task`, `Opcode`, `Keywords`, `Version`, `Message` and `Properties` (values
 *   without names: they become `Data1`, `Data2`...).
 * - `jsonl-flat`: one object per event with the System values under well-known names
 *   (`EventID`, `Channel`, `Hostname`, `SourceName`, `@timestamp`/`TimeCreated`...) and the
 *   event data at the top level, as in the OTRF (Mordor) datasets from NXLog.
 * - `jsonl-nested`: `{"Event": {"System": {...}, "EventData": {...}}}`, the XML structure as
 *   JSON (evtx-rs `evtx_dump -o json`, SigmaHQ's regression data; `#attributes`/`#text` or
 *   xmltodict's `@name`/`#text`). It is turned back into the event tree and flattened like XML.
 *
 * All three accept an array, one object, JSON Lines or concatenated pretty-printed objects.
 */
import { EventFieldsBuilder, type EventFields } from '../evtx/event-record.js';
import { addEventFields } from '../evtx/fields.js';
import type { AttrNode, ElementNode, XNode } from '../evtx/nodes.js';
import { toIso7 } from '../evtx/time.js';
import { CappedDiagnostics } from '../lines/capped-diagnostics.js';
import type { LogParser } from '../source.js';
import { ExportStats, readText } from './common.js';
import { JsonValueSplitter } from './json-values.js';

type JsonObject = Record<string, unknown>;

/** Turns one parsed JSON value into fields, or explains why it is not an event. */
type ToFields = (value: JsonObject) => EventFields | string;

function jsonParser(toFields: ToFields): LogParser {
  return async (input, options) => {
    const stream = await input.open();
    const diags = new CappedDiagnostics(options.onDiagnostic, input.path);
    const stats = new ExportStats();
    const splitter = new JsonValueSplitter(
      ({ value, line }) => {
        if (!isObject(value)) {
          diags.report('warning', 'bad-event', `a JSON ${Array.isArray(value) ? 'array' : typeof value} where an event object was expected; skipped`, line);
          return;
        }
        const fields = toFields(value);
        if (typeof fields === 'string') diags.report('warning', 'bad-event', `${fields}; skipped`, line);
        else stats.emit(fields, input.path, line, options);
      },
      ({ line, message }) => diags.report('warning', 'bad-event', message, line),
    );
    const encoding = await readText(stream, (text) => splitter.push(text), diags);
    splitter.end();
    diags.finish();
    return stats.stats(encoding);
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON scalar as event text: numbers in decimal, booleans `true`/`false`, null ''. */
function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return '';
  return null;
}

/** A GUID as Windows writes it: `{XXXXXXXX-...}` in upper case (exports vary). */
export function windowsGuid(text: string): string {
  const m = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i.exec(text.trim());
  return m === null ? text : `{${(m[1] as string).toUpperCase()}}`;
}

/** Keywords as `0x` hex: exports write them as (possibly negative, signed 64-bit) decimals. */
function keywordsText(v: unknown): string {
  const s = scalarText(v) ?? '';
  if (/^-?\d+$/.test(s)) return `0x${BigInt.asUintN(64, BigInt(s)).toString(16)}`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Get-WinEvent | ConvertTo-Json

/**
 * `Get-WinEvent ... | ConvertTo-Json` output. Property values have no names in this export;
 * export `$_.ToXml()` or use `wevtutil qe /f:xml` to keep them (see docs/evtx.md).
 */
export const parseWinEventJson: LogParser = jsonParser(winEventFields);

export function winEventFields(o: JsonObject): EventFields | string {
  if (!('Id' in o) && !('RecordId' in o) && !('ProviderName' in o)) return 'an object without Id, RecordId or ProviderName is not a Get-WinEvent record';
  const b = new EventFieldsBuilder();
  const sys = (field: string, v: unknown, map: (s: string) => string = (s) => s): void => {
    const s = scalarText(v);
    if (s !== null && v !== undefined && v !== null) b.system(field, map(s));
  };
  sys('EventID', o.Id);
  sys('Channel', o.LogName);
  sys('Provider_Name', o.ProviderName);
  sys('Provider_Guid', o.ProviderId, windowsGuid);
  sys('Computer', o.MachineName);
  sys('Level', o.Level);
  sys('Task', o.Task);
  sys('Opcode', o.Opcode);
  if (o.Keywords !== undefined && o.Keywords !== null) b.system('Keywords', keywordsText(o.Keywords));
  sys('EventRecordID', o.RecordId);
  const created = dotNetTime(o.TimeCreated);
  if (created !== null) b.system('TimeCreated', created);
  sys('ProcessID', o.ProcessId);
  sys('ThreadID', o.ThreadId);
  const user = isObject(o.UserId) ? o.UserId.Value : o.UserId;
  sys('UserID', user);
  sys('Version', o.Version);
  if (Array.isArray(o.Properties)) {
    for (const p of o.Properties) b.data(null, propertyText(isObject(p) && 'Value' in p ? p.Value : p));
  }
  if (typeof o.Message === 'string') b.message(o.Message);
  return b.build();
}

/**
 * A .NET DateTime as ConvertTo-Json writes it: `/Date(1615686093123)/` (Windows PowerShell,
 * UTC milliseconds, sometimes with an offset suffix that does not change the instant), an ISO
 * string (PowerShell 7), or an object with `value`/`DateTime` (extended type data).
 */
export function dotNetTime(v: unknown): string | null {
  if (isObject(v)) return dotNetTime(v.value ?? v.Value ?? v.DateTime);
  if (typeof v !== 'string') return null;
  const m = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(v.trim());
  if (m !== null) {
    const ms = Number(m[1]);
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? null : `${d.toISOString().slice(0, 23)}0000Z`;
  }
  const t = toIso7(v);
  return t === v && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/.test(v) ? null : t;
}

/** A Properties value: scalars as text, byte arrays as hex, SIDs and the like by `Value`. */
function propertyText(v: unknown): string {
  const s = scalarText(v);
  if (s !== null) {
    if (typeof v === 'string' && v.startsWith('/Date(')) return dotNetTime(v) ?? v;
    return s;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 255)) {
    return Buffer.from(v as number[]).toString('hex').toUpperCase();
  }
  if (isObject(v) && 'Value' in v) return propertyText(v.Value);
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------
// Flat JSON Lines (OTRF / NXLog)

/** Flat JSON Lines events (OTRF datasets and other NXLog-style exports). */
export const parseJsonlFlat: LogParser = jsonParser(flatEventFields);

/** System fields of flat events and the names exports use for them, first found wins. */
const FLAT_SYSTEM: readonly (readonly [string, readonly string[]])[] = [
  ['EventID', ['EventID', 'EventId', 'event_id', 'EventCode']],
  ['Channel', ['Channel', 'LogName', 'channel']],
  ['Provider_Name', ['Provider_Name', 'SourceName', 'ProviderName', 'provider_name']],
  ['Provider_Guid', ['Provider_Guid', 'ProviderGuid', 'ProviderId']],
  ['Computer', ['Computer', 'Hostname', 'ComputerName', 'MachineName']],
  ['Level', ['Level']],
  ['Task', ['Task']],
  ['Opcode', ['OpcodeValue', 'Opcode']],
  ['Keywords', ['Keywords']],
  ['EventRecordID', ['EventRecordID', 'RecordNumber', 'RecordId']],
  ['TimeCreated', ['TimeCreated', '@timestamp', 'EventTime', 'TimeGenerated']],
  ['ProcessID', ['ExecutionProcessID']],
  ['ThreadID', ['ExecutionThreadID']],
  ['UserID', ['UserID']],
  ['Version', ['Version']],
];
/** Names of the aliases above, plus collector metadata that is not event data. */
const FLAT_NOT_DATA = new Set([
  ...FLAT_SYSTEM.flatMap(([, names]) => names),
  'Message',
  '@version',
  'EventReceivedTime',
  'SourceModuleName',
  'SourceModuleType',
  'Severity',
  'SeverityValue',
  'ERROR_EVT_UNRESOLVED',
]);

export function flatEventFields(o: JsonObject): EventFields | string {
  const b = new EventFieldsBuilder();
  let any = false;
  for (const [field, names] of FLAT_SYSTEM) {
    for (const n of names) {
      const v = o[n];
      const s = scalarText(v);
      if (v === undefined || v === null || s === null || s === '') continue;
      // Level, Task and Opcode are numbers in the XML; NXLog also writes names there.
      if ((field === 'Level' || field === 'Task' || field === 'Opcode') && !/^\d+$/.test(s)) continue;
      b.system(field, flatSystemText(field, v, s));
      any = true;
      break;
    }
  }
  if (!any) return 'no EventID, Channel or other System field';
  for (const [k, v] of Object.entries(o)) {
    if (FLAT_NOT_DATA.has(k)) continue;
    const s = scalarText(v);
    if (s !== null) b.data(k, s); // objects and arrays are collector metadata, not event data
  }
  if (typeof o.Message === 'string') b.message(o.Message);
  return b.build();
}

function flatSystemText(field: string, v: unknown, s: string): string {
  if (field === 'Provider_Guid') return windowsGuid(s);
  if (field === 'Keywords') return keywordsText(v);
  if (field === 'TimeCreated') return toIso7(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Nested JSON (the event XML as JSON)

/** `{"Event": {"System": ..., "EventData": ...}}` per event (evtx-rs, SigmaHQ regression data). */
export const parseJsonlNested: LogParser = jsonParser(nestedEventFields);

export function nestedEventFields(o: JsonObject): EventFields | string {
  const event = o.Event;
  if (!isObject(event)) return 'an object without "Event" is not a nested event';
  const b = new EventFieldsBuilder();
  addEventFields(b, { el: jsonElement('Event', event, 0), values: [] });
  const fields = b.build();
  const guid = fields.get('Provider_Guid');
  if (guid !== undefined) fields.set('Provider_Guid', windowsGuid(guid));
  return fields;
}

/** Deepest JSON nesting turned into elements. */
const MAX_JSON_DEPTH = 32;

/**
 * A JSON value as the element it was made from: `#attributes` (or `@name` keys) are
 * attributes, `#text` the text, other keys child elements, arrays repeated elements. Under
 * `EventData`, evtx-rs writes `<Data Name="X">v</Data>` as `"X": v`: such keys become named
 * `Data` elements again, `Data` itself unnamed ones.
 */
function jsonElement(name: string, v: unknown, depth: number, inEventData = false): ElementNode {
  const attrs: AttrNode[] = [];
  const children: XNode[] = [];
  if (isObject(v) && depth < MAX_JSON_DEPTH) {
    for (const [k, child] of Object.entries(v)) {
      if (k === '#attributes' && isObject(child)) {
        for (const [an, av] of Object.entries(child)) attrs.push(textAttr(an, av));
      } else if (k.startsWith('@')) attrs.push(textAttr(k.slice(1), child));
      else if (k === '#text') for (const t of Array.isArray(child) ? child : [child]) children.push({ t: 'text', text: scalarText(t) ?? JSON.stringify(t) });
      else {
        const isData = name === 'EventData' && k !== 'Data' && k !== 'Binary';
        for (const item of Array.isArray(child) ? child : [child]) {
          if (isData) children.push(dataElement(k, item, depth + 1));
          else if (name === 'EventData' && k === 'Data' && isObject(item) && Array.isArray(item['#text']) && !('#attributes' in item)) {
            // evtx-rs writes several unnamed Data elements as one with a #text array.
            for (const t of item['#text'] as unknown[]) children.push(jsonElement('Data', t, depth + 1));
          } else children.push(jsonElement(k, item, depth + 1, name === 'EventData'));
        }
      }
    }
  } else {
    const s = scalarText(v);
    const text = s ?? JSON.stringify(v);
    if (text !== '' || inEventData) children.push({ t: 'text', text });
  }
  return { t: 'el', name, attrs, children };
}

function dataElement(dataName: string, v: unknown, depth: number): ElementNode {
  const el = jsonElement('Data', v, depth);
  return { ...el, attrs: [{ name: 'Name', value: [{ t: 'text', text: dataName }] }, ...el.attrs] };
}

function textAttr(name: string, v: unknown): AttrNode {
  return { name, value: [{ t: 'text', text: scalarText(v) ?? JSON.stringify(v) }] };
}
