/**
 * @module Inventory: every Exchange server's build (from build strings, PowerShell exports,
 * triage folders or an HTTPS probe), which exploited vulnerability families it is still open to,
 * what to install, the mitigations in place, and the history of those answers.
 *
 * Owns `content/exchange/` (build table, products, fix table) and its evaluation; reads inputs
 * through src/inputs and prints through src/sinks/escape. Re-exports only.
 */
export * from './types.js';
export { parseBuild, formatShort, formatLong, compareBuilds, findBuild, type Build } from './build.js';
export { BuildCatalog, type CuLine, type CatalogEntry } from './catalog.js';
export { loadExchangeContent, defaultExchangeContentDir, type ExchangeContent, type LoadResult } from './content/load.js';
export * from './content/schema.js';
export { evaluate, worstStatus, type EvaluateOptions } from './evaluate.js';
export { supportStatus, currentLines } from './support.js';
export { observeArgument, type ObserveResult } from './observe/index.js';
export { observeTriage } from './observe/triage.js';
export { readPeVersion, type PeVersionInfo } from './observe/pe-version.js';
export { parseTable, type Table, type Row } from './observe/tables.js';
export { parseLogHead } from './observe/log-builds.js';
export { iisPosture, type ConfigFile } from './posture/iis.js';
export { exportPosture } from './posture/exports.js';
export { parseXml } from './posture/xml.js';
export { parseTarget, parseTargetsFile, type Target } from './probe/targets.js';
export { proxyFromEnv, type HttpOptions } from './probe/http.js';
export { probeTarget, probeAll, NMAP_26855, type ProbeOptions, type ProbeOutcome } from './probe/probe.js';
export { HistoryStore, HistoryStoreError, legacyHistoryPath, type OpenHistoryOptions, type RunKind } from './history/store.js';
export { INVENTORY_MIGRATIONS } from './history/schema.js';
export { trend, changesSinceLast, type Trend, type Changes } from './history/trend.js';
export { trendSvg } from './history/svg.js';
export { renderReport } from './report/terminal.js';
export { toJsonl, toCsv, CSV_COLUMNS } from './report/files.js';
export { refreshBuilds, parseBuildPage, mergePage, buildsYaml } from './refresh/index.js';
export { runInventory, runProbe, inventoryExitCode, loadContentOrThrow, type RunResult } from './run.js';
