/**
 * @module A triage collection (folder or zip, one or several servers) as inventory observations:
 * per server, the build from `Bin\ExSetup.exe`'s version resource (exact) or else from the
 * Exchange logs (inferred), the history of builds the logs show with when each started running,
 * PowerShell exports saved beside the files, and the posture read from IIS configuration.
 *
 * Reads through src/inputs (openInput, detectHosts, detectLayout), so a zip is read in place and
 * nothing is written to the evidence.
 */
import type { Readable } from 'node:stream';
import type { Diagnostic } from '../../core/diagnostic.js';
import { detectHosts, detectLayout, openInput, type TreeEntry } from '../../inputs/index.js';
import { parseBuild, type Build } from '../build.js';
import { exportPosture, type ExportRows } from '../posture/exports.js';
import { iisPosture, type ConfigFile } from '../posture/iis.js';
import type { Evidence, Observation, PostureItem } from '../types.js';
import { observationsFromTable } from './from-rows.js';
import { parseLogHead, readHead, SightingCollector } from './log-builds.js';
import { readPeVersion } from './pe-version.js';
import { parseTable } from './tables.js';
import { decodeText, looksLikeText } from './text.js';

const MAX_EXE_BYTES = 64 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_EXPORT_BYTES = 2 * 1024 * 1024;

async function readAll(entry: TreeEntry, max: number): Promise<Buffer | null> {
  if (entry.size > max) return null;
  const stream: Readable = await entry.open();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export interface TriageResult {
  readonly observations: Observation[];
  readonly diagnostics: Diagnostic[];
}

function rel(path: string, root: string): string {
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/** Observes every server of the folder or zip `input`. Rejects with InputError when it cannot be opened. */
export async function observeTriage(input: string): Promise<TriageResult> {
  const diagnostics: Diagnostic[] = [];
  const tree = await openInput(input, { onDiagnostic: (d) => diagnostics.push({ ...d, input }) });
  try {
    const entries: TreeEntry[] = [];
    for await (const e of tree.entries()) entries.push(e);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const observations: Observation[] = [];
    for (const group of detectHosts(entries.map((e) => e.path))) {
      const layout = detectLayout(group.paths, group.root);
      const files = group.paths.map((p) => byPath.get(p)).filter((e): e is TreeEntry => e !== undefined);
      const obs = await observeHost(input, group.name, group.root, files, layout, tree.label, diagnostics);
      if (obs) observations.push(obs);
    }
    if (observations.length === 0) {
      diagnostics.push({ level: 'error', code: 'no-build', message: 'no Exchange build found (no Bin/ExSetup.exe, no Exchange logs with a build, no PowerShell export)', path: input, input });
    }
    return { observations, diagnostics };
  } finally {
    await tree.close();
  }
}

async function observeHost(
  input: string,
  groupName: string | null,
  root: string,
  files: readonly TreeEntry[],
  layout: ReturnType<typeof detectLayout>,
  label: string,
  diagnostics: Diagnostic[],
): Promise<Observation | null> {
  const evidence: Evidence[] = [];
  const notes: string[] = [];
  const fail = (path: string, e: unknown): void => {
    diagnostics.push({ level: 'warning', code: 'unreadable', message: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, path, input });
  };

  // 1. Bin\ExSetup.exe: the exact build.
  let exact: { build: Build; path: string; detail: string } | null = null;
  const exes = files.filter((f) => /(^|\/)bin\/exsetup\.exe$/i.test(f.path));
  const preferred = layout.installTreePrefix === null ? exes : [...exes].sort((a, b) => Number(b.path.toLowerCase().startsWith(`${(layout.installTreePrefix ?? '').toLowerCase()}/`)) - Number(a.path.toLowerCase().startsWith(`${(layout.installTreePrefix ?? '').toLowerCase()}/`)));
  for (const exe of preferred) {
    try {
      const bytes = await readAll(exe, MAX_EXE_BYTES);
      const info = bytes ? readPeVersion(bytes) : null;
      const b = info ? parseBuild(info.fileVersion) : null;
      if (info && b) {
        exact = { build: b, path: exe.path, detail: `version resource FileVersion ${info.fileVersion}${info.strings.FileVersion ? ` ("${info.strings.FileVersion}")` : ''}${info.strings.ProductName ? `, ${info.strings.ProductName}` : ''}` };
        break;
      }
      diagnostics.push({ level: 'warning', code: 'no-version-resource', message: `${exe.path}: no readable version resource`, path: exe.path, input });
    } catch (e) {
      fail(exe.path, e);
    }
  }
  if (exact) evidence.push({ source: exact.path, detail: exact.detail });

  // 2. Exchange logs: builds and when each started running.
  const collector = new SightingCollector();
  let serverName: string | null = null;
  const installLogging = layout.installTreePrefix === null ? null : `${layout.installTreePrefix}/logging/`.toLowerCase();
  for (const f of files) {
    const placement = layout.classify(f.path);
    const lower = f.path.toLowerCase();
    const isLog = (placement?.type === 'log' && placement.kind !== 'iis') || (installLogging !== null && lower.startsWith(installLogging) && lower.endsWith('.log'));
    if (!isLog) continue;
    try {
      const head = parseLogHead(await readHead(await f.open()));
      if (!head) continue;
      serverName ??= head.serverName;
      for (const b of head.builds) collector.add(f.path, head.logType, b);
    } catch (e) {
      fail(f.path, e);
    }
  }
  const history = collector.sightings();

  // 3. PowerShell exports and IIS configuration.
  const configs: ConfigFile[] = [];
  const exports: ExportRows[] = [];
  const exportObservations: Observation[] = [];
  for (const f of files) {
    const r = rel(f.path, root);
    const lower = r.toLowerCase();
    const isConfig = /(^|\/)inetsrv\/config\/applicationhost\.config$/.test(lower) || /(^|\/)inetpub\/wwwroot\/web\.config$/.test(lower) || /(^|\/)frontend\/httpproxy\/[^/]+\/web\.config$/.test(lower);
    const depth = r.split('/').length;
    const isExport = depth <= 3 && /\.(txt|csv|json)$/.test(lower) && layout.classify(f.path) === null;
    if (!isConfig && !isExport) continue;
    try {
      const bytes = await readAll(f, isConfig ? MAX_CONFIG_BYTES : MAX_EXPORT_BYTES);
      if (!bytes) continue;
      const text = decodeText(bytes);
      if (isConfig) configs.push({ path: f.path, text });
      else if (looksLikeText(text)) {
        const table = parseTable(text);
        exports.push({ path: f.path, rows: table.rows });
        // Only PowerShell output about Exchange (FileVersionInfo, AdminDisplayVersion) names a build
        // here: any other JSON or CSV with a "build" column is not evidence of this server's build.
        exportObservations.push(...observationsFromTable(table, input, f.path, '').filter((o) => o.method === 'exsetup-fileversioninfo' || o.method === 'admin-display-version'));
      }
    } catch (e) {
      fail(f.path, e);
    }
  }

  const host = groupName ?? serverName ?? label;
  const short = host.split('.')[0]?.toLowerCase() ?? '';
  const fromExport =
    exportObservations.find((o) => o.host !== '' && o.host.split('.')[0]?.toLowerCase() === short && o.confidence === 'exact') ??
    exportObservations.find((o) => o.host !== '' && o.host.split('.')[0]?.toLowerCase() === short) ??
    (exportObservations.length === 1 ? exportObservations[0] : undefined);

  const posture: PostureItem[] = [...iisPosture(configs), ...exportPosture(exports, host)];
  if (files.some((f) => /\/logging\/mitigationservice\//i.test(f.path)) && !posture.some((p) => p.id === 'emergency-mitigation-service')) {
    const f = files.find((x) => /\/logging\/mitigationservice\//i.test(x.path));
    posture.push({
      id: 'emergency-mitigation-service',
      title: 'Exchange Emergency Mitigation service',
      state: 'unknown',
      verdict: 'info',
      detail: 'its log folder exists (the service ran at some time); its current state was not collected',
      evidence: f ? [{ source: f.path, detail: 'Logging/MitigationService' }] : [],
    });
  }

  const newest = [...history].sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))[0];
  let build: Build | null = null;
  let confidence: Observation['confidence'] = 'unknown';
  let method = 'none';
  if (exact) {
    build = exact.build;
    confidence = 'exact';
    method = 'exsetup-version-resource';
    if (newest && newest.build !== `${exact.build.major}.${exact.build.minor}.${exact.build.build}.${exact.build.revision ?? 0}`) {
      notes.push(`the logs' newest build is ${newest.build} (last seen ${newest.lastSeen ?? '?'}); ExSetup.exe says ${exact.detail.replace(/^version resource /, '')}`);
    }
  } else if (fromExport?.build && fromExport.confidence === 'exact') {
    build = fromExport.build;
    confidence = 'exact';
    method = fromExport.method;
    evidence.push(...fromExport.evidence);
  } else if (newest) {
    build = parseBuild(newest.build);
    confidence = 'inferred-from-logs';
    method = 'exchange-logs';
    evidence.push({ source: `${newest.files} log file(s)`, detail: `newest build in the logs: ${newest.build} (${newest.how.join(', ')}), first seen ${newest.firstSeen ?? '?'}, last seen ${newest.lastSeen ?? '?'}` });
    notes.push('Build inferred from log headers: a log shows the version of the component that wrote it, which an SU does not always change. Collect Bin/ExSetup.exe for the exact build.');
    if (fromExport?.build) notes.push(`a PowerShell export says ${fromExport.evidence[0]?.detail ?? ''} (CU only)`);
  } else if (fromExport?.build) {
    build = fromExport.build;
    confidence = fromExport.confidence;
    method = fromExport.method;
    evidence.push(...fromExport.evidence);
    notes.push(...fromExport.notes);
  }
  if (build === null && posture.length === 0 && history.length === 0) return null;
  if (build === null) notes.push('no build found: collect Bin/ExSetup.exe or run Get-Command ExSetup.exe | ForEach-Object { $_.FileVersionInfo }');
  return { host, input, build, confidence, method, evidence, history, posture: { items: posture }, notes };
}
