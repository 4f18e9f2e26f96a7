/**
 * @module The CPU cap (`--max-cpu PERCENT` of one core): after each unit of work the watcher
 * asks how long to pause so that the process's CPU time (parsing, matching, SQLite, delivery,
 * garbage collection: everything `process.cpuUsage` counts) stays at or below the cap, averaged
 * over a window of about a second. A backlog is then worked off more slowly instead of taking a
 * production server's core; nothing is dropped.
 */
export class CpuThrottle {
  readonly #share: number;
  readonly #windowMs: number;
  #startWall = 0;
  #startCpu = 0;

  /** `percent` of one core; 0 or 100 and above: no cap. */
  constructor(percent: number, windowMs = 1000) {
    this.#share = percent > 0 && percent < 100 ? percent / 100 : 0;
    this.#windowMs = windowMs;
    this.#reset();
  }

  get enabled(): boolean {
    return this.#share > 0;
  }

  #reset(): void {
    this.#startWall = performance.now();
    const u = process.cpuUsage();
    this.#startCpu = (u.user + u.system) / 1000;
  }

  /** Milliseconds to pause now (0 when under the cap). */
  pauseMs(): number {
    if (this.#share === 0) return 0;
    const wall = performance.now() - this.#startWall;
    const u = process.cpuUsage();
    const cpu = (u.user + u.system) / 1000 - this.#startCpu;
    const pause = cpu / this.#share - wall;
    if (wall >= this.#windowMs && pause <= 0) this.#reset();
    return pause > 0 ? Math.min(pause, 5000) : 0;
  }
}
