/**
 * @module The syslog channel (RFC 5424 over UDP, TCP, TLS; CEF or JSON). Re-exports only.
 */
export { syslogChannel, defaultSyslogPort } from './syslog.js';
export { CEF_SEVERITY, cefExtensions, cefHeader, cefValue, formatCef, type CefOptions } from './cef.js';
export { SYSLOG_SEVERITY, cutUtf8, formatRfc5424, octetFrame, pri, type Facility, type Rfc5424Fields } from './rfc5424.js';
export { syslogMessage, type SyslogFormat } from './format.js';
export { streamTransport, udpTransport, type SyslogTransport } from './transport.js';
