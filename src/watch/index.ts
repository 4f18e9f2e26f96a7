/**
 * @module `exhunt watch`: the scan's checks applied to every new log line, event and file of a
 * live Exchange server or a growing triage folder, with alerts that are never lost and never
 * sent twice. Re-exports only.
 *
 * Owns: following files (new, rotated, truncated, replaced, half-written), the checkpoint per
 * source and the batch transaction that commits it together with the alerts it produced, the
 * watch config file and `--check`. Uses: the engine's planner, parsers and matcher (unchanged),
 * the alerts outbox and dispatcher, the store. Must not: parse formats itself or decide about
 * delivery (the outbox does). Design and guarantees: docs/watch.md.
 */
export { Watcher, type WatchEvent, type WatchOptions } from './watcher.js';
export { WatchState, WATCH_MIGRATIONS, ORPHAN_PREFIX, type Checkpoint, type StartMode } from './state.js';
export { parseWatchConfig, loadWatchConfig, watchConfigSchema, type WatchConfig } from './config.js';
export { resolveWatchSetup, ensureStateDir, watchOptions, DEFAULT_MAX_CPU, type WatchFlags, type WatchSetup } from './setup.js';
export { checkWatchSetup, type CheckLine } from './check.js';
export { jsonlChannel, keysOfJsonLines } from './jsonl-channel.js';
export { cutLines, HeaderContext, textLayout, type Cut, type CutOptions, type TextLayout } from './lines.js';
export { parseSlice, PlacedRecord } from './replay.js';
export { tailStep, wholeStep, baselineCheckpoint, modeOf, HEAD_BYTES, type SourceMode } from './sources.js';
export { CpuThrottle } from './throttle.js';
export { formatFindingLine } from './print.js';
