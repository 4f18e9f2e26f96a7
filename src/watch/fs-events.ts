/**
 * @module Change notification: `fs.watch` on the folders that hold followed files, so a new line
 * is noticed within milliseconds and an idle watcher costs nothing. Notifications are hints
 * only: the watcher also polls the files that are being written and rescans its inputs, which
 * covers network shares and file systems where `fs.watch` reports nothing, and events lost
 * while a folder was being set up.
 *
 * Windows and macOS watch a whole root with one recursive watcher (ReadDirectoryChangesW,
 * FSEvents); elsewhere (inotify) each folder gets its own watcher, up to `maxWatches`.
 */
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { join } from 'node:path';

export interface FsEventsOptions {
  /** A path of this machine changed (a file, or a folder when the name is unknown). */
  readonly onChange: (abs: string) => void;
  /** Folders watched at most (inotify watches are a per-user kernel limit). */
  readonly maxWatches?: number;
  /** Recursive watchers per root (default: on Windows and macOS). */
  readonly recursive?: boolean;
}

export class FsEvents {
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #onChange: (abs: string) => void;
  readonly #max: number;
  readonly recursive: boolean;
  /** Folders that could not be watched (then only polling and rescans see them). */
  failed = 0;

  constructor(options: FsEventsOptions) {
    this.#onChange = options.onChange;
    this.#max = options.maxWatches ?? 4096;
    this.recursive = options.recursive ?? (process.platform === 'win32' || process.platform === 'darwin');
  }

  get watching(): number {
    return this.#watchers.size;
  }

  /**
   * Watches exactly these folders (recursive mode: these roots), in the order given (the first
   * ones matter most when the limit is reached); stops watching the others.
   */
  set(dirs: readonly string[]): void {
    const wanted = new Set(dirs.slice(0, this.#max));
    for (const [dir, w] of this.#watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    this.failed = 0;
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false, recursive: this.recursive }, (_event, name) => {
          this.#onChange(name ? join(dir, name.toString()) : dir);
        });
        w.on('error', () => {
          // The folder went away or the watcher broke: polling and the next rescan take over.
          w.close();
          this.#watchers.delete(dir);
          this.#onChange(dir);
        });
        this.#watchers.set(dir, w);
      } catch {
        this.failed++;
      }
    }
  }

  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }
}
