/**
 * @module `wevtutil qe <log> /f:xml` output (and `/f:RenderedXml`, `/e:root`, Event Viewer's
 * "Save as XML", `Get-WinEvent | % ToXml`): a sequence of `<Event>` elements, with or without a
 * root element, UTF-8 or UTF-16. Fields follow the event convention; a `RenderingInfo/Message`
 * becomes `Message`. The origin line is the line of the `<Event` start tag.
 */
import { EventFieldsBuilder } from '../evtx/event-record.js';
import { addEventFields } from '../evtx/fields.js';
import { CappedDiagnostics } from '../lines/capped-diagnostics.js';
import type { LogParser } from '../source.js';
import { ExportStats, readText } from './common.js';
import { EventXmlReader } from './xml-events.js';

export const parseWevtutilXml: LogParser = async (input, options) => {
  const stream = await input.open();
  const diags = new CappedDiagnostics(options.onDiagnostic, input.path);
  const stats = new ExportStats();
  const reader = new EventXmlReader(
    ({ event, line }) => {
      const b = new EventFieldsBuilder();
      addEventFields(b, { el: event, values: [] });
      stats.emit(b.build(), input.path, line, options);
    },
    ({ line, message }) => diags.report('warning', 'bad-event', message, line),
  );
  const encoding = await readText(stream, (text) => reader.push(text), diags);
  reader.end();
  diags.finish();
  return stats.stats(encoding);
};
