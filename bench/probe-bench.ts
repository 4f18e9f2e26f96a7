/**
 * Probe benchmark (not a test): starts N fake Exchange servers in this process on 127.0.0.1
 * ephemeral ports (HTTPS, self-signed certificate made in-process, a mix of builds and header
 * behaviours: X-OWA-Version, EWS only, resource path + exporttool, slow), probes them all with
 * the probe's defaults (concurrency 50, 10 s timeout, 2 retries) and reports the wall time.
 * Target: 1,000 hosts in under 20 s. Never connects anywhere but 127.0.0.1.
 *
 *   node dist/bench/probe-bench.js [--hosts 1000] [--concurrency 50] [--json]
 */
import { startFakeExchange, type FakeBehaviour, type FakeServer } from '../test/fixtures/inventory/fake-exchange.js';
import { loadContentOrThrow, probeAll, evaluate, type Target } from '../src/inventory/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const BUILDS = ['15.1.2176.2', '15.1.2176.9', '15.1.2507.66', '15.2.1544.4', '15.2.1748.43', '15.2.2562.46', '15.0.1497.48', '15.1.2375.37'];

function behaviour(i: number): FakeBehaviour {
  const build = BUILDS[i % BUILDS.length] ?? '15.1.2176.9';
  switch (i % 5) {
    case 0:
    case 1:
      return { build };
    case 2:
      return { build, owaHeader: false };
    case 3:
      return { build, owaHeader: false, ewsHeader: false, exporttool: 'versioned' };
    default:
      return { build, delayMs: 50 };
  }
}

async function main(): Promise<void> {
  const hosts = arg('hosts', 1000);
  const concurrency = arg('concurrency', 50);
  const content = loadContentOrThrow();
  const t0 = performance.now();
  const servers: FakeServer[] = [];
  for (let i = 0; i < hosts; i += 100) {
    servers.push(...(await Promise.all(Array.from({ length: Math.min(100, hosts - i) }, (_, k) => startFakeExchange(behaviour(i + k))))));
  }
  const started = performance.now();
  const targets: Target[] = servers.map((s, i) => ({ label: `exch${String(i).padStart(4, '0')}.bench:${s.port}`, host: '127.0.0.1', port: s.port, servername: null }));
  const outcomes = await probeAll(
    targets,
    content.catalog,
    {
      timeoutMs: 10_000,
      retries: 2,
      backoffMs: 250,
      insecure: true,
      proxy: null,
      proxyFor: () => null,
      maxBodyBytes: 512 * 1024,
      userAgent: 'exhunt-bench',
      checkCve202126855: false,
    },
    concurrency,
  );
  const probed = performance.now();
  const reports = outcomes.map((o) => evaluate(o.observation, content));
  const done = performance.now();
  await Promise.all(servers.map((s) => s.close()));
  const exact = reports.filter((r) => r.confidence === 'exact').length;
  const failed = outcomes.filter((o) => o.error !== null).length;
  const requests = servers.reduce((n, s) => n + s.requests.length, 0);
  const result = {
    hosts,
    concurrency,
    startServersMs: Math.round(started - t0),
    probeWallMs: Math.round(probed - started),
    evaluateMs: Math.round(done - probed),
    requests,
    exact,
    failed,
    targetMs: 20_000,
    pass: probed - started < 20_000 && failed === 0 && exact === hosts,
  };
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `probe-bench: ${hosts} fake Exchange hosts on 127.0.0.1, concurrency ${concurrency}\n` +
        `  probe wall time ${(result.probeWallMs / 1000).toFixed(2)} s (target < 20 s), ${requests} HTTPS requests, ${exact} exact builds, ${failed} failures\n` +
        `  evaluation ${result.evaluateMs} ms; starting the servers took ${(result.startServersMs / 1000).toFixed(2)} s (not counted)\n` +
        `  ${result.pass ? 'PASS' : 'FAIL'}\n`,
    );
  }
  process.exitCode = result.pass ? 0 : 1;
}

await main();
