/**
 * @module IP addresses and CIDR ranges: strict parsing and canonical text.
 *
 * Canonical forms: IPv4 dotted quad without leading zeros; IPv6 compressed as RFC 5952 says
 * (lower-case hex, no leading zeros, the longest run of two or more zero groups as `::`, the
 * first one on a tie); a range as `network/prefix` with host bits cleared; a single address
 * without `/32` or `/128`. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address.
 */

export type IpVersion = 4 | 6;

export interface ParsedIp {
  readonly version: IpVersion;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface ParsedCidr extends ParsedIp {
  readonly prefix: number;
}

/** Parses a dotted quad; octets with leading zeros are refused (octal in some parsers). */
export function parseIPv4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  let leadingZero = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3 || (leadingZero && digits > 1)) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return null;
    if (digits === 0) leadingZero = c === 48;
    value = value * 10 + (c - 48);
    if (++digits > 3 || value > 255) return null;
  }
  return part === 4 ? out : null;
}

/** Parses IPv6 text (with `::`, an IPv4 tail, a `%zone` or brackets). */
export function parseIPv6(input: string): Uint8Array | null {
  let text = input;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return null;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An IPv4 tail stands for the last two groups.
    const tail = parseIPv4(last);
    if (!tail) return null;
    text = `${text.slice(0, lastColon + 1)}${((tail[0]! << 8) | tail[1]!).toString(16)}:${((tail[2]! << 8) | tail[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Parses either version. An IPv4-mapped IPv6 address comes back as IPv4. */
export function parseIp(text: string): ParsedIp | null {
  const t = text.trim();
  if (t.includes(':')) {
    const b = parseIPv6(t);
    if (!b) return null;
    const v4 = mappedV4(b);
    return v4 ? { version: 4, bytes: v4 } : { version: 6, bytes: b };
  }
  const b = parseIPv4(t);
  return b ? { version: 4, bytes: b } : null;
}

/** `a/n` or a single address (prefix = full length). Host bits are cleared. */
export function parseCidr(text: string): ParsedCidr | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const ip = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (!ip) return null;
  const bits = ip.bytes.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    // A mapped address with a v6 prefix: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
    if (ip.version === 4 && t.slice(0, slash).includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > bits) return null;
  }
  const bytes = ip.bytes.slice();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return { version: ip.version, bytes, prefix };
}

export function mappedV4(b: Uint8Array): Uint8Array | null {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return null;
  if (b[10] !== 0xff || b[11] !== 0xff) return null;
  return b.slice(12);
}

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text of 16 bytes. */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[i * 2]! << 8) | b[i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of a range (single addresses without a prefix). */
export function formatCidr(c: ParsedCidr): string {
  const addr = c.version === 4 ? formatIPv4(c.bytes) : formatIPv6(c.bytes);
  return c.prefix === c.bytes.length * 8 ? addr : `${addr}/${c.prefix}`;
}

/** True for addresses that are not routable on the internet (private, loopback, link-local...). */
export function isNonPublic(c: ParsedCidr): boolean {
  const b = c.bytes;
  if (c.version === 4) {
    return (
      b[0] === 10 ||
      b[0] === 127 ||
      b[0] === 0 ||
      (b[0] === 169 && b[1] === 254) ||
      (b[0] === 172 && (b[1]! & 0xf0) === 16) ||
      (b[0] === 192 && b[1] === 168) ||
      (b[0] === 100 && (b[1]! & 0xc0) === 64) ||
      b[0]! >= 224
    );
  }
  const allZero = b.slice(0, 15).every((x) => x === 0);
  return (allZero && (b[15] === 1 || b[15] === 0)) || (b[0]! & 0xfe) === 0xfc || (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) || b[0] === 0xff;
}

/**
 * The address in a logged client-address field: `192.0.2.1`, `192.0.2.1:51234`,
 * `[2001:db8::1]:443`, `2001:db8::1`. Several comma-separated addresses (a proxy chain) give
 * several results. Returns canonical parsed addresses.
 */
export function addressesInField(field: string): ParsedIp[] {
  // Fast path: one plain IPv4 address, the usual c-ip / ClientIpAddress.
  const v4 = parseIPv4(field);
  if (v4) return [{ version: 4, bytes: v4 }];
  const out: ParsedIp[] = [];
  for (const raw of field.split(',')) {
    let t = raw.trim();
    if (t === '') continue;
    if (t.startsWith('[')) {
      const end = t.indexOf(']');
      if (end > 0) t = t.slice(1, end);
    } else if (t.indexOf(':') === t.lastIndexOf(':') && t.includes('.')) {
      const colon = t.indexOf(':');
      if (colon > 0) t = t.slice(0, colon); // v4 with a port
    }
    const ip = parseIp(t);
    if (ip) out.push(ip);
  }
  return out;
}
