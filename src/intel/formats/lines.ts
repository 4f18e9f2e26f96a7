/**
 * @module Line iteration shared by the list formats (text, LOKI, CSV): 1-based numbers, CRLF and
 * a UTF-8 BOM handled, overlong lines reported instead of read.
 */

/** Lines longer than this are skipped with a reason (a list line is never this long). */
export const MAX_LINE_LENGTH = 64 * 1024;

export interface Line {
  readonly line: number;
  readonly text: string;
}

export function* lines(text: string): Generator<Line> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let n = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    n++;
    let s = text.slice(start, end);
    if (s.endsWith('\r')) s = s.slice(0, -1);
    if (!(end === text.length && s === '' && start === text.length)) yield { line: n, text: s };
    start = end + 1;
  }
}
