/**
 * @module Errors of the alert channels. A delivery failure never leaves the alerting code as an
 * exception to the engine: the dispatcher catches {@link DeliveryError}, retries or records it.
 */
import { ExhuntError } from '../core/errors.js';
import type { ErrorLocation } from '../core/errors.js';

/**
 * A channel could not deliver. `retryable` false means the receiver rejected these alerts
 * themselves (malformed, too large): retrying the same bytes cannot succeed.
 */
export class DeliveryError extends ExhuntError {
  readonly retryable: boolean;
  /** Least wait before the next try that the receiver asked for (HTTP `Retry-After`). */
  retryAfterMs: number | undefined;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message);
    this.retryable = options.retryable;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** A channel URI or the alerts config file is invalid (exit code 2). */
export class AlertConfigError extends ExhuntError {
  constructor(message: string, location?: ErrorLocation) {
    super(message, location);
  }
}

/** A readable message from anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
