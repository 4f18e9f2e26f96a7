/**
 * @module The field convention of Windows event records (kind `event`), shared by every event
 * source (EVTX files, `wevtutil /f:xml` exports, `Get-WinEvent | ConvertTo-Json`, JSON Lines such
 * as the OTRF datasets, the live event log API) and every detector that reads them (built-in
 * rules, Sigma).
 *
 * One event is one flat record:
 * - System fields under these exact names: `EventID` (decimal text), `Channel`, `Provider_Name`,
 *   `Provider_Guid`, `Computer`, `Level` (decimal text), `Task`, `Opcode`, `Keywords`,
 *   `EventRecordID`, `TimeCreated` (ISO 8601 UTC), `ProcessID`, `ThreadID`, `UserID` (the SID in
 *   System/Security), `Version`;
 * - every `EventData/Data` element as a field named by its `Name` attribute (`CommandLine`,
 *   `Image`, `TargetFilename`...); unnamed Data elements as `Data1`, `Data2`, ...;
 * - `UserData` children flattened to their leaf element names (first occurrence wins);
 * - `Message`, when the source has a rendered message (JSON exports, wevtutil RenderingInfo);
 * - `Data`: all EventData/UserData values joined with a space, for keyword searches.
 * The record's `time` is TimeCreated; its origin has `recordId` = EventRecordID and `line` null
 * (binary files) or the line of the event in a text export.
 */
export const EVENT_SYSTEM_FIELDS = [
  'EventID',
  'Channel',
  'Provider_Name',
  'Provider_Guid',
  'Computer',
  'Level',
  'Task',
  'Opcode',
  'Keywords',
  'EventRecordID',
  'TimeCreated',
  'ProcessID',
  'ThreadID',
  'UserID',
  'Version',
] as const;
