/**
 * What to undo when the CLI is stopped before it ends by itself: Ctrl-C (SIGINT), `kill` (SIGTERM), a closed
 * terminal (SIGHUP), or a reader that went away (`clientela customers list | head -2`: EPIPE on stdout).
 * Commands register what they leave behind while they run (a half-downloaded file, a hidden cursor, a job
 * the server carries on with); cli/clientela.ts installs the handlers that run them, for the real process
 * only, so tests of run() never get a signal handler or a process.exit.
 */

export interface Stoppable {
  /** Undoes, synchronously (the process exits right after): removes a file, shows the cursor. */
  undo?: () => void;
  /** What goes on without the CLI, for the last line: `export 01... goes on: GET /v1/exports/01...`. */
  note?: () => string | undefined;
}

const registered = new Set<Stoppable>();

/** Registers `what` until the returned function is called (in a `finally`). */
export function whileRunning(what: Stoppable): () => void {
  registered.add(what);
  return () => {
    registered.delete(what);
  };
}

/** Runs every registered undo, newest first, and answers the notes of what goes on. Never throws. */
export function stopAll(): string[] {
  const notes: string[] = [];
  for (const what of [...registered].reverse()) {
    try {
      what.undo?.();
    } catch {
      // Stopping anyway: one failed undo must not keep the others from running.
    }
    const note = what.note?.();
    if (note) notes.push(note);
    registered.delete(what);
  }
  return notes;
}

/** Exit statuses of a process stopped by a signal, as shells report them (128 + the signal's number). */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Installs the handlers on the real process: on a signal, undo, one line on stderr, exit 128+n; on EPIPE on
 * stdout (the reader has all it wanted), undo and exit 0 without a word.
 */
export function installStopHandlers(proc: NodeJS.Process = process): void {
  for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
    proc.on(signal, () => {
      const notes = stopAll();
      const why = signal === 'SIGINT' ? 'interrupted' : `stopped (${signal})`;
      try {
        proc.stderr.write(`clientela: ${why}${notes.length ? `; ${notes.join('; ')}` : ''}\n`);
      } catch {
        // stderr gone too: the exit status still says it.
      }
      proc.exit(SIGNAL_EXIT[signal]);
    });
  }
  proc.stdout.on('error', (error: NodeJS.ErrnoException) => {
    stopAll();
    // A reader that went away (`| head`) is a normal end; any other failure to write (a full disk) is one line.
    if (error.code === 'EPIPE') return proc.exit(0);
    try {
      proc.stderr.write(`clientela: cannot write the output: ${error.code ?? error.message}\n`);
    } catch {
      // stderr gone too: the exit status still says it.
    }
    // As for an --out file that cannot be written (commands.ts): the environment, not the CLI, is at fault.
    proc.exit(2);
  });
}
