/**
 * @module ECP server log parser (record kind `ecp`): `Logging\ECP\Server\ECPServer*.LOG`, where
 * Exchange records the cmdlets the control panel ran (CVE-2021-27065's
 * `Set-OabVirtualDirectory -ExternalUrl` shows up here).
 *
 * An Exchange CSV log with columns `TimeStamp,ServerName,EventId,EventData`. Each `S:KEY=VALUE`
 * pair of EventData is exposed as an extra field named by KEY (`CMD`, `URL`, `SID`, ...), beside
 * the raw `EventData` column; a pair named like a column (unlikely) is shadowed by the column.
 */
import type { RowRecord } from '../common/row-record.js';
import { exchangeCsvParser } from '../exchange-csv/exchange-csv-parser.js';
import type { LogParser } from '../source.js';
import { parseEventData } from './event-data.js';

/** Parses an ECP server log. */
export const parseEcp: LogParser = exchangeCsvParser({
  kind: 'ecp',
  timeColumn: 'TimeStamp',
  serverColumn: 'ServerName',
  extra: eventDataFields,
});

function eventDataFields(row: RowRecord): Record<string, string> | undefined {
  const i = row.columns.indexOf('EventData');
  if (i === undefined) return undefined;
  return parseEventData(row.value(i));
}
