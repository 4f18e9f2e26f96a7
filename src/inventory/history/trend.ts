/**
 * @module The exposed count per family over time (one point per stored run), and what changed
 * between the last two runs of a kind: servers that appeared or disappeared, build changes, and
 * families that opened or closed per server.
 */
import type { HistoryStore, RunKind, RunRow, ServerRow } from './store.js';

export interface TrendPoint {
  readonly run: RunRow;
  /** Family id → servers open to it. */
  readonly open: ReadonlyMap<string, number>;
  /** Servers open to at least one family. */
  readonly exposedServers: number;
}

export interface Trend {
  readonly families: readonly string[];
  readonly points: readonly TrendPoint[];
}

export function trend(store: HistoryStore, kind: RunKind | null, last: number | null): Trend {
  const runs = store.runs(kind, last);
  const counts = store.familyCounts(
    runs.map((r) => r.id),
    'open',
  );
  const points = runs.map((run) => {
    const servers = store.servers(run.id);
    return {
      run,
      open: counts.get(run.id) ?? new Map<string, number>(),
      exposedServers: servers.filter((s) => [...s.families.values()].includes('open')).length,
    };
  });
  return { families: store.families(), points };
}

export interface ServerChange {
  readonly host: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly buildBefore: string | null;
  readonly buildAfter: string | null;
  readonly opened: readonly string[];
  readonly closed: readonly string[];
}

export interface Changes {
  readonly before: RunRow;
  readonly after: RunRow;
  readonly servers: readonly ServerChange[];
}

/** Differences between the last two runs of `kind` (any kind when null); null with fewer than two runs. */
export function changesSinceLast(store: HistoryStore, kind: RunKind | null): Changes | null {
  const runs = store.runs(kind, 2);
  const [before, after] = runs;
  if (!before || !after) return null;
  const a = new Map(store.servers(before.id).map((s) => [s.host.toLowerCase(), s]));
  const b = new Map(store.servers(after.id).map((s) => [s.host.toLowerCase(), s]));
  const out: ServerChange[] = [];
  const order = store.families();
  const openSet = (s: ServerRow | undefined): Set<string> =>
    new Set(
      [...(s?.families ?? new Map<string, string>()).entries()]
        .filter(([, st]) => st === 'open')
        .map(([f]) => f)
        .sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    );
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(key);
    const y = b.get(key);
    const host = (y ?? x)?.host ?? key;
    const ox = openSet(x);
    const oy = openSet(y);
    const opened = [...oy].filter((f) => !ox.has(f));
    const closed = [...ox].filter((f) => !oy.has(f));
    if (!x) out.push({ host, kind: 'added', buildBefore: null, buildAfter: y?.build ?? null, opened, closed: [] });
    else if (!y) out.push({ host, kind: 'removed', buildBefore: x.build, buildAfter: null, opened: [], closed: [] });
    else if (x.build !== y.build || opened.length > 0 || closed.length > 0) out.push({ host, kind: 'changed', buildBefore: x.build, buildAfter: y.build, opened, closed });
  }
  return { before, after, servers: out };
}
