/**
 * @module JSON parsing with a location: a syntax error names the line and column, not just the
 * character offset V8 reports.
 */
import { FormatError } from './types.js';

export function parseJson(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : locateJsonError(body);
    let line = 1;
    let column = 1;
    for (let i = 0; i < Math.min(offset, body.length); i++) {
      if (body.charCodeAt(i) === 10) {
        line++;
        column = 1;
      } else column++;
    }
    const reason = offset >= body.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(body.slice(offset, offset + 12))}`;
    throw new FormatError(`malformed JSON at line ${line}, column ${column}: ${reason}`, { file, line, path: `column ${column}` });
  }
}

/**
 * Offset of the first JSON syntax error (V8 does not always say where). A small validator with an
 * explicit stack, so deeply nested garbage cannot overflow the call stack.
 */
export function locateJsonError(s: string): number {
  let i = 0;
  const n = s.length;
  const ws = (): void => {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const stack: ('{' | '[')[] = [];
  // States: expecting a value; after a value (expecting , or close).
  let expectValue = true;
  let expectKey = false;
  for (;;) {
    ws();
    if (i >= n) return n;
    const c = s[i]!;
    if (expectKey) {
      if (c === '}') {
        // empty object (a `}` after `,` was refused below)
        stack.pop();
        i++;
        expectKey = false;
        expectValue = false;
        if (stack.length === 0) return afterTop();
        continue;
      }
      if (c !== '"') return i;
      const end = scanString(s, i);
      if (end < 0) return i;
      i = end;
      ws();
      if (s[i] !== ':') return i;
      i++;
      expectKey = false;
      expectValue = true;
      continue;
    }
    if (expectValue) {
      if (c === '{') {
        stack.push('{');
        i++;
        expectKey = true;
        continue;
      }
      if (c === '[') {
        stack.push('[');
        i++;
        ws();
        if (s[i] === ']') {
          stack.pop();
          i++;
          expectValue = false;
          if (stack.length === 0) return afterTop();
        }
        continue;
      }
      let end = -1;
      if (c === '"') end = scanString(s, i);
      else if (c === '-' || (c >= '0' && c <= '9')) {
        const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
        end = m ? i + m[0].length : -1;
      } else {
        for (const lit of ['true', 'false', 'null']) if (s.startsWith(lit, i)) end = i + lit.length;
      }
      if (end < 0) return i;
      i = end;
      expectValue = false;
      if (stack.length === 0) return afterTop();
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === ',') {
      i++;
      if (top === '{') expectKey = true;
      else expectValue = true;
      ws();
      if (top === '{' && s[i] === '}') return i;
      continue;
    }
    if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
      stack.pop();
      i++;
      if (stack.length === 0) return afterTop();
      continue;
    }
    return i;
  }
  function afterTop(): number {
    ws();
    return i;
  }
}

function scanString(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
    else if (c < 0x20) return -1;
  }
  return -1;
}

/** A JSON object (not array, not null), or undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}
