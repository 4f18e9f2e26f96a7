/**
 * @module `|cidr`: IPv4 and IPv6 network ranges, and parsing of the addresses records hold
 * (IPv4 dotted quads, IPv6 with `::` shortening, an embedded IPv4 tail, a zone id, brackets, or
 * an IPv4-mapped IPv6 address, which is compared as the IPv4 address it carries).
 */

export interface Cidr {
  readonly text: string;
  readonly v6: boolean;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (!addr) return null;
  const bits = addr.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > bits) return null;
  }
  return { text: t, v6: addr.length === 16, bytes: addr, prefix };
}

/** Whether `value` is an address inside `cidr`. Values that are not addresses never match. */
export function cidrContains(cidr: Cidr, value: string): boolean {
  let addr = parseIp(value);
  if (!addr) return false;
  if (!cidr.v6 && addr.length === 16) addr = mappedV4(addr);
  if (addr === null || addr.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

function mappedV4(a: Uint8Array): Uint8Array | null {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return null;
  if (a[10] !== 0xff || a[11] !== 0xff) return null;
  return a.slice(12);
}

export function parseIp(text: string): Uint8Array | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (t.includes(':')) return parseV6(t);
  return parseV4(t);
}

function parseV4(t: string): Uint8Array | null {
  const parts = t.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseV6(t: string): Uint8Array | null {
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? t.slice(0, dbl) : t;
  const tail = dbl >= 0 ? t.slice(dbl + 2) : '';
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const groups: number[] = [];
    const pieces = s.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (!v4) return null;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        groups.push(parseInt(p, 16));
      }
    }
    return groups;
  };
  const h = parseGroups(head);
  const tl = parseGroups(tail);
  if (!h || !tl) return null;
  const missing = 8 - h.length - tl.length;
  if (dbl >= 0 ? missing < 1 : missing !== 0) return null;
  const groups = [...h, ...new Array<number>(dbl >= 0 ? missing : 0).fill(0), ...tl];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}
