/**
 * @module The gate rules for log lines: the strings one of which any match of a log rule needs
 * (`requiredStrings`), gathered into rules whose condition is `any of them`. One scan of a batch
 * of lines with the gate says which lines hold such a string; only those can match a log rule, so
 * only those are scanned exactly, one by one (line-batch.ts). Both engines use it (the `yara`
 * command needs batches to be usable at all).
 *
 * There are two gates. The `fast` one has, for each regular expression, the literals every match
 * of it contains (`regexLiterals`, as text strings with the same `wide`/`ascii`, and `nocase` when
 * the expression ignores case): YARA scans literals far faster than an expression whose best atom
 * is common (`[^\n]{1,400}200 0 0` costs a verification on every IIS line), so it goes over every
 * line. The `precise` one keeps the expressions and only sees the lines the fast one leaves.
 *
 * Exactness rests on these, each kept here:
 * - a rule is gated only when its condition cannot hold without one of the kept strings matching
 *   (`requiredStrings` answers null otherwise, and one such rule turns the gate off: then every
 *   line is scanned exactly, as without a gate);
 * - each gate string matches in the batch wherever the rule's string matches in the line alone.
 *   Text and hex strings are copied as written, without `private` (private strings are not
 *   reported). Regular expressions lose `fullword` (see `gateStrings`), and their `^`/`$`, which
 *   anchor at the start and end of the scanned data rather than of a line, become optional line
 *   feeds (`(\n)?`);
 * - lines in a batch are separated by a line feed (with or without CR): not a word character, so
 *   `fullword` and `\b` see a line's ends as they see the ends of data;
 * - `base64` strings are the exception: YARA-X decodes the text around a match to verify it, and
 *   a neighbouring line changes what it decodes. They become the parts of their base64 forms that
 *   the string alone determines, as plain text (`base64Cores`).
 * The rule texts are attacker-controlled: a text this module cannot follow turns the gate off, and
 * a gate that does not compile is dropped by the caller (compile.ts), never an error.
 */
import type { UnitSource } from './engine.js';
import { regexLiterals, requiredStrings } from './literals.js';
import type { RuleString } from './rule-text.js';
import { parseRuleText, unquote } from './rule-text.js';

/** `fast`: regular expressions replaced by their literals where they have some; `precise`: kept. */
export type GateKind = 'fast' | 'precise';

/** Strings per gate rule (YARA 4 refuses rules with more than 10,000). */
const STRINGS_PER_RULE = 1000;

/** Above this many strings, no search for strings that contain another (it is quadratic). */
const MAX_CONTAINMENT_CHECK = 2000;

/** One string of the gate: its definition, and what it matches when it is a plain literal. */
interface GateString {
  /** The definition without `$id =`: the literal and its modifiers. */
  readonly def: string;
  /** Set for text without xor or base64 (ASCII only): lets a string that contains another go. */
  readonly plain: { readonly text: string; readonly nocase: boolean; readonly ascii: boolean; readonly wide: boolean; readonly fullword: boolean } | null;
}

/**
 * The gate for the compiled log units: the strings every rule needs, each distinct definition
 * once (rules share literals, and every match of a string is reported once per rule holding it),
 * in rules of `any of them` in a namespace of their own. Null when some rule that can be reported
 * might match a line without any of its strings matching there.
 */
export function gateUnits(units: readonly UnitSource[], kind: GateKind = 'fast'): UnitSource[] | null {
  const defs = new Map<string, GateString>();
  for (const u of units) {
    const parsed = parseRuleText(u.text);
    if (!parsed.complete || parsed.includes.length > 0) return null;
    for (const r of parsed.rules) {
      // Private rules are never reported; a rule that refers to one gets no strings from it
      // (`requiredStrings` answers null for a bare reference), so they need no gate of their own.
      if (r.isPrivate) continue;
      const strings = requiredStrings(r);
      if (!strings) return null;
      for (const s of strings) {
        const d = gateStrings(s, kind);
        if (d === null) return null;
        for (const x of d) defs.set(x.def, x);
      }
    }
  }
  const all = withoutContainers([...defs.values()]).map((g) => g.def);
  const rules: string[] = [];
  for (let i = 0; i < all.length; i += STRINGS_PER_RULE) {
    const part = all.slice(i, i + STRINGS_PER_RULE);
    rules.push(`rule gate_${i / STRINGS_PER_RULE} {\n  strings:\n${part.map((d, k) => `    $g${i + k} = ${d}\n`).join('')}  condition:\n    any of them\n}\n`);
  }
  return rules.length > 0 ? [{ namespace: 'exhunt_gate', text: rules.join('\n') }] : [];
}

/**
 * Drops each plain string that contains another plain string matching at least where it does
 * (same or more encodings, no `fullword`, case ignored if the container's is): a line holding
 * the container holds the other. Rules share long literals (`/autodiscover/autodiscover.json`
 * in several forms, the `${jndi:` variants), and YARA's time grows with the strings it looks for.
 */
function withoutContainers(all: readonly GateString[]): GateString[] {
  if (all.length > MAX_CONTAINMENT_CHECK) return [...all];
  const width = (g: GateString): number => (g.plain ? Number(g.plain.ascii) + Number(g.plain.wide) : 0);
  const order = [...all].sort((a, b) => (a.plain?.text.length ?? 0) - (b.plain?.text.length ?? 0) || Number(b.plain?.nocase) - Number(a.plain?.nocase) || width(b) - width(a));
  const kept: GateString[] = [];
  for (const g of order) {
    const a = g.plain;
    const covered =
      a !== null &&
      kept.some((k) => {
        const b = k.plain;
        if (!b || b.fullword || (a.ascii && !b.ascii) || (a.wide && !b.wide)) return false;
        return b.nocase ? a.text.toLowerCase().includes(b.text.toLowerCase()) : !a.nocase && a.text.includes(b.text);
      });
    if (!covered) kept.push(g);
  }
  // Source order, so that the gate text (and its cache key) does not depend on the sort.
  const keep = new Set(kept);
  return all.filter((g) => keep.has(g));
}

/** The gate's strings for one rule string, or null. */
function gateStrings(s: RuleString, kind: GateKind): GateString[] | null {
  const mods = s.modifierTexts.filter((t) => t !== 'private');
  const def = (raw: string, m: readonly string[]): string => `${raw}${m.length > 0 ? ` ${m.join(' ')}` : ''}`;
  if (s.modifiers.includes('base64') || s.modifiers.includes('base64wide')) return base64Strings(s, def);
  if (s.kind === 'text') {
    const text = unquote(s.raw);
    const simple = s.modifiers.every((m) => m === 'ascii' || m === 'wide' || m === 'nocase' || m === 'fullword' || m === 'private') && /^[\x00-\x7f]+$/.test(text);
    return [{ def: def(s.raw, mods), plain: simple ? plainOf(text, s.modifiers) : null }];
  }
  if (s.kind !== 'regex') return [{ def: def(s.raw, mods), plain: null }];
  const m = /^\/([\s\S]*)\/([a-z]*)$/.exec(s.raw);
  if (!m) return null;
  // Case matters to YARA's speed: `nocase` doubles the atoms to look for, and hits on more text.
  const caseless = s.modifiers.includes('nocase') || (m[2] ?? '').includes('i');
  const lits = kind === 'fast' ? regexLiterals(m[1] ?? '', caseless) : null;
  if (lits && lits.every((l) => /^[\x20-\x7e]+$/.test(l))) {
    // `fullword` applies to the whole match, not to a literal inside it.
    const textMods = [...mods.filter((t) => t === 'wide' || t === 'ascii'), ...(caseless ? ['nocase'] : [])];
    return lits.map((l) => ({ def: def(quote(l), textMods), plain: plainOf(l, textMods) }));
  }
  // Without `fullword`: YARA checks it on the longest match only, and in a batch a greedy match
  // can run into the next line and end beside a letter where the line's own match ended at the
  // end of data. A match may also start at the line feed an anchor now allows.
  return [{ def: def(`/${unanchor(m[1] ?? '')}/${m[2] ?? ''}`, mods.filter((t) => t !== 'fullword')), plain: null }];
}

function plainOf(text: string, modifiers: readonly string[]): NonNullable<GateString['plain']> {
  const wide = modifiers.includes('wide');
  return { text, nocase: modifiers.includes('nocase'), ascii: !wide || modifiers.includes('ascii'), wide, fullword: modifiers.includes('fullword') };
}

/** A YARA text string literal (quotes, backslashes and bytes outside printable ASCII escaped). */
function quote(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]|["\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Gate strings for a `base64`/`base64wide` text string: its cores in each form, or null. */
function base64Strings(s: RuleString, def: (raw: string, mods: readonly string[]) => string): GateString[] | null {
  if (s.kind !== 'text') return null;
  const text = unquote(s.raw);
  // Bytes from `\xHH` and raw non-ASCII text cannot be told apart here: no gate for those.
  if (!/^[\x00-\x7f]*$/.test(text)) return null;
  const out: GateString[] = [];
  for (const m of s.modifierTexts) {
    const form = /^(base64|base64wide)(?:\(\s*("(?:[^"\\]|\\.)*")\s*\))?$/.exec(m);
    if (!form) continue;
    const alphabet = form[2] === undefined ? BASE64 : unquote(form[2]);
    const cores = base64Cores(Buffer.from(text, 'latin1'), alphabet);
    if (!cores) return null;
    const mods = form[1] === 'base64wide' ? ['wide'] : [];
    for (const c of cores) out.push({ def: def(quote(c), mods), plain: /^[\x00-\x7f]+$/.test(c) ? plainOf(c, mods) : null });
  }
  return out.length > 0 ? out : null;
}

/**
 * The characters of the base64 forms of `bytes` (at the three alignments a base64 text can put
 * them at) that depend on `bytes` alone: every base64 text whose decoding contains `bytes` contains
 * one of them. Null when the alphabet is not 64 characters or a core would be empty.
 */
export function base64Cores(bytes: Buffer, alphabet: string = BASE64): string[] | null {
  if (alphabet.length !== 64 || new Set(alphabet).size !== 64) return null;
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64').replace(/=+$/, '');
    // Leading characters hold bits of the bytes before; a partial last group, bits of those after.
    const lead = [0, 2, 3][shift] ?? 3;
    const trail = (shift + bytes.length) % 3 === 0 ? 0 : 1;
    const core = enc.slice(lead, enc.length - trail);
    if (core.length === 0) return null;
    cores.push([...core].map((c) => alphabet[BASE64.indexOf(c)] ?? '').join(''));
  }
  return cores;
}

/**
 * The regular expression with every `^` and `$` outside a character class replaced by `(\n)?`:
 * where the original matched a line alone, this matches the same bytes in a batch (the optional
 * group takes nothing). Escapes and classes are copied as they are.
 */
export function unanchor(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] ?? '';
    if (c === '\\') {
      out += src.slice(i, i + 2);
      i += 1;
    } else if (c === '[') {
      let j = i + 1;
      if (src[j] === '^') j += 1;
      if (src[j] === ']') j += 1;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else if (c === '^' || c === '$') out += '(\\n)?';
    else out += c;
  }
  return out;
}
