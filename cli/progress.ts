/**
 * The progress line of an import or an export (cli-progress), on stderr and only on a terminal: a script that
 * pipes the output, or asks for --json, gets the counts at the end and nothing in between.
 */
import cliProgress from 'cli-progress';
import { whileRunning } from './stopping.ts';

export interface Progress {
  /** `value` done out of `total` (rows); `total` undefined when nobody knows it yet. */
  update(value: number, status: string, total?: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

export function progress(label: string, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return silent;
  let known = false;
  // Before the total is known (an export) the line counts rows; once it is (an import), it draws the bar.
  const format: cliProgress.GenericFormatter = (options, params, payload: { status: string }) =>
    known
      ? `${label} [${cliProgress.Format.BarFormat(params.progress, options)}] ${Math.floor(params.progress * 100)}% | ${params.value}/${params.total} rows | ${payload.status}`
      : `${label} ${params.value} rows | ${payload.status}`;
  const bar = new cliProgress.SingleBar({ stream, format, hideCursor: true, clearOnComplete: false, barsize: 30, fps: 5 }, cliProgress.Presets.shades_classic);
  bar.start(0, 0, { status: 'starting' });
  // The bar hides the cursor while it draws: a Ctrl-C meanwhile must give it back (cli/stopping.ts).
  const done = whileRunning({ undo: () => bar.stop() });
  return {
    update(value, status, total) {
      if (total !== undefined) {
        known = true;
        // A row count guessed from the file's lines may be short (a record spanning lines): never below done.
        bar.setTotal(Math.max(total, value));
      }
      bar.update(value, { status });
    },
    stop() {
      bar.stop();
      done();
    },
  };
}
