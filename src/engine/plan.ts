/**
 * @module Planning: which files of an input tree are read, as what, for which host.
 *
 * Placement comes from the path (the layout of a triage folder or install folder); loose files
 * that the path does not explain are recognised from their first bytes instead, so a single log
 * file or a folder of copied logs can be scanned as well.
 */
import type { DiagnosticSink } from '../core/diagnostic.js';
import { detectHosts, detectLayout } from '../inputs/index.js';
import type { Placement } from '../inputs/placement.js';
import { readHead } from '../inputs/read-whole.js';
import type { InputTree, TreeEntry } from '../inputs/tree.js';
import { detectLogKind } from '../sources/index.js';
import { detectEventExport } from '../sources/event-exports/index.js';
import type { LogKind } from '../sources/source.js';

export interface PlannedFile {
  readonly entry: TreeEntry;
  readonly placement: Placement;
  /** Windows form of the Exchange install folder of this file's host, when known. */
  readonly exchangeInstall: string | null;
  /** Key of the host group inside the tree (several triage folders under one PATH). */
  readonly group: string;
  /** The group's folder name when the tree holds several hosts, else null. */
  readonly groupName: string | null;
  /** A file read only because of `--deep`: whole-file scanners (YARA) read it, nothing else. */
  readonly deep?: boolean;
}

export interface PlanOptions {
  /** Also plan every file no rule reads, for whole-file scanners (`scan --deep`). */
  readonly deep?: boolean;
  /** Sees every entry of the tree as the walk yields it (the parallel scan sizes the inputs early). */
  readonly onEntry?: (entry: TreeEntry) => void;
}

/** Coverage labels for logs recognised by content (their folder does not say which protocol). */
const SNIFFED_SOURCE: Readonly<Record<LogKind, string>> = { iis: 'IIS', httpproxy: 'HttpProxy', ecp: 'ECP Server', oab: 'OAB Generator', event: 'Event log' };

/** Bytes read from a loose file to recognise its format. */
const SNIFF_BYTES = 8192;
/** Loose files that may be logs: sniffing is skipped for anything else (binaries, images...). */
const SNIFFABLE = /\.(log|txt|csv|tsv|json|jsonl|ndjson|xml)$|^[^.]*$/i;

/**
 * Windows event logs are recognised by name wherever they lie (`Windows/System32/winevt/Logs`
 * in a triage folder, or loose): `.evtx` files are binary and need no sniffing.
 */
export function eventLogPlacement(name: string): Placement | null {
  if (!/\.evtx$/i.test(name)) return null;
  return { type: 'log', kind: 'event', source: `Event log/${name.replace(/\.evtx$/i, '').replace(/%4/g, '/')}`, format: 'evtx' };
}

export async function planInput(tree: InputTree, onDiagnostic: DiagnosticSink, options: PlanOptions = {}): Promise<PlannedFile[]> {
  const entries: TreeEntry[] = [];
  for await (const e of tree.entries()) {
    entries.push(e);
    options.onEntry?.(e);
  }
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const planned: PlannedFile[] = [];

  for (const group of detectHosts(entries.map((e) => e.path))) {
    const layout = detectLayout(group.paths, group.root);
    const loose = layout.drives.length === 0 && layout.installTreePrefix === null;
    for (const path of group.paths) {
      const entry = byPath.get(path);
      if (!entry) continue;
      const name = path.split('/').pop() ?? path;
      let placement = entry.placement ?? layout.classify(path) ?? eventLogPlacement(name);
      if (!placement && loose && entry.size > 0 && SNIFFABLE.test(name)) {
        placement = await sniff(entry, onDiagnostic);
      }
      if (!placement) {
        if (options.deep && entry.size > 0) {
          planned.push({
            entry,
            placement: { type: 'sweep', zone: 'other', windowsPath: layout.windowsPathOf(path) },
            exchangeInstall: layout.exchangeInstall,
            group: group.root,
            groupName: group.name,
            deep: true,
          });
        }
        continue;
      }
      planned.push({
        entry,
        placement,
        exchangeInstall: layout.exchangeInstall,
        group: group.root,
        groupName: group.name,
      });
    }
  }
  return planned;
}

async function sniff(entry: TreeEntry, onDiagnostic: DiagnosticSink): Promise<Placement | null> {
  try {
    const head = await readHead(() => entry.open(), SNIFF_BYTES);
    const kind = detectLogKind(head);
    if (kind) return { type: 'log', kind, source: SNIFFED_SOURCE[kind] };
    const format = detectEventExport(head);
    if (format) return { type: 'log', kind: 'event', source: `Event log/${entry.path.split('/').pop() ?? entry.path}`, format };
    return null;
  } catch (e) {
    onDiagnostic({ level: 'error', code: 'unreadable', message: e instanceof Error ? e.message : String(e), path: entry.path });
    return null;
  }
}
