/**
 * Test helpers: reading a received mail (headers, quoted-printable body).
 */

export interface ParsedMail {
  readonly headers: Map<string, string>;
  /** Decoded body (quoted-printable undone, UTF-8), `\n` line ends. */
  readonly body: string;
  /** The body as transferred (`\n` line ends). */
  readonly rawBody: string;
}

export function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] ?? '';
    if (c === '=' && /^[0-9A-F]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseMail(text: string): ParsedMail {
  const normal = text.replace(/\r\n/g, '\n');
  const split = normal.indexOf('\n\n');
  const head = normal.slice(0, split).replace(/\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\n')) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(i + 1).trim());
  }
  const rawBody = normal.slice(split + 2);
  return { headers, body: decodeQuotedPrintable(rawBody), rawBody };
}

/** RFC 2047 encoded words decoded (B encoding only, as exhunt writes). */
export function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/g, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8')).trim();
}
