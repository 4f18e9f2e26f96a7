/**
 * @module Windows events from JSON, as records of kind `event` following the field convention
 * of src/core/event.ts. For `exhunt sigma test --events` and for the regression suite; the
 * engine's own JSON event source is expected to produce the same records.
 *
 * Shapes read:
 * - nested, as evtx_dump and SigmaHQ's regression data write it:
 *   `{"Event": {"System": {...}, "EventData": {...}, "UserData": {...}}}`, with XML attributes
 *   under `#attributes` and element text under `#text`;
 * - flat, as the OTRF / Mordor datasets (Winlogbeat-like) write it: `EventID`, `Channel`,
 *   `SourceName`, `Hostname`, `TimeCreated` and the event data fields side by side;
 * - `Get-WinEvent | ConvertTo-Json`: `Id`, `LogName`, `ProviderName`, `MachineName`,
 *   `RecordId`, `TimeCreated`, `Message`, and `Properties` as unnamed data (`Data1`, ...).
 * A file may hold one JSON value, an array of events, JSON Lines, or several JSON values one
 * after another.
 */
import { EVENT_SYSTEM_FIELDS } from '../../../core/event.js';
import type { LogRecord } from '../../../core/record.js';
import { MapRecord } from '../../../core/record.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(text).join(' ');
  if ('#text' in v) return text(v['#text']);
  if ('Value' in v) return text(v.Value);
  return '';
}

function attr(v: Json | undefined, name: string): string | undefined {
  if (!isObj(v)) return undefined;
  const a = v['#attributes'];
  if (isObj(a) && a[name] !== undefined) return text(a[name]);
  return undefined;
}

/** Converts one parsed JSON event; null when the value does not look like an event. */
export function eventFromJson(value: unknown, path: string, line: number | null): LogRecord | null {
  if (!isObj(value as Json)) return null;
  const v = value as JsonObject;
  const fields: Record<string, string> = {};
  const data: string[] = [];
  const event = isObj(v.Event) ? v.Event : isObj(v.System) ? v : null;
  if (event) {
    const sys = isObj(event.System) ? event.System : {};
    const set = (k: string, x: string | undefined): void => {
      if (x !== undefined) fields[k] = x;
    };
    set('EventID', sys.EventID !== undefined ? text(sys.EventID) : undefined);
    set('Provider_Name', attr(sys.Provider, 'Name'));
    set('Provider_Guid', attr(sys.Provider, 'Guid'));
    set('Provider_EventSourceName', attr(sys.Provider, 'EventSourceName'));
    for (const k of ['Version', 'Level', 'Task', 'Opcode', 'Keywords', 'EventRecordID', 'Channel', 'Computer']) set(k, sys[k] !== undefined && sys[k] !== null ? text(sys[k]) : undefined);
    set('TimeCreated', attr(sys.TimeCreated, 'SystemTime'));
    // src/core/event.ts names these ProcessID and ThreadID; the Sigma specification ("Field
    // Usage") names them Execution_ProcessID and Execution_ThreadID. Both are set; records look
    // names up case-insensitively, so Sysmon's EventData ProcessId (set later) wins the plain one.
    set('ProcessID', attr(sys.Execution, 'ProcessID'));
    set('ThreadID', attr(sys.Execution, 'ThreadID'));
    set('Execution_ProcessID', attr(sys.Execution, 'ProcessID'));
    set('Execution_ThreadID', attr(sys.Execution, 'ThreadID'));
    set('UserID', attr(sys.Security, 'UserID'));
    set('ActivityID', attr(sys.Correlation, 'ActivityID'));
    const ed = event.EventData;
    if (isObj(ed)) {
      let unnamed = 0;
      for (const [k, x] of Object.entries(ed)) {
        if (k === '#attributes') continue;
        if (k === 'Data' && Array.isArray(x)) {
          for (const item of x) {
            const name = attr(item, 'Name');
            const t = text(item);
            if (name) fields[name] = t;
            else fields[`Data${++unnamed}`] = t;
            if (t !== '') data.push(t);
          }
          continue;
        }
        const t = text(x);
        if (!(k in fields) || k === 'ProcessID' || k === 'ThreadID') fields[k] = t;
        if (t !== '') data.push(t);
      }
    } else if (ed !== undefined && ed !== null) {
      const t = text(ed);
      fields.Data1 = t;
      if (t !== '') data.push(t);
    }
    if (isObj(event.UserData)) flattenUserData(event.UserData, fields, data);
    if (typeof event.RenderingInfo === 'object' && isObj(event.RenderingInfo) && event.RenderingInfo.Message !== undefined) fields.Message = text(event.RenderingInfo.Message);
  } else if (v.EventID !== undefined || v.Channel !== undefined) {
    for (const [k, x] of Object.entries(v)) {
      const t = text(x);
      const key = k === 'SourceName' ? 'Provider_Name' : k === 'Hostname' ? 'Computer' : k === 'ProviderGuid' ? 'Provider_Guid' : k === 'RecordNumber' ? 'EventRecordID' : k;
      if (!(key in fields)) fields[key] = t;
      if (!SYSTEM.has(key) && !FLAT_META.has(k) && t !== '') data.push(t);
    }
  } else if (v.Id !== undefined && (v.LogName !== undefined || v.ProviderName !== undefined)) {
    fields.EventID = text(v.Id);
    fields.Channel = text(v.LogName);
    fields.Provider_Name = text(v.ProviderName);
    if (v.MachineName !== undefined) fields.Computer = text(v.MachineName);
    if (v.RecordId !== undefined) fields.EventRecordID = text(v.RecordId);
    if (v.Level !== undefined) fields.Level = text(v.Level);
    if (v.Message !== undefined) fields.Message = text(v.Message);
    const ms = /\/Date\((-?\d+)\)\//.exec(text(v.TimeCreated));
    if (ms) fields.TimeCreated = new Date(Number(ms[1])).toISOString();
    else if (v.TimeCreated !== undefined) fields.TimeCreated = text(v.TimeCreated);
    if (Array.isArray(v.Properties)) {
      v.Properties.forEach((p, i) => {
        const t = text(p);
        fields[`Data${i + 1}`] = t;
        if (t !== '') data.push(t);
      });
    }
  } else {
    return null;
  }
  if (!('Data' in fields)) fields.Data = data.join(' ');
  const time = normalizeTime(fields.TimeCreated);
  if (time !== null) fields.TimeCreated = time;
  const rid = Number(fields.EventRecordID);
  return new MapRecord('event', { path, line, kind: 'event', ...(Number.isInteger(rid) ? { recordId: rid } : {}) }, time, fields);
}

const SYSTEM = new Set<string>(EVENT_SYSTEM_FIELDS);
/** Flat-export fields that are metadata of the export, not event data. */
const FLAT_META = new Set(['@timestamp', '@version', 'Message', 'host', 'port', 'tags', 'EventType', 'SourceModuleName', 'SourceModuleType', 'EventReceivedTime', 'Severity', 'SeverityValue', 'Category', 'Hostname', 'SourceName', 'ProviderGuid', 'RecordNumber']);

function flattenUserData(o: JsonObject, fields: Record<string, string>, data: string[]): void {
  for (const [k, x] of Object.entries(o)) {
    if (k === '#attributes') continue;
    if (isObj(x) && !('#text' in x)) {
      flattenUserData(x, fields, data);
      continue;
    }
    const t = text(x);
    if (!(k in fields)) fields[k] = t;
    if (t !== '') data.push(t);
  }
}

function normalizeTime(t: string | undefined): string | null {
  if (!t) return null;
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(t.trim()) ? t.trim().replace(' ', 'T') : null;
  if (!iso) return null;
  const d = new Date(/Z|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Every event of a JSON text (one value, an array, JSON Lines or values one after another).
 * Throws SyntaxError with the line of the first value that is not JSON.
 */
export function readJsonEvents(content: string, path: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const { value, line } of splitJsonValues(content)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const rec = eventFromJson(item, path, line);
      if (rec) out.push(rec);
    }
  }
  return out;
}

/** Splits text holding JSON values one after another (pretty-printed or one per line). */
export function splitJsonValues(content: string): { value: unknown; line: number }[] {
  const out: { value: unknown; line: number }[] = [];
  let i = content.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = content.length;
  while (i < n) {
    const c = content[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const startLine = line;
    if (c === '{' || c === '[') {
      let depth = 0;
      let inStr = false;
      for (; i < n; i++) {
        const ch = content[i]!;
        if (ch === '\n') line++;
        if (inStr) {
          if (ch === '\\') i++;
          else if (ch === '"') inStr = false;
          continue;
        }
        if (ch === '"') inStr = true;
        else if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
    } else {
      while (i < n && content[i] !== '\n') i++;
    }
    const piece = content.slice(start, i);
    try {
      out.push({ value: JSON.parse(piece) as unknown, line: startLine });
    } catch (e) {
      throw new SyntaxError(`line ${startLine}: not JSON (${(e as Error).message})`, { cause: e });
    }
  }
  return out;
}
