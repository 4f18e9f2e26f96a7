/**
 * @module Event exports users have instead of (or beside) .evtx files: `wevtutil qe /f:xml`
 * output, `Get-WinEvent | ConvertTo-Json`, and JSON Lines events, flat (OTRF/NXLog) or nested
 * (evtx-rs, SigmaHQ regression data). Each is a `LogParser` producing the same `event` records
 * as the EVTX reader (see `src/core/event.ts`), with the line of each event in its origin.
 * Re-exports, plus the parser for each kind, and the wevtutil runner that reads a live host's
 * channels as wevtutil XML (wevtutil.ts).
 */
import type { LogParser } from '../source.js';
import type { EventExportKind } from './detect.js';
import { parseJsonlFlat, parseJsonlNested, parseWinEventJson } from './json-events.js';
import { parseWevtutilXml } from './wevtutil-xml.js';

export { detectEventExport, EVENT_EXPORT_DETECT_BYTES } from './detect.js';
export type { EventExportKind } from './detect.js';
export { parseWevtutilXml } from './wevtutil-xml.js';
export { parseWinEventJson, parseJsonlFlat, parseJsonlNested, winEventFields, flatEventFields, nestedEventFields, dotNetTime, windowsGuid } from './json-events.js';
export { EventXmlReader, decodeEntities } from './xml-events.js';
export type { XmlEvent, XmlProblem } from './xml-events.js';
export { JsonValueSplitter, quoteBigIntegers } from './json-values.js';
export { openWevtutilChannel, wevtutilArguments, LIVE_EVENT_CHANNELS, type WevtutilOptions } from './wevtutil.js';

/** The parser for each kind of event export. */
export const eventExportParsers: Readonly<Record<EventExportKind, LogParser>> = {
  'wevtutil-xml': parseWevtutilXml,
  'winevent-json': parseWinEventJson,
  'jsonl-flat': parseJsonlFlat,
  'jsonl-nested': parseJsonlNested,
};
