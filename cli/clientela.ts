/**
 * `npx clientela <command>` (the package's `bin` is cli/bin.js, which loads this file with tsx, as `npm start`
 * runs local/start.ts): the command line of cli/command-line.ts on this process's arguments and streams.
 * Also `node --import tsx cli/clientela.ts <command>`.
 */
import { run } from './command-line.ts';
import { installStopHandlers } from './stopping.ts';

// Ctrl-C, kill and a closed pipe on stdout undo what the running command leaves behind (cli/stopping.ts).
installStopHandlers();

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  tty: Boolean(process.stderr.isTTY),
});
