/**
 * @module CISA CHIRP indicator files (multi-document YAML: `name`, `description`, `confidence`
 * 0-10, `ioc_type`, `indicator`).
 *
 * - `network`: every value of `ips` (addresses or domains) becomes an indicator;
 * - `yara` over log files (`files` under `inetpub\logs`, `Logging\HttpProxy`, `Logging\ECP`,
 *   `OABGeneratorLog`): when the condition means "any of these strings", each text string
 *   becomes a `log-substring` (a `log-regex` for regexes and `fullword`), scoped to that log
 *   kind; a rule about user agents (its name or the entry's name says so) gives `useragent`
 *   indicators instead, which also match the HttpProxy spelling. Other YARA rules are kept as
 *   `yara` indicators for the YARA engine, and a `hash` in their meta becomes a hash indicator;
 * - `events` with one `~=` (regex) or `==` condition on the event data becomes an `event-regex`
 *   on that channel; other event and `registry` entries are skipped with the reason.
 * Confidence 0-10 is stored as 0-100.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { IndicatorType, ItemLocation, LogScope, ProvenanceInput } from '../../model.js';
import { escapeRegex, hashTypeOf } from '../../normalize/index.js';
import type { Emitter, FormatReader, ReadContext } from '../types.js';
import { FormatError } from '../types.js';
import { asObject, asString } from '../json.js';
import { anyOfStrings, parseYaraRule } from './yara-rule.js';

export const chirpReader: FormatReader = {
  name: 'chirp',
  async read(text: string, ctx: ReadContext, emit: Emitter): Promise<void> {
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
    if (!Array.isArray(docs)) throw new FormatError('not a YAML stream', { file: ctx.file });
    let index = 0;
    for (const doc of docs) {
      index++;
      const line = lineCounter.linePos(doc.range[0]).line;
      const at: ItemLocation = { file: ctx.file, line, path: `document ${index}` };
      if (doc.errors.length > 0) {
        const err = doc.errors[0]!;
        emit.skip('bad-object', `YAML: ${err.message.split('\n')[0] ?? err.message}`, { ...at, line: lineCounter.linePos(err.pos[0]).line });
        continue;
      }
      const entry = asObject(doc.toJS() as unknown);
      if (!entry) {
        if (doc.contents !== null) emit.skip('bad-object', 'document is not a mapping', at);
        continue;
      }
      await readEntry(entry, at, emit);
    }
  },
};

const SCOPES: readonly [RegExp, LogScope][] = [
  [/inetpub\\logs|\\W3SVC|LogFiles/i, 'iis'],
  [/Logging\\HttpProxy/i, 'httpproxy'],
  [/Logging\\ECP/i, 'ecp'],
  [/OABGeneratorLog/i, 'oab'],
];

async function readEntry(entry: Record<string, unknown>, at: ItemLocation, emit: Emitter): Promise<void> {
  const name = asString(entry.name) ?? '';
  const description = cleanDescription(asString(entry.description));
  const conf = typeof entry.confidence === 'number' ? Math.max(0, Math.min(10, entry.confidence)) * 10 : null;
  const iocType = asString(entry.ioc_type) ?? '';
  const indicator = asObject(entry.indicator);
  const provenance: ProvenanceInput = {
    ref: name,
    confidence: conf,
    description: [name, description].filter(Boolean).join(': ') || null,
    tags: [`chirp:${iocType || 'unknown'}`],
  };
  if (!indicator) {
    emit.skip('bad-object', 'entry has no "indicator" mapping', at);
    return;
  }
  switch (iocType) {
    case 'network': {
      const ips = indicator.ips;
      const values = typeof ips === 'string' ? ips.split(/[\s,]+/) : Array.isArray(ips) ? ips.map(String) : [];
      if (values.filter(Boolean).length === 0) emit.skip('no-value', 'network entry has no "ips"', at);
      for (const v of values.filter(Boolean)) await emit.infer(v, at, provenance);
      return;
    }
    case 'yara':
      await readYara(indicator, name, at, provenance, emit);
      return;
    case 'events':
      await readEvents(indicator, at, provenance, emit);
      return;
    default:
      emit.skip('unsupported-type', `CHIRP ioc_type "${iocType}" has no exhunt equivalent`, at);
  }
}

async function readYara(indicator: Record<string, unknown>, entryName: string, at: ItemLocation, provenance: ProvenanceInput, emit: Emitter): Promise<void> {
  const ruleText = asString(indicator.rule);
  if (!ruleText) {
    emit.skip('no-value', 'yara entry has no "rule"', at);
    return;
  }
  const rule = parseYaraRule(ruleText);
  if (!rule) {
    emit.skip('bad-object', 'the YARA rule could not be read', at);
    return;
  }
  const files = asString(indicator.files) ?? '';
  const scope = SCOPES.find(([re]) => re.test(files))?.[1];
  const tags = [...(provenance.tags ?? []), ...(rule.meta.cve ? [rule.meta.cve.toUpperCase()] : []), `yara:${rule.name}`];
  const prov = { ...provenance, tags, description: [provenance.description, rule.meta.description].filter(Boolean).join(' — ') || null };
  const strings = scope ? anyOfStrings(rule) : null;
  const convertible = strings?.every((s) => s.kind !== 'hex' && !s.modifiers.some((m) => /^(xor|base64|base64wide|wide)/.test(m)));
  if (scope && strings && convertible) {
    const userAgents = /user.?agent/i.test(`${rule.name} ${entryName}`);
    for (const s of strings) {
      const sAt = { ...at, path: `${at.path ?? ''} ${s.id}` };
      const nocase = s.modifiers.includes('nocase');
      if (s.kind === 'text' && userAgents) {
        await emit.indicator('useragent', s.value, sAt, prov);
      } else if (s.kind === 'text' && !s.modifiers.includes('fullword')) {
        await emit.indicator('log-substring', s.value, sAt, prov, { scope: [scope], ...(nocase ? { flags: 'i' } : {}) });
      } else {
        const source = s.kind === 'regex' ? s.value : `(?<![A-Za-z0-9])${escapeRegex(s.value)}(?![A-Za-z0-9])`;
        const flags = `${nocase ? 'i' : ''}${s.modifiers.includes('dotall') ? 's' : ''}`;
        await emit.indicator('log-regex', source, sAt, prov, { scope: [scope], ...(flags ? { flags } : {}) });
      }
    }
    return;
  }
  await emit.indicator('yara', ruleText, at, prov, {
    reason: scope ? 'condition needs more than one string' : 'file content rule (for the YARA engine)',
    note: files,
  });
  const hash = rule.meta.hash;
  if (hash && hashTypeOf(hash)) {
    await emit.indicator(hashTypeOf(hash) as IndicatorType, hash, { ...at, path: `${at.path ?? ''} meta.hash` }, { ...prov, description: `sample of YARA rule ${rule.name}` });
  }
}

async function readEvents(indicator: Record<string, unknown>, at: ItemLocation, provenance: ProvenanceInput, emit: Emitter): Promise<void> {
  const channel = asString(indicator.event_type);
  const eventId = typeof indicator.event_id === 'number' ? indicator.event_id : undefined;
  const conds = Object.entries(indicator).filter(([k]) => k !== 'event_type' && k !== 'event_id');
  if (!channel) {
    emit.skip('bad-object', 'events entry has no "event_type"', at);
    return;
  }
  if (conds.length !== 1) {
    emit.skip('unsupported-type', `events entry with ${conds.length} conditions (exhunt takes exactly one)`, at);
    return;
  }
  const [path, op] = conds[0]!;
  const m = typeof op === 'string' ? /^\s*(==|~=|!=)\s*(.*)$/s.exec(op) : null;
  if (!m || m[1] === '!=') {
    emit.skip('unsupported-type', `events condition "${String(op)}" is not == or ~=`, at);
    return;
  }
  const field = fieldOf(path);
  if (field === null) {
    emit.skip('unsupported-type', `events path "${path}" is not under event.event_data`, at);
    return;
  }
  const value = m[2]!.replace(/^'(.*)'$/, '$1');
  const source = m[1] === '~=' ? value : `^${escapeRegex(value)}$`;
  await emit.indicator('event-regex', source, at, provenance, { channel, ...(eventId !== undefined ? { eventId } : {}), field });
}

/** `event.event_data` → `Data` (all values); `event.event_data.subject_user_sid` → `SubjectUserSid`. */
function fieldOf(path: string): string | null {
  const m = /^event\.event_data(?:\.([a-z0-9_]+))?$/i.exec(path.trim());
  if (!m) return path === 'event' ? 'Data' : null;
  if (!m[1]) return 'Data';
  return m[1]
    .split('_')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('');
}

function cleanDescription(d: string | undefined): string {
  return (d ?? '')
    .split('\n')
    .map((l) => l.trim().replace(/^"|"$/g, ''))
    .filter(Boolean)
    .join(' ')
    .slice(0, 1000);
}
