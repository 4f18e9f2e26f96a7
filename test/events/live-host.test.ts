// The live Windows host's event logs, end to end on Linux: the live-host tree (platform injected)
// with a fake `wevtutil` first on PATH that prints this suite's SYNTHETIC fixtures as the
// channels' contents (fake-wevtutil.ts), planned by the engine (the entries carry their own
// placement, wevtutil XML of `Event log/<channel>`), read by the wevtutil XML parser and matched
// by the built-in event rules: the same hits as the fixtures give read as files, and one warning
// naming each channel that cannot be read. POSIX only (the fake is a shell script).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import type { Hit } from '../../src/core/finding.js';
import { planInput } from '../../src/engine/plan.js';
import { readLog } from '../../src/engine/read-log.js';
import { openLiveHostTree } from '../../src/inputs/index.js';
import { installFakeWevtutil } from './fake-wevtutil.js';
import { hitsOf } from './support.js';

test('live host: the event log channels are read through wevtutil and checked like exports', { skip: process.platform === 'win32' ? 'the fake wevtutil is a POSIX shell script' : false }, async (t) => {
  const fake = installFakeWevtutil();
  t.after(() => fake.remove());
  const diagnostics: Diagnostic[] = [];
  const onDiagnostic = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  const tree = await openLiveHostTree({
    platform: 'win32',
    env: { ...fake.env, SystemDrive: 'Q:', WINDIR: undefined, SystemRoot: undefined },
    runRegQuery: () => Promise.resolve(null),
    wevtutil: 'wevtutil',
    onDiagnostic,
  });
  const planned = await planInput(tree, onDiagnostic);
  assert.deepEqual(
    planned.map((p) => (p.placement.type === 'log' ? `${p.placement.source} ${p.placement.format ?? ''}` : p.placement.zone)),
    [
      'Event log/Application wevtutil-xml',
      'Event log/MSExchange Management wevtutil-xml',
      'Event log/Microsoft-Windows-PowerShell/Operational wevtutil-xml',
      'Event log/Microsoft-Windows-Sysmon/Operational wevtutil-xml',
      'Event log/Security wevtutil-xml',
      'Event log/System wevtutil-xml',
      'Event log/Windows PowerShell wevtutil-xml',
    ],
  );

  const hits: Hit[] = [];
  const entries: Record<string, number> = {};
  for (const p of planned) {
    if (p.placement.type !== 'log') continue;
    const stats = await readLog(p.placement.kind, p.placement.format, p.entry.path, () => p.entry.open(), {
      literals: null,
      onRecord: (r) => hits.push(...hitsOf(r)),
      onDiagnostic,
    });
    entries[p.placement.source] = stats.entries;
  }
  await tree.close();

  assert.deepEqual(entries, {
    'Event log/Application': 10,
    'Event log/MSExchange Management': 20,
    'Event log/Microsoft-Windows-PowerShell/Operational': 0,
    'Event log/Microsoft-Windows-Sysmon/Operational': 14,
    'Event log/Security': 0,
    'Event log/System': 0,
    'Event log/Windows PowerShell': 0,
  });
  const byRule: Record<string, number> = {};
  for (const h of hits) byRule[h.ruleId] = (byRule[h.ruleId] ?? 0) + 1;
  assert.deepEqual(byRule, {
    'Exchange.ProxyLogon.UnifiedMessagingInvalidCast': 5,
    'Exchange.ProxyShell.ManagementCertificateRequestToWebFolder': 3,
    'Exchange.ProxyShell.ManagementMailboxExportToWebFolder': 4,
    'Exchange.ProxyShell.ManagementMailboxImportExportRole': 2,
    'Exchange.ProxyShell.ManagementRemoveMailboxExportRequest': 2,
    'Exchange.WebShell.ScriptFileCreatedInWebFolder': 6,
  });
  // Findings name the channel's entry, and its line in wevtutil's output.
  const shell = hits.find((h) => h.ruleId === 'Exchange.WebShell.ScriptFileCreatedInWebFolder');
  assert.equal(shell?.source.path, 'Q/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.xml');
  assert.ok((shell?.source.line ?? 0) >= 1);

  assert.deepEqual(
    diagnostics.map((d) => `${d.level} ${d.code} ${d.message.replace(/ \(.*$/, '')}`),
    [
      'warning exchange-not-found Exchange 2013 or later not found',
      'warning event-log-unavailable event log "Microsoft-Windows-PowerShell/Operational" not read: wevtutil: exit code 159',
      'warning event-log-unavailable event log "Security" not read: wevtutil: access denied',
      'warning event-log-unavailable event log "System" not read: wevtutil: exit code 159',
      'warning event-log-unavailable event log "Windows PowerShell" not read: wevtutil: exit code 159',
    ],
  );
  // The arguments reached wevtutil unchanged, one run per channel.
  assert.equal(fake.runs().length, 7);
  assert.ok(fake.runs().every((r) => r.args.length === 4 && r.args[0] === 'qe' && r.args[2] === '/f:xml' && r.args[3] === '/e:Events'));
});
