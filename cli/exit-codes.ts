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
  /** An import or export ran and failed, an import rejected every row, or a job was still running when --timeout ran out. */
  jobFailed: 5,
} as const;

/**
 * A failure with its exit status and its one-line reason; `result`, when the command has one all the same
 * (an import that rejected every row), is still the --json document.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly result?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);

/**
 * A failure once an import or export exists on the server: `note` says what became of the job (it goes on,
 * or will not run) and how to follow it, so a script that gave up still has the job's id. The exit status and
 * the reason are those of `error`.
 */
export class JobNoted extends Error {
  constructor(
    readonly error: unknown,
    readonly note: string,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'JobNoted';
  }
}

/** What a file system error means, in words (README: "output a person can read"), not ENOENT. */
const FS_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};
export function fsReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.code && FS_WORDS[e.code]) ?? e.code ?? e.message;
}
