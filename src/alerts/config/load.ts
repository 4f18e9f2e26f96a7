/**
 * @module The alerts config file (YAML): parsed, checked against the channel schema, every
 * problem reported with the file and the line of the offending key (as content packs are, see
 * src/content/load.ts), all problems at once.
 *
 *     channels:
 *       - name: siem
 *         type: syslog
 *         transport: tls
 *         host: siem.example.org
 *         ca: /etc/exhunt/siem-ca.pem
 *         minSeverity: high
 *         dedup: { window: 10m, key: [clientIp] }
 *         rateLimit: 100/m
 *
 * Each channel needs a unique `name`: it is the key of the channel's outbox queue, so renaming a
 * channel leaves what was queued under the old name behind (`exhunt alerts status` shows it).
 */
import { readFileSync } from 'node:fs';
import type { Document } from 'yaml';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AlertConfigError, messageOf } from '../errors.js';
import type { AlertsConfig } from './schema.js';
import { alertsConfigSchema } from './schema.js';

/** All problems of one config file; `message` lists them one per line. */
export class AlertConfigErrors extends AlertConfigError {
  readonly problems: readonly AlertConfigError[];

  constructor(file: string, problems: readonly AlertConfigError[]) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

type Path = readonly (string | number)[];

function lineOf(doc: Document, lines: LineCounter, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return 1;
}

/** Line of a mapping key itself (for unknown and duplicate keys). */
function keyLine(doc: Document, lines: LineCounter, path: Path, key: string): number {
  const parent: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null)?.items ?? [];
  for (const item of items) if (item.key?.value === key && item.key.range) return lines.linePos(item.key.range[0]).line;
  return lineOf(doc, lines, path);
}

function valueAt(data: unknown, path: Path): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/**
 * Where a problem is: the line of a path in the parsed document (for checks a caller makes
 * after the schema, such as unique names).
 */
export type LineOf = (path: readonly (string | number)[]) => number;

/**
 * Parses YAML text against a zod schema: every YAML error and schema issue becomes an
 * {@link AlertConfigError} with `file` and the line of the offending key (unknown keys: the
 * key's own line), all reported at once in {@link AlertConfigErrors}. `check` may add problems
 * about the parsed data. Shared by the alerts config and the watch config (src/watch/config.ts),
 * which embeds the same channel list.
 */
export function parseYamlConfig<S extends z.ZodType>(text: string, file: string, schema: S, check?: (data: z.output<S>, at: LineOf) => AlertConfigError[]): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const problems: AlertConfigError[] = [];
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      problems.push(new AlertConfigError(`YAML: ${err.message.split('\n')[0] ?? err.message}`, { path: file, line: lines.linePos(err.pos[0]).line }));
    }
    throw new AlertConfigErrors(file, problems);
  }
  const data: unknown = doc.toJS();
  const result = schema.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.push(new AlertConfigError(`${[...path, key].join('.')}: unknown key "${key}"`, { path: file, line: keyLine(doc, lines, path, key) }));
        }
        continue;
      }
      const missing = path.length > 0 && valueAt(data, path) === undefined;
      const where = path.length ? `${path.join('.')}: ` : '';
      problems.push(new AlertConfigError(`${where}${missing ? 'required key is missing' : issue.message}`, { path: file, line: lineOf(doc, lines, path) }));
    }
    throw new AlertConfigErrors(file, problems);
  }
  const parsed: z.output<S> = result.data;
  if (check) problems.push(...check(parsed, (path) => lineOf(doc, lines, path)));
  if (problems.length > 0) throw new AlertConfigErrors(file, problems);
  return parsed;
}

/** Every channel has a name, and no two share one (the name is the key of the outbox queue). */
export function checkChannelNames(channels: AlertsConfig['channels'], file: string, at: LineOf, base: readonly (string | number)[] = ['channels']): AlertConfigError[] {
  const problems: AlertConfigError[] = [];
  const seen = new Map<string, number>();
  const label = base.join('.');
  channels.forEach((c, i) => {
    if (!c.name) {
      problems.push(new AlertConfigError(`${label}.${i}: every channel needs a name (its outbox queue)`, { path: file, line: at([...base, i]) }));
      return;
    }
    const earlier = seen.get(c.name);
    if (earlier !== undefined) {
      problems.push(new AlertConfigError(`${label}.${i}.name: "${c.name}" is already the name of ${label}.${earlier}`, { path: file, line: at([...base, i, 'name']) }));
    }
    seen.set(c.name, i);
  });
  return problems;
}

/** Parses config text; `file` names it in errors. Throws {@link AlertConfigErrors}. */
export function parseAlertsConfig(text: string, file: string): AlertsConfig {
  return parseYamlConfig(text, file, alertsConfigSchema, (data, at) => checkChannelNames(data.channels, file, at));
}

/** Reads and parses the config file. Throws {@link AlertConfigError}. */
export function loadAlertsConfig(file: string): AlertsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AlertConfigError(`cannot read the alerts config: ${messageOf(e)}`, { path: file });
  }
  return parseAlertsConfig(text, file);
}
