/**
 * @module Sinks: where findings go once the engine has them (terminal report, JSON Lines, run
 * summary JSON, Test-ProxyLogon compatible files, evidence collection), and the escaping they
 * share. Re-exports only.
 *
 * Every sink follows `src/core/sink.ts` and `lifecycle.ts`: `begin` at most once, `write` per
 * finding, `close` once; any call after `close` rejects with `SinkClosedError`, a failure to
 * deliver rejects with `SinkError` (exit code 2). Sinks never print untrusted text unescaped.
 */
export * from './escape/index.js';
export { SinkError, SinkClosedError } from './lifecycle.js';
export * from './terminal/index.js';
export * from './jsonl/index.js';
export * from './summary-json/index.js';
export * from './proxylogon-csv/index.js';
export * from './collect/index.js';
