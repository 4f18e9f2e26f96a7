/**
 * @module What a rule is for, read from its text: log lines or files, text or binary files, web
 * shells, and which external variables it reads. These answers route rules into the compiled
 * sets (see docs/yara.md "Which rules run where").
 *
 * The binary/text split is an optimisation that must never lose a match on a text file: a rule
 * leaves the text set only when its condition requires, at the top level, a header that a file
 * classified as text cannot start with (see `isBinaryHeader` and `classifyContent`).
 */
import type { MetaValue, RuleText } from './rule-text.js';
import { unquote } from './rule-text.js';

/** External variables of signature-base, Loki and THOR, always declared (empty string by default). */
export const EXTERNALS = ['filename', 'filepath', 'extension', 'filetype', 'owner', 'md5'] as const;
export type ExternalName = (typeof EXTERNALS)[number];

/** File headers that mark a file as binary even without NUL bytes in its head. */
const BINARY_PREFIXES: readonly Buffer[] = [
  Buffer.from('MZ', 'latin1'),
  Buffer.from('\x7fE', 'latin1'),
  Buffer.from([0xfe, 0xed, 0xfa]),
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]),
];

/** How many leading bytes `classifyContent` looks at for NUL bytes. */
export const CLASSIFY_HEAD_BYTES = 8192;

/**
 * `binary` when the head holds a NUL byte (UTF-16 text with a byte-order mark excepted) or
 * starts with an executable header; otherwise `text`.
 */
export function classifyContent(data: Uint8Array): 'text' | 'binary' {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, CLASSIFY_HEAD_BYTES));
  if (BINARY_PREFIXES.some((p) => head.subarray(0, p.length).equals(p))) return 'binary';
  const bom = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  if (bom) return 'text';
  return head.includes(0) ? 'binary' : 'text';
}

/** True when every file that starts with `header` is classified binary. */
export function isBinaryHeader(header: Buffer): boolean {
  if (header.includes(0)) return true;
  return BINARY_PREFIXES.some((p) => header.length >= p.length && header.subarray(0, p.length).equals(p));
}

const READ_FNS: Readonly<Record<string, { size: number; be: boolean }>> = {
  uint8: { size: 1, be: false },
  uint16: { size: 2, be: false },
  uint32: { size: 4, be: false },
  uint16be: { size: 2, be: true },
  uint32be: { size: 4, be: true },
  int8: { size: 1, be: false },
  int16: { size: 2, be: false },
  int32: { size: 4, be: false },
  int16be: { size: 2, be: true },
  int32be: { size: 4, be: true },
};

/**
 * Headers the rule's condition requires at offset 0, as alternatives (the file must start with
 * one of them), or null when the condition requires none that this reader recognises.
 * Recognised top-level conjuncts: `uint16(0) == 0x5A4D` (any read function, either side),
 * `$mz at 0` for a plain text or fixed hex string, `pe.is_pe`, and a parenthesised `or` of these.
 */
export function requiredHeaders(rule: RuleText): Buffer[] | null {
  const conjuncts = splitTop(rule.condition, 'and');
  if (conjuncts.length === 0 || splitTop(rule.condition, 'or').length > 1) return null;
  for (const c of conjuncts) {
    const h = headerOf(c, rule);
    if (h) return h;
  }
  return null;
}

function headerOf(tokens: readonly string[], rule: RuleText): Buffer[] | null {
  const t = [...tokens];
  if (t[0] === '(' && closingParen(t, 0) === t.length - 1) {
    const alts = splitTop(t.slice(1, -1), 'or');
    const out: Buffer[] = [];
    for (const a of alts) {
      const h = alts.length === 1 ? headerOf(a, rule) : single(a, rule);
      if (!h) return null;
      out.push(...h);
    }
    return out;
  }
  return single(t, rule);
}

function single(t: readonly string[], rule: RuleText): Buffer[] | null {
  const s = t.join(' ');
  if (s === 'pe . is_pe' || /^pe \. is_(dll|32bit|64bit) \( \)$/.test(s)) return [Buffer.from('MZ', 'latin1')];
  let m = /^(u?int(?:8|16|32)(?:be)?) \( 0 \) == (\S+)$/.exec(s) ?? /^(\S+) == (u?int(?:8|16|32)(?:be)?) \( 0 \)$/.exec(s);
  if (m) {
    const [fn, lit] = READ_FNS[m[1] ?? ''] ? [m[1] ?? '', m[2] ?? ''] : [m[2] ?? '', m[1] ?? ''];
    const spec = READ_FNS[fn];
    const n = Number(lit);
    if (!spec || !Number.isInteger(n) || n < 0 || n >= 2 ** (8 * spec.size)) return null;
    const b = Buffer.alloc(spec.size);
    if (spec.size === 1) b.writeUInt8(n);
    else if (spec.size === 2 && spec.be) b.writeUInt16BE(n);
    else if (spec.size === 2) b.writeUInt16LE(n);
    else if (spec.be) b.writeUInt32BE(n);
    else b.writeUInt32LE(n);
    return [b];
  }
  m = /^(\$\w*) at 0$/.exec(s);
  if (m) {
    const str = rule.strings.find((x) => x.id === m?.[1]);
    if (!str || str.modifiers.length > 0) return null;
    if (str.kind === 'text') return [Buffer.from(unquote(str.raw), 'latin1')];
    if (str.kind === 'hex') {
      const hex = str.raw.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/[{}\s]/g, '');
      const fixed = /^([0-9a-fA-F]{2})+/.exec(hex);
      return fixed ? [Buffer.from(fixed[0], 'hex')] : null;
    }
  }
  return null;
}

/** Splits tokens at top-level (paren depth 0) occurrences of `op`. */
function splitTop(tokens: readonly string[], op: 'and' | 'or'): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let depth = 0;
  for (const tok of tokens) {
    if (tok === '(' || tok === '[') depth += 1;
    else if (tok === ')' || tok === ']') depth -= 1;
    if (tok === op && depth === 0) {
      out.push(cur);
      cur = [];
    } else cur.push(tok);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function closingParen(t: readonly string[], open: number): number {
  let depth = 0;
  for (let i = open; i < t.length; i++) {
    if (t[i] === '(') depth += 1;
    else if (t[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** True when the rule cannot match a file that `classifyContent` calls text. */
export function binaryOnly(rule: RuleText): boolean {
  const h = requiredHeaders(rule);
  return h !== null && h.length > 0 && h.every(isBinaryHeader);
}

const BINARY_MODULES = new Set(['pe', 'elf', 'dotnet', 'macho', 'hash', 'lnk', 'magic']);

/**
 * True when the rule is written for binary files: it requires a binary header, reads a binary
 * format module (pe, elf, dotnet, macho, lnk, magic, hash), compares `filetype`, reads integers at
 * offsets, or has hex, wide, xor or base64wide strings. Binary files are scanned with these rules
 * only; rules of plain text and regular expressions (scripts, web pages, logs) skip them.
 */
export function wantsBinary(rule: RuleText): boolean {
  if (binaryOnly(rule)) return true;
  const c = rule.condition;
  for (let i = 0; i < c.length; i++) {
    const tok = c[i] ?? '';
    if (BINARY_MODULES.has(tok) && c[i + 1] === '.') return true;
    if (tok === 'filetype' && c[i - 1] !== '.') return true;
    if (READ_FNS[tok] && c[i + 1] === '(' && !textHeaderCheck(c, i)) return true;
  }
  return rule.strings.some((s) => s.kind === 'hex' || s.modifiers.some((m) => m === 'wide' || m === 'xor' || m === 'base64wide'));
}

/** True for `uint16(0) == 0x3f3c` and the like: a read at offset 0 compared with printable text. */
function textHeaderCheck(c: readonly string[], i: number): boolean {
  const spec = READ_FNS[c[i] ?? ''];
  if (!spec || c[i + 2] !== '0' || c[i + 3] !== ')' || c[i + 4] !== '==') return false;
  const n = Number(c[i + 5]);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** (8 * spec.size)) return false;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  const bytes = b.subarray(4 - spec.size);
  return [...bytes].every((x) => x >= 0x20 && x < 0x7f) && !isBinaryHeader(spec.be ? bytes : Buffer.from(bytes).reverse());
}

/** External variables the rule's condition reads. */
export function externalsOf(rule: RuleText): Set<ExternalName> {
  const out = new Set<ExternalName>();
  const c = rule.condition;
  for (let i = 0; i < c.length; i++) {
    const tok = c[i] ?? '';
    if ((EXTERNALS as readonly string[]).includes(tok) && c[i - 1] !== '.' && c[i + 1] !== '(') out.add(tok as ExternalName);
  }
  return out;
}

/** First meta value of `key` (case-insensitive), as written. */
export function metaOf(rule: Pick<RuleText, 'meta'>, key: string): MetaValue | undefined {
  const k = key.toLowerCase();
  return rule.meta.find(([name]) => name.toLowerCase() === k)?.[1];
}

const LOG_DESCRIPTION = /\b(in|from|within) (\w+ ){0,3}log(s|files?| files?| entries| lines?)?\b|\blog (files?|entries|lines?)\b|\blogs generated\b/i;

/**
 * True for rules written for log lines: tagged `LOG` (signature-base's convention), named with a
 * `LOG_` part (`LOG_...`, `EXPL_LOG_...`), or described as detecting something in log files
 * (e.g. signature-base's ProxyShell rules, tagged `SCRIPT`).
 */
export function isLogRule(rule: Pick<RuleText, 'name' | 'tags' | 'meta'>): boolean {
  if (rule.tags.some((t) => t.toUpperCase() === 'LOG')) return true;
  if (/(^|_)LOG(_|$)/.test(rule.name)) return true;
  const d = metaOf(rule, 'description');
  return typeof d === 'string' && LOG_DESCRIPTION.test(d);
}

/** True for web shell rules: by name, tag or description. */
export function isWebshellRule(rule: Pick<RuleText, 'name' | 'tags' | 'meta'>): boolean {
  const d = metaOf(rule, 'description');
  const text = `${rule.name} ${rule.tags.join(' ')} ${typeof d === 'string' ? d : ''}`;
  return /web[\s_-]?shell/i.test(text);
}

/** Names of rules in `all` that `rule`'s condition refers to. */
export function ruleReferences(rule: RuleText, names: ReadonlySet<string>): string[] {
  return rule.condition.filter((tok, i) => names.has(tok) && tok !== rule.name && rule.condition[i - 1] !== '.');
}

const TEXT_WORDS = /(^|[_\s])(SCRIPT|PS1?|POWERSHELL|JS|JSP|ASPX?|PHP|VBS|VBA|BAT|HTA|HTML?|PY|PERL|BASH|LOG)(?=_|\s|$)/i;

/**
 * True for rules written for text files with no binary feature (see `wantsBinary`): web shells,
 * log rules, rules that require a printable header (`<%`, `<?php`), and rules named or tagged
 * for scripts (`SCRIPT`, `PS1`, `JSP`, `ASPX`, `PHP`, `VBS`, `HTA`...). Binary files skip them.
 */
export function writtenForText(rule: RuleText): boolean {
  if (wantsBinary(rule)) return false;
  if (isWebshellRule(rule) || isLogRule(rule)) return true;
  const h = requiredHeaders(rule);
  if (h && h.length > 0 && h.every((b) => !isBinaryHeader(b) && [...b].every((c) => c >= 0x20 && c < 0x7f))) return true;
  return TEXT_WORDS.test(`${rule.name} ${rule.tags.join(' ')}`);
}
