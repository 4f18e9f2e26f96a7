/**
 * @module One line per finding on the terminal while watching: time, severity, host, title,
 * client, where (path:line) and rule id. Every value from logs is escaped.
 */
import type { Finding } from '../core/finding.js';
import { makeStyle, safe, severityLabel, utc } from '../sinks/terminal/style.js';

export function formatFindingLine(f: Finding, color: boolean): string {
  const s = makeStyle(color, false);
  const where = `${safe(f.source.path, 200)}${f.source.line === null ? '' : `:${f.source.line}`}`;
  const from = f.clientIp === null ? '' : `  from ${s.c.bold(safe(f.clientIp, 64))}`;
  return `${utc(f.time, '(no time)'.padEnd(20))}  ${severityLabel(f.severity, s)}  ${safe(f.host, 64)}  ${s.c.bold(safe(f.title, 160))}${from}  ${s.c.cyan(where)}  ${s.c.dim(safe(f.ruleId, 120))}`;
}
