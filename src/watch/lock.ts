/**
 * @module One watcher per state store: a lock file beside the store holding the owner's process
 * id. A lock whose process is gone (a crash, SIGKILL, a reboot) is taken over; one held by a
 * live process is waited for a while (a service manager starting the next process while the
 * previous one still delivers its last alerts), then refused.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { processAlive } from '../alerts/outbox/outbox.js';
import { UsageError } from '../core/errors.js';

export interface WatchLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock, waiting up to `waitMs` for a live holder to exit. */
export async function acquireWatchLock(storeFile: string, waitMs = 10_000): Promise<WatchLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return tryLock(storeFile);
    } catch (e) {
      if (!(e instanceof LockHeld) || Date.now() >= deadline) throw e instanceof LockHeld ? new UsageError(e.message) : e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

class LockHeld extends Error {}

function tryLock(storeFile: string): WatchLock {
  const path = `${storeFile}.watch-lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        path,
        release: () => {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
          } catch {
            // Already gone.
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid: number;
      try {
        pid = Number(readFileSync(path, 'utf8').trim());
      } catch {
        continue;
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new LockHeld(`another exhunt watch (process ${pid}) uses the state in ${storeFile}; stop it first (lock file ${path})`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new UsageError(`cannot take the watch lock ${path}`);
}
