/**
 * @module Call-order bookkeeping shared by every sink, so that all of them answer a call made out
 * of order the same way (the conformance suite checks this).
 *
 * The rule: `begin` is optional and at most once, before any `write`; `write` any number of times;
 * `close` once. Any call after `close` rejects with {@link SinkClosedError}: a finding written
 * after the report was finished would be silently missing from it, and the engine must hear
 * about that bug rather than print a report that looks complete.
 */
import { inspect } from 'node:util';
import { ExhuntError } from '../core/errors.js';

/** A sink could not deliver (a file could not be written, a stream failed). Exit code 2. */
export class SinkError extends ExhuntError {}

/** A sink was called after `close`, or `begin` was called twice or after `write`. */
export class SinkClosedError extends SinkError {}

type State = 'new' | 'writing' | 'closed';

export class SinkLifecycle {
  readonly #sink: string;
  #state: State = 'new';

  constructor(sink: string) {
    this.#sink = sink;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Throws unless this is the first call. */
  begin(): void {
    if (this.#state !== 'new') throw new SinkClosedError(`${this.#sink} sink: begin() called after ${this.#state === 'closed' ? 'close()' : 'write()'}`);
    this.#state = 'writing';
  }

  /** Throws after close. `write` without `begin` is allowed: begin is optional in the contract. */
  write(): void {
    if (this.#state === 'closed') throw new SinkClosedError(`${this.#sink} sink: write() called after close()`);
    this.#state = 'writing';
  }

  /** Throws when already closed; otherwise marks the sink closed before the caller does its work. */
  close(): void {
    if (this.#state === 'closed') throw new SinkClosedError(`${this.#sink} sink: close() called twice`);
    this.#state = 'closed';
  }
}

/** A readable message from anything thrown (errors, strings, or whatever a stream emits). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : inspect(err);
}
