/**
 * How `clientela` ends, for scripts: each failure has its own exit status, and one line on stderr says why.
 * Documented in `clientela --help` and the README.
 */
export const EXIT = {
  ok: 0,
  /** Something unexpected in the CLI itself (a bug): the line says what. */
  internal: 1,
  /** The command line is wrong: unknown command or option, a missing value, a file that cannot be read. */
  usage: 2,
  /** The API refused the request (4xx but 429): bad or revoked key, no such customer, invalid filter, ... */
  refused: 3,
  /** The API could not be reached or failed (network error, 5xx, 429 too many requests, no local instance running). Worth a retry. */
  unavailable: 4,
  /** An import or export ran and failed, or was still running when --timeout ran out. */
  jobFailed: 5,
} as const;

/** A failure with its exit status and its one-line reason. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);
