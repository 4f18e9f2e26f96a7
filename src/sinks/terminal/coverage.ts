/**
 * @module The coverage table of a host's section: how far back each log source reaches, and
 * which sources do not reach the start of the attack window. "Nothing found" in logs that start
 * after the attack is not "clean", and responders must see that next to the verdict.
 */
import type { Coverage, HostReport } from '../../core/summary.js';
import type { Style } from './style.js';
import { safe, table, utcMinutes } from './style.js';

const HEAD = ['SOURCE', 'FILES', 'OLDEST', 'NEWEST', 'DAYS', 'REACHES WINDOW'];
const WINDOW_COL = 5;

function gapReason(cv: Coverage, since: string): string {
  if (cv.oldest === null) return 'has no dated entries';
  return `starts ${utcMinutes(cv.oldest)}, after the window start ${utcMinutes(since)}`;
}

export function coverageSection(host: HostReport, since: string, s: Style): string[] {
  const lines = ['', `  ${s.c.bold('Log coverage')} ${s.c.dim(`(attack window from ${utcMinutes(since)})`)}`];
  if (host.coverage.length === 0) {
    lines.push(s.c.yellow(`  ⚠ No log sources were found for this host: "clean" cannot be concluded from this scan.`));
    return lines;
  }
  const rows = [
    HEAD,
    ...host.coverage.map((cv) => [
      safe(cv.source, 60),
      String(cv.files),
      utcMinutes(cv.oldest),
      utcMinutes(cv.newest),
      cv.days === null ? '-' : cv.days.toFixed(1),
      cv.coversWindow ? 'yes' : 'NO ⚠',
    ]),
  ];
  const gaps = host.coverage.filter((cv) => !cv.coversWindow);
  lines.push(
    ...table(rows, new Set([1, 4]), (r, col, padded) => {
      if (r === 0) return s.c.dim(padded);
      return col === WINDOW_COL && !host.coverage[r - 1]?.coversWindow ? s.c.yellow(padded) : padded;
    }).map((l) => `    ${l}`),
  );
  for (const cv of gaps) {
    lines.push(s.c.yellow(`  ⚠ ${safe(cv.source, 60)} ${gapReason(cv, since)}: "clean" cannot be concluded from it.`));
  }
  return lines;
}
