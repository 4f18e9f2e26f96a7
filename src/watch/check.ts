/**
 * @module `exhunt watch --check`: validates a setup without running it and without changing
 * anything (no state is created, no alert is sent): the config file, the channels, the state
 * folder, the content, and what each input would be followed as.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { processAlive } from '../alerts/outbox/outbox.js';
import type { Diagnostic } from '../core/diagnostic.js';
import { loadScanDetectors } from '../engine/load-detectors.js';
import { Inventory, resolveWatchInput } from './inventory.js';
import type { WatchSetup } from './setup.js';
import { modeOf } from './sources.js';

export interface CheckLine {
  readonly ok: boolean;
  readonly text: string;
}

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

function stateReport(setup: WatchSetup): CheckLine[] {
  const out: CheckLine[] = [];
  const file = setup.stateFile;
  if (!existsSync(file)) {
    const base = nearestExisting(dirname(file));
    try {
      accessSync(base, constants.W_OK);
      out.push({ ok: true, text: `state: ${file} (new: created at the first run, which starts ${setup.startMode === 'start' ? 'at the start of existing files' : 'at the end of existing files'})` });
    } catch {
      out.push({ ok: false, text: `state: cannot create ${file}: ${base} is not writable` });
    }
    return out;
  }
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch {
    out.push({ ok: false, text: `state: ${file} is not writable by this user` });
    return out;
  }
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'watch_sources'").get() !== undefined;
      const sources = has ? (db.prepare('SELECT count(*) AS n FROM watch_sources').get() as { n: number }).n : 0;
      const inputs = has ? (db.prepare('SELECT count(*) AS n FROM watch_inputs').get() as { n: number }).n : 0;
      const outbox = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts_outbox'").get() !== undefined;
      const pending = outbox ? (db.prepare("SELECT count(*) AS n FROM alerts_outbox WHERE state = 'pending'").get() as { n: number }).n : 0;
      out.push({ ok: true, text: `state: ${file} (${inputs} inputs watched before, ${sources} checkpoints, ${pending} alerts queued)` });
    } finally {
      db.close();
    }
  } catch (e) {
    out.push({ ok: false, text: `state: ${file} cannot be read as an exhunt store: ${e instanceof Error ? e.message : String(e)}` });
  }
  const lock = `${file}.watch-lock`;
  if (existsSync(lock)) {
    try {
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) out.push({ ok: true, text: `state: in use by the running watcher (process ${pid})` });
    } catch {
      // A stale lock is taken over at start.
    }
  }
  return out;
}

/** Every check, one line each; `ok` false marks a problem (exit code 2). */
export async function checkWatchSetup(setup: WatchSetup): Promise<CheckLine[]> {
  const out: CheckLine[] = [];
  if (setup.configFile) out.push({ ok: true, text: `config: ${setup.configFile}: valid` });
  out.push(...stateReport(setup));

  let set;
  try {
    set = await loadScanDetectors(setup.content);
  } catch (e) {
    out.push({ ok: false, text: `content: cannot be loaded: ${e instanceof Error ? e.message : String(e)}` });
    return out;
  }
  // A new state store holds no imported indicators yet; the run creates it before loading them.
  const fresh = setup.content.store === setup.stateFile && !existsSync(setup.stateFile);
  const problems = set.errors.filter((e) => !(fresh && e.message.includes('no exhunt store at')));
  out.push({
    ok: problems.length === 0,
    text: `content: ${set.counts.rules} rules, ${set.counts.sigma} Sigma rules, ${set.counts.correlations} correlations, ${set.counts.indicators} indicators${problems.length > 0 ? `; ${problems.length} problems` : ''}`,
  });
  for (const e of problems) out.push({ ok: false, text: `  ${e.message}` });

  for (const arg of setup.inputs.length > 0 ? setup.inputs : ['']) {
    const diags: Diagnostic[] = [];
    try {
      const input = await resolveWatchInput(arg, (d) => diags.push(d));
      const inv = new Inventory(input, (d) => diags.push(d));
      await inv.rescan();
      const planned = await inv.plan();
      const counts = new Map<string, number>();
      let tail = 0;
      let whole = 0;
      let sweep = 0;
      for (const f of planned) {
        const m = modeOf(f.placement);
        if (m === 'tail') tail++;
        else if (m === 'whole') whole++;
        else sweep++;
        const label = f.placement.type === 'log' ? f.placement.source.split('/')[0] ?? f.placement.kind : `web/staging (${f.placement.zone})`;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
      const detail = [...counts.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', ');
      const host = setup.host ?? input.label;
      out.push({
        // An empty folder is fine (an export drop folder, a mirror not synced yet): files are followed as they appear.
        ok: true,
        text: `input ${arg === '' ? '(live server)' : arg}: ${tail} logs followed, ${whole} event log files, ${sweep} swept files${detail ? ` (${detail})` : ''}; host ${host}${planned.length === 0 ? '; nothing to watch yet (files are followed as they appear)' : ''}`,
      });
    } catch (e) {
      out.push({ ok: false, text: `input ${arg}: ${e instanceof Error ? e.message : String(e)}` });
    }
    for (const d of diags.filter((x) => x.level === 'error').slice(0, 10)) out.push({ ok: false, text: `  ${d.path}: ${d.message}` });
  }

  if (setup.channels.length === 0 && !setup.jsonl) out.push({ ok: true, text: 'alerts: no channel (findings only on standard output); add --alert URI or channels: in the config' });
  for (const c of setup.channels) out.push({ ok: true, text: `alerts: ${c.id} → ${c.target} (min severity ${c.policy.minSeverity}; not contacted: \`exhunt alerts test\` sends a test alert)` });
  if (setup.jsonl) out.push({ ok: true, text: `jsonl: ${setup.jsonl === '-' ? 'standard output' : setup.jsonl}` });
  out.push({ ok: true, text: `limits: CPU cap ${setup.maxCpu > 0 && setup.maxCpu < 100 ? `${setup.maxCpu}% of one core` : 'none'}, poll ${setup.pollMs} ms, rescan ${setup.rescanMs} ms, reload check ${setup.reloadMs} ms` });
  return out;
}
