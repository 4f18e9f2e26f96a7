/**
 * Child process of the crash test: plays a watcher that turns lines into alerts. It reads its
 * checkpoint, queues the alerts of the next lines in chunks, each chunk in ONE transaction with
 * the checkpoint update (`Outbox.enqueue(tx, …)`), and delivers through the dispatcher. The
 * parent kills it with SIGKILL at arbitrary moments and starts it again.
 *
 * argv: STORE_FILE RECEIVER_URL TOTAL_ALERTS
 */
import { channelFromUri, Dispatcher, openOutbox } from '../../../src/alerts/index.js';
import { CTX, numberedAlerts } from './fixtures.js';

const [store = '', url = '', totalText = '10'] = process.argv.slice(2);
const total = Number(totalText);
const opened = openOutbox({ path: store });
const { outbox } = opened;
const db = outbox.db;
db.exec('CREATE TABLE IF NOT EXISTS test_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), next_line INTEGER NOT NULL)');
const channel = channelFromUri(`${url}?name=crash&retryInitial=20ms&retryMax=100ms`, CTX);
const dispatcher = new Dispatcher({ outbox, channels: [channel] });
dispatcher.start();

const all = numberedAlerts(total);
for (;;) {
  const row = db.prepare('SELECT next_line FROM test_checkpoint WHERE id = 1').get() as { next_line: number } | undefined;
  const next = row?.next_line ?? 0;
  if (next >= total) break;
  const chunk = all.slice(next, next + 4);
  db.transaction(() => {
    outbox.enqueue(db, channel, chunk);
    db.prepare('INSERT INTO test_checkpoint (id, next_line) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET next_line = excluded.next_line').run(next + chunk.length);
  })();
  dispatcher.kick();
  await new Promise((r) => setTimeout(r, 10));
}
const report = await dispatcher.flush({ timeoutMs: 20_000 });
await dispatcher.stop();
await opened.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(report.every((r) => r.pending === 0) ? 0 : 3);
