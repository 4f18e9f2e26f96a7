/**
 * @module Unit tests of channel URIs and the YAML config: what each URI turns into, secrets kept
 * out of ids and messages, and config errors that name the file and line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AlertConfigError } from '../errors.js';
import { parseAlertsConfig } from './load.js';
import type { AlertConfigErrors } from './load.js';
import { parseChannelUri, redactUri } from './uri.js';

void describe('channel URIs', () => {
  void test('syslog: transport, defaults and policy parameters', () => {
    const { spec, id } = parseChannelUri('syslog+tls://siem.example.org?ca=/etc/ca.pem&format=json&minSeverity=high&dedup=10m&dedupKey=clientIp,path&rate=60/m&retryMax=1m');
    assert.equal(id, 'syslog+tls://siem.example.org?ca=/etc/ca.pem&format=json&minSeverity=high&dedup=10m&dedupKey=clientIp,path&rate=60/m&retryMax=1m');
    assert.equal(spec.type, 'syslog');
    if (spec.type !== 'syslog') return;
    assert.equal(spec.transport, 'tls');
    assert.equal(spec.port, undefined);
    assert.equal(spec.format, 'json');
    assert.equal(spec.minSeverity, 'high');
    assert.deepEqual(spec.dedup, { window: 600_000, key: ['clientIp', 'path'] });
    assert.deepEqual(spec.rateLimit, { count: 60, per: 60_000 });
    assert.deepEqual(spec.retry, { initial: 1000, max: 60_000, maxAttempts: 0 });
  });

  void test('smtp: user, password, recipients, STARTTLS and digest', () => {
    const { spec, id } = parseChannelUri('smtp://alerts:p%40ss@mail.example.org:587?from=exhunt@example.org&to=a@example.org,b@example.org&starttls=1&digest=300');
    assert.equal(spec.type, 'smtp');
    if (spec.type !== 'smtp') return;
    assert.equal(spec.user, 'alerts');
    assert.equal(spec.password, 'p@ss');
    assert.deepEqual(spec.to, ['a@example.org', 'b@example.org']);
    assert.equal(spec.tls, 'starttls');
    assert.equal(spec.digest, 300_000);
    assert.doesNotMatch(id, /p%40ss|p@ss/);
    assert.match(id, /^smtp:\/\/alerts:\*\*\*@mail\.example\.org:587\?.*#[0-9a-f]{8}$/);
  });

  void test('hec and webhooks: tokens and webhook secrets never appear in the id', () => {
    const hec = parseChannelUri('hec+https://splunk.example.org:8088?token=12345678-aaaa&index=exchange');
    assert.doesNotMatch(hec.id, /12345678/);
    assert.equal(hec.spec.type === 'hec' && hec.spec.url, 'https://splunk.example.org:8088/');
    const slack = parseChannelUri('https://hooks.slack.com/services/T000/B000/XXXXSECRET?layout=slack');
    assert.equal(slack.redacted, 'https://hooks.slack.com/services/***?layout=slack');
    assert.equal(slack.spec.type === 'webhook' && slack.spec.url, 'https://hooks.slack.com/services/T000/B000/XXXXSECRET');
    const teams = parseChannelUri('https://example.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET&layout=teams');
    assert.doesNotMatch(teams.id, /SECRET/);
    assert.equal(teams.spec.type === 'webhook' && new URL(teams.spec.url).searchParams.get('sig'), 'SECRET');
    assert.equal(redactUri('smtp://u:pw@h?token=x'), 'smtp://u:***@h?token=***');
  });

  void test('errors name the parameter and never show secrets', () => {
    const bad = (uri: string, pattern: RegExp): void => {
      assert.throws(
        () => parseChannelUri(uri),
        (e: unknown) => e instanceof AlertConfigError && pattern.test(e.message) && !e.message.includes('SECRET'),
        uri,
      );
    };
    bad('syslog+udp://h?fromat=cef', /unknown parameter "fromat"/);
    bad('syslog+udp://h?format=xml', /format: /);
    bad('syslog+tcp://h:99999', /not a URI|port/);
    bad('ftp://h', /unknown scheme "ftp"/);
    bad('hec+https://h?token=SECRET&rate=fast', /rate: not a rate limit/);
    bad('smtp://u:SECRET@h?to=a@example.org&from=b@example.org&minSeverity=bad', /minSeverity: /);
    bad('smtp://h?to=not-an-address&from=b@example.org', /to: /);
    bad('syslog+udp://h?dedupKey=clientIp', /dedupKey needs dedup/);
    bad('hec+https://h?token=SECRET&retryInitial=soon', /retryInitial: not a duration/);
  });
});

const GOOD = `channels:
  - name: siem
    type: syslog
    transport: tcp
    host: 127.0.0.1
    port: 5514
    minSeverity: high
    dedup: { window: 10m, key: [clientIp] }
    rateLimit: 100/m
  - name: mail
    type: smtp
    host: mail.example.org
    from: exhunt@example.org
    to: soc@example.org
    digest: 5m
`;

void describe('alerts config file', () => {
  void test('a valid file', () => {
    const c = parseAlertsConfig(GOOD, 'alerts.yaml');
    assert.equal(c.channels.length, 2);
    const mail = c.channels[1];
    assert.equal(mail?.type === 'smtp' && mail.tls, 'starttls');
    assert.equal(mail?.type === 'smtp' && mail.digest, 300_000);
  });

  const problems = (text: string): string[] => {
    try {
      parseAlertsConfig(text, 'alerts.yaml');
    } catch (e) {
      return (e as AlertConfigErrors).problems.map((p) => p.message);
    }
    return [];
  };

  void test('unknown keys, bad values, missing keys: every problem with file and line', () => {
    const text = GOOD.replace('    port: 5514\n', '    port: 5514\n    colour: red\n').replace('minSeverity: high', 'minSeverity: urgent').replace('    from: exhunt@example.org\n', '');
    assert.deepEqual(problems(text), [
      'alerts.yaml:8: channels.0.minSeverity: Invalid option: expected one of "info"|"low"|"medium"|"high"|"critical"',
      'alerts.yaml:7: channels.0.colour: unknown key "colour"',
      'alerts.yaml:11: channels.1.from: required key is missing',
    ]);
  });

  void test('names are required and unique; YAML syntax errors have lines', () => {
    assert.deepEqual(problems(GOOD.replace('name: mail', 'name: siem')), ['alerts.yaml:10: channels.1.name: "siem" is already the name of channels.0']);
    assert.match(problems(GOOD.replace('  - name: mail\n', '  - \n'))[0] ?? '', /^alerts\.yaml:11: channels\.1: every channel needs a name/);
    assert.match(problems('channels:\n  - name: x\n    type: [\n')[0] ?? '', /^alerts\.yaml:\d+: YAML: /);
  });
});
