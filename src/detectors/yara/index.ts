/**
 * @module YARA: signature-base, Volexity, CISA CHIRP and users' YARA rules over swept files and
 * log lines, compiled once per run with the YARA-X binding (or the `yara` command where the
 * binding cannot load). Owns rule loading, compiling and matching; which files and lines are
 * scanned is the engine's job (see docs/yara.md for the API the scan pipeline calls).
 */
export { YaraScanner, readForYara, fileType, DEFAULT_MAX_FILE_BYTES } from './scan.js';
export { YaraPool } from './pool.js';
export type { YaraPoolOptions } from './pool.js';
export { LogLinesPass, scanLogLines } from './log-lines.js';
export type { BatchLineScanner, LineScanner, LogLinesOptions } from './log-lines.js';
export type { LineBatch } from './line-batch.js';
export type { YaraFileInput, YaraLineBatch, YaraLineOrigin, YaraScannerOptions, YaraScanStats } from './scan.js';
export { compileYara, DEFAULT_LIMITS } from './compile.js';
export type { CompiledYara, CompileFailure, RuleFacts, YaraCompileOptions, YaraCompileReport } from './compile.js';
export { engineInfo, formatEngineInfo, bindingPackage, findYaraCommand } from './loader.js';
export type { EngineInfo, EnginePreference } from './loader.js';
export { openEngine } from './engines.js';
export type { ScanLimits, YaraEngine } from './engine.js';
export { severityOfScore, outcomeOf, DEFAULT_SCORE } from './hits.js';
export { EXTERNALS, classifyContent, isLogRule, isWebshellRule } from './rule-class.js';
