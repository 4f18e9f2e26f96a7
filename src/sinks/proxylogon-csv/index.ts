/**
 * @module Test-ProxyLogon compatible report files. Re-exports only.
 */
export { proxyLogonCsvSink, type ProxyLogonCsvOptions, type ProxyLogonCsvSink } from './proxylogon-csv.js';
export { LOG_AGE_COLUMNS, REPORT_FILES } from './reports.js';
