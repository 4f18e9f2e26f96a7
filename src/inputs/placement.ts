/**
 * @module Placement: what a file in an input tree is to exhunt (a log of some kind, a file in a
 * folder where web shells or dumps are planted, or nothing). Decided from its path alone.
 */
import type { LogKind } from '../sources/source.js';

/**
 * Folders swept for planted files:
 * - `aspnet-client`: `inetpub\wwwroot\aspnet_client` and below (any .aspx/.ashx/.asmx is suspect)
 * - `wwwroot`: the rest of `inetpub\wwwroot`
 * - `owa-auth`: `FrontEnd\HttpProxy\owa\auth` and below, including `Current` and version folders
 * - `ecp-auth`: `FrontEnd\HttpProxy\ecp\auth` (only TimeoutLogoff.aspx is standard)
 * - `oab`: `FrontEnd\HttpProxy\OAB` and `ClientAccess\OAB`
 * - `staging`: `C:\root`, `%WINDIR%\Temp` (lsass dumps)
 * - `programdata`: `%ProgramData%` (archives staged for exfiltration)
 * - `other`: any other file, only with `scan --deep`, and then only for whole-file scanners
 *   (YARA): exhunt's file rules are written for the zones above.
 */
export const SWEEP_ZONES = ['aspnet-client', 'wwwroot', 'owa-auth', 'ecp-auth', 'oab', 'staging', 'programdata', 'other'] as const;
export type SweepZone = (typeof SWEEP_ZONES)[number];

export type Placement =
  | {
      readonly type: 'log';
      readonly kind: LogKind;
      /** Coverage label: `HttpProxy/<Protocol>`, `ECP Server`, `OAB Generator`, `IIS W3SVC<n>`, `Event log/<name>`. */
      readonly source: string;
      /**
       * Which parser of the kind, for kinds with several formats: event logs are `evtx`,
       * `wevtutil-xml`, `winevent-json`, `jsonl-flat` or `jsonl-nested`. Absent: the kind's only parser.
       */
      readonly format?: string;
    }
  | {
      readonly type: 'sweep';
      readonly zone: SweepZone;
      /** The file's path on the server, e.g. `C:\inetpub\wwwroot\aspnet_client\x.aspx`. */
      readonly windowsPath: string;
    };
