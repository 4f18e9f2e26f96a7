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

/** Parses config text; `file` names it in errors. Throws {@link AlertConfigErrors}. */
export function parseAlertsConfig(text: string, file: string): AlertsConfig {
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
  const result = alertsConfigSchema.safeParse(data);
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
  const seen = new Map<string, number>();
  result.data.channels.forEach((c, i) => {
    if (!c.name) {
      problems.push(new AlertConfigError(`channels.${i}: every channel needs a name (its outbox queue)`, { path: file, line: lineOf(doc, lines, ['channels', i]) }));
      return;
    }
    const earlier = seen.get(c.name);
    if (earlier !== undefined) {
      problems.push(new AlertConfigError(`channels.${i}.name: "${c.name}" is already the name of channels.${earlier}`, { path: file, line: lineOf(doc, lines, ['channels', i, 'name']) }));
    }
    seen.set(c.name, i);
  });
  if (problems.length > 0) throw new AlertConfigErrors(file, problems);
  return result.data;
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
