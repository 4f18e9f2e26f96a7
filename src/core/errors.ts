/**
 * @module Error classes. Thrown only for problems that stop a whole operation (bad usage,
 * unreadable content pack); problems with one line or file travel as Diagnostics instead.
 */

export interface ErrorLocation {
  readonly path: string;
  readonly line?: number;
}

export class ExhuntError extends Error {
  readonly location: ErrorLocation | undefined;

  constructor(message: string, location?: ErrorLocation) {
    super(location ? `${location.path}${location.line ? `:${location.line}` : ''}: ${message}` : message);
    this.name = new.target.name;
    this.location = location;
  }
}

/** A rule, list or other content file is invalid. */
export class ContentError extends ExhuntError {}

/** The command line or a configuration value is invalid (exit code 2). */
export class UsageError extends ExhuntError {}

/** An input cannot be read at all (missing path, not a zip, zip bomb). */
export class InputError extends ExhuntError {}
