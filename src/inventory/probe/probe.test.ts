/**
 * @module Probe tests against fake Exchange servers this test starts on 127.0.0.1 (HTTPS with a
 * self-signed certificate made in-process): every way of reading the build, certificates,
 * timeouts, retries, broken servers, the CVE-2021-26855 check, bounded concurrency and an HTTPS
 * proxy. No packet leaves 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selfSignedCert } from '../../../test/fixtures/inventory/self-signed.js';
import { startBrokenServer, startConnectProxy, startFakeExchange, type FakeBehaviour, type FakeServer } from '../../../test/fixtures/inventory/fake-exchange.js';
import { formatShort } from '../build.js';
import { evaluate } from '../evaluate.js';
import { builtinContent } from '../testutil.js';
import { proxyFromEnv } from './http.js';
import { NMAP_26855, probeAll, probeTarget, type ProbeOptions } from './probe.js';
import { parseTarget, parseTargetsFile, type Target } from './targets.js';

const content = builtinContent();

function options(over: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    timeoutMs: 2000,
    retries: 1,
    backoffMs: 20,
    insecure: true,
    proxy: null,
    proxyFor: () => null,
    maxBodyBytes: 256 * 1024,
    userAgent: 'exhunt-test',
    checkCve202126855: false,
    ...over,
  };
}

const servers: FakeServer[] = [];
async function fake(b: FakeBehaviour): Promise<{ server: FakeServer; target: Target }> {
  const server = await startFakeExchange(b);
  servers.push(server);
  return { server, target: parseTarget(`127.0.0.1:${server.port}`) };
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

void describe('reading the build', () => {
  void test('X-OWA-Version of the logon page: exact, evaluated like any build', async () => {
    const { target, server } = await fake({ build: '15.1.2176.9' });
    const o = await probeTarget(target, content.catalog, options());
    assert.equal(o.observation.confidence, 'exact');
    assert.equal(o.observation.method, 'probe-x-owa-version');
    assert.equal(formatShort(o.observation.build ?? { major: 0, minor: 0, build: 0, revision: 0 }), '15.1.2176.9');
    assert.ok(!server.requests.some((r) => r.path.includes('exporttool')), 'no exporttool request when the header is exact');
    assert.ok(!server.requests.some((r) => r.path === NMAP_26855.path), 'no CVE check unless asked');
    const report = evaluate(o.observation, content, { asOf: '2026-11-27' });
    assert.equal(report.families.find((f) => f.id === 'proxylogon')?.status, 'fixed');
    assert.ok(report.openFamilies.includes('proxyshell'));
  });

  void test('only EWS sends X-OWA-Version', async () => {
    const { target } = await fake({ build: '15.2.1544.4', owaHeader: false, resourcePath: false });
    const o = await probeTarget(target, content.catalog, options());
    assert.equal(o.observation.method, 'probe-x-owa-version');
    assert.match(o.observation.evidence[0]?.source ?? '', /\/EWS\/Exchange\.asmx$/);
  });

  void test('resource path only, manifest under /ecp/<build>/exporttool/: exact from the manifest', async () => {
    const { target, server } = await fake({ build: '15.1.2176.9', owaHeader: false, ewsHeader: false, exporttool: 'versioned' });
    const o = await probeTarget(target, content.catalog, options());
    assert.equal(o.observation.method, 'probe-exporttool');
    assert.equal(o.observation.confidence, 'exact');
    assert.ok(o.observation.build && formatShort(o.observation.build) === '15.1.2176.9');
    const tried = server.requests.filter((r) => r.path.includes('exporttool')).map((r) => r.path.split('/')[2]);
    assert.equal(tried[0], 'Current');
    assert.equal(tried.at(-1), '15.1.2176.9');
  });

  void test('manifest under /ecp/Current/: one request suffices', async () => {
    const { target, server } = await fake({ build: '15.2.1748.43', owaHeader: false, ewsHeader: false, exporttool: 'current' });
    const o = await probeTarget(target, content.catalog, options());
    assert.equal(o.observation.method, 'probe-exporttool');
    assert.equal(server.requests.filter((r) => r.path.includes('exporttool')).length, 1);
  });

  void test('resource path and nothing else: CU only, SU-dependent families unknown', async () => {
    const { target } = await fake({ build: '15.1.2176.9', owaHeader: false, ewsHeader: false, exporttool: 'none' });
    const o = await probeTarget(target, content.catalog, options());
    assert.equal(o.observation.confidence, 'cu-only');
    assert.equal(o.observation.method, 'probe-owa-path');
    const r = evaluate(o.observation, content, { asOf: '2026-11-27' });
    assert.equal(r.families.find((f) => f.id === 'proxylogon')?.status, 'unknown');
  });

  void test('a web server that is not Exchange: reached, no build, unknown (never safe)', async () => {
    const { target } = await fake({ build: '15.1.2176.9', notExchange: true });
    const o = await probeTarget(target, content.catalog, options());
    assert.equal(o.error, null);
    assert.equal(o.observation.build, null);
    assert.equal(o.observation.method, 'probe-no-build');
    assert.ok(evaluate(o.observation, content).families.every((f) => f.status === 'unknown'));
  });
});

void describe('network behaviour', () => {
  void test('a self-signed certificate fails without --insecure (no retries), passes with the CA given', async () => {
    const { target, server } = await fake({ build: '15.1.2176.9' });
    const strict = await probeTarget(target, content.catalog, options({ insecure: false, retries: 3 }));
    assert.match(strict.error ?? '', /CERT|self[- ]signed/i);
    assert.equal(server.requests.length, 0);
    const withCa = await probeTarget(parseTarget(`localhost:${server.port}`), content.catalog, options({ insecure: false, ca: selfSignedCert().cert }));
    assert.equal(withCa.observation.confidence, 'exact');
  });

  void test('a slow server times out within the deadline and is retried, then reported unreachable', async () => {
    const { target, server } = await fake({ build: '15.1.2176.9', delayMs: 1500 });
    const t0 = Date.now();
    const o = await probeTarget(target, content.catalog, options({ timeoutMs: 200, retries: 1 }));
    assert.match(o.error ?? '', /ETIMEDOUT/);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.ok(server.requests.length >= 2, 'the first request was retried');
    assert.equal(o.observation.method, 'probe-unreachable');
  });

  void test('connection resets and HTTP 503 are retried with backoff until the answer comes', async () => {
    const reset = await fake({ build: '15.2.1544.4', failFirst: 2, failMode: 'reset' });
    const a = await probeTarget(reset.target, content.catalog, options({ retries: 3 }));
    assert.equal(a.observation.confidence, 'exact');
    assert.ok(a.requests.some((r) => r.attempts > 1));
    const busy = await fake({ build: '15.2.1544.4', failFirst: 1, failMode: '503' });
    const b = await probeTarget(busy.target, content.catalog, options({ retries: 2 }));
    assert.equal(b.observation.confidence, 'exact');
  });

  void test('servers that speak no TLS, or never answer, end as unreachable without hanging', async () => {
    for (const mode of ['garbage', 'silent', 'close'] as const) {
      const s = await startBrokenServer(mode);
      servers.push(s);
      const o = await probeTarget(parseTarget(`127.0.0.1:${s.port}`), content.catalog, options({ timeoutMs: 300, retries: 0 }));
      assert.notEqual(o.error, null, mode);
      assert.equal(o.observation.build, null);
    }
  });

  void test('bounded concurrency: never more requests in flight than --concurrency', async () => {
    const { server } = await fake({ build: '15.1.2507.66', delayMs: 30 });
    const targets: Target[] = Array.from({ length: 24 }, (_, i) => ({ label: `srv${i}`, host: '127.0.0.1', port: server.port, servername: null }));
    const out = await probeAll(targets, content.catalog, options(), 4);
    assert.equal(out.length, 24);
    assert.ok(out.every((o) => o.observation.confidence === 'exact'));
    assert.deepEqual(out.map((o) => o.target.label), targets.map((t) => t.label), 'results in target order');
    assert.ok(server.stats.maxActive <= 4, `max in flight ${server.stats.maxActive}`);
    assert.ok(server.stats.maxActive >= 2, 'probes ran in parallel');
  });

  void test('through an HTTPS proxy (CONNECT), and NO_PROXY bypasses it', async () => {
    const { target } = await fake({ build: '15.1.2375.37' });
    const proxy = await startConnectProxy();
    try {
      const url = new URL(`http://127.0.0.1:${proxy.port}`);
      const o = await probeTarget(target, content.catalog, options({ proxyFor: () => url }));
      assert.equal(o.observation.confidence, 'exact');
      assert.ok(proxy.connects.includes(`127.0.0.1:${target.port}`), proxy.connects.join(','));
      const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: 'localhost,.corp.example' };
      assert.equal(proxyFromEnv('127.0.0.1', env)?.port, String(proxy.port));
      assert.equal(proxyFromEnv('mail.corp.example', env), null);
      assert.equal(proxyFromEnv('localhost', env), null);
      assert.equal(proxyFromEnv('x', {}), null);
    } finally {
      await proxy.close();
    }
  });
});

void describe('--check-cve-2021-26855', () => {
  void test('sends exactly the nmap script request and reports X-CalculatedBETarget: localhost as open', async () => {
    const { target, server } = await fake({ build: '15.1.2176.9', vulnerable26855: true });
    const o = await probeTarget(target, content.catalog, options({ checkCve202126855: true }));
    const req = server.requests.find((r) => r.path === NMAP_26855.path);
    assert.equal(req?.method, 'GET');
    assert.equal(req?.headers.cookie, NMAP_26855.cookie);
    const r = evaluate(o.observation, content, { asOf: '2026-11-27' });
    assert.ok(r.open.includes('CVE-2021-26855'), 'the live check overrides the fixed build');
    const clean = await fake({ build: '15.1.2176.9' });
    const o2 = await probeTarget(clean.target, content.catalog, options({ checkCve202126855: true }));
    assert.equal(o2.observation.posture?.items[0]?.state, 'absent');
  });
});

void describe('targets', () => {
  void test('host, host:port, https URL, IPv6 and a targets file with comments or a CSV', () => {
    assert.deepEqual(parseTarget('mail.example.com'), { label: 'mail.example.com', host: 'mail.example.com', port: 443, servername: 'mail.example.com' });
    assert.equal(parseTarget('https://mail.example.com:8443/owa/').port, 8443);
    assert.deepEqual(parseTarget('[::1]:4443'), { label: '[::1]:4443', host: '::1', port: 4443, servername: null });
    assert.throws(() => parseTarget('http://x'), /only https/);
    assert.throws(() => parseTarget('a b'), /not host/);
    assert.deepEqual(parseTargetsFile('# list\nmail1.example.com\n\nmail2.example.com:444 # dr site\n').map((t) => `${t.host}:${t.port}`), ['mail1.example.com:443', 'mail2.example.com:444']);
    assert.deepEqual(parseTargetsFile('name,owner\nmail1.example.com,alice\n').map((t) => t.host), ['mail1.example.com']);
  });
});

before(() => {
  // Probe tests run with no proxy from the environment.
  delete process.env.HTTPS_PROXY;
  delete process.env.https_proxy;
});
