/**
 * The command line of the clientela API: parses it, checks it, runs the command (cli/commands.ts) and turns
 * every failure into one line and an exit status. cli/clientela.ts runs it for `npx clientela`. It talks to
 * the API over HTTP through the typed client, like any other program would; see cli/target.ts for which
 * instance and key, cli/exit-codes.ts for how it ends.
 */
import { parseArgs } from 'node:util';
import { ClientelaError, createClientela, UnexpectedAnswerError } from '../client/index.ts';
import * as commands from './commands.ts';
import { CliError, EXIT, JobNoted, usageError } from './exit-codes.ts';
import { resolveTarget } from './target.ts';
import { printable } from './terminal-text.ts';

export const USAGE = `usage: clientela <command> [options]

commands:
  customers list [--filter k=v ...] [--limit N] [--json]
                      the customers matching the filters (the list's query fields: tags=VIP,Regular,
                      consent=granted, q=ross, minSpent=10000, city=Roma, ...), every page; a list
                      field given twice takes both values, another field given twice is refused
  import FILE [--dry-run] [--json]
                      uploads a CSV, waits for the import and prints its counts (--dry-run: reads and
                      counts, writes nothing)
  export [--segment NAME | --filter k=v ...] [--format csv|jsonl] [--delimiter ,|;] [--purpose marketing]
         --out FILE [--json]
                      exports a saved segment (by name or id), the customers matching the filters, or
                      everyone; waits and downloads the file to FILE (--delimiter ';' for Excel set to
                      Italian and other languages that write 1,5; --purpose marketing keeps only the
                      customers who granted consent)
  erase --email E     GDPR erasure of the customer with this email
  keys list           the tenant's API keys (never the keys themselves)
  keys create [--kind secret|publishable] [--scope all|events|read]
                      issues a key and prints it (shown only this once)
  keys revoke KEY_ID  revokes a key

where (first that applies):
  --url URL                     or CLIENTELA_URL: the API's address (no user:password@, ?query or #fragment)
  --key-file FILE, --key KEY    or CLIENTELA_KEY: the API key. --key is seen by every user of the machine
                                (ps): prefer CLIENTELA_KEY or --key-file
  --stack NAME                  the ApiUrl output of a deployed CloudFormation stack (AWS credentials and
                                region from the environment); the key from --key or CLIENTELA_KEY
  --stack-outputs FILE          the same, from cdk deploy --outputs-file FILE
  (none)                        the npm start running on DATA_DIR (default .data) and its demo secret key

options:
  --json                        one JSON document on stdout, for scripts (no progress bar)
  --timeout SECONDS             how long import and export wait for their job (default 1800)
  --request-timeout SECONDS     how long one request waits for its answer, and a download for its next
                                piece (default 30; an upload gets one more second per 64 KiB)
  -h, --help                    this help

exit status:
  0  done
  1  unexpected error in the CLI
  2  usage: unknown command or option, missing value, unreadable file
  3  the API refused the request (4xx: bad or revoked key, not found, invalid input)
  4  the API could not be reached or failed (network, 5xx, 429, no local instance running): retry later
     (a 503 or a 429 is waited out first; a 429 for the imports limit with a long Retry-After is not)
  5  the import or export failed, an import rejected every row, or a job was still running at --timeout
  130, 143  stopped by Ctrl-C or kill: a half-downloaded file is removed; a job goes on on the server
Errors are one line on stderr: "clientela: <reason>"; once an import or export exists, that line names it and
says how to follow it, and "clientela: import ID created" (export) is said on stderr as soon as it exists.`;

/** Which options each command takes (beyond the global ones). */
const COMMAND_OPTIONS: Record<string, string[]> = {
  'customers list': ['filter', 'limit'],
  import: ['dry-run'],
  export: ['segment', 'filter', 'format', 'delimiter', 'purpose', 'out'],
  erase: ['email'],
  'keys list': [],
  'keys create': ['kind', 'scope'],
  'keys revoke': [],
};
const GLOBAL_OPTIONS = ['url', 'key', 'key-file', 'stack', 'stack-outputs', 'json', 'timeout', 'request-timeout', 'help'];

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** A terminal on stderr: draw progress bars, say a job's id as soon as it has one. */
  tty: boolean;
  /** How a command waits out a 429 or a 503 before sending again: a timer unless given (tests pass their own). */
  pause?: (ms: number) => Promise<void>;
}

/** Runs one command line; answers the exit status. Never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    io.stderr(`clientela: ${oneLine(reason(error))}\n`);
    return exitCodeOf(error);
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        stack: { type: 'string' },
        'stack-outputs': { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        'request-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        filter: { type: 'string', multiple: true },
        limit: { type: 'string' },
        'dry-run': { type: 'boolean' },
        segment: { type: 'string' },
        format: { type: 'string' },
        delimiter: { type: 'string' },
        purpose: { type: 'string' },
        out: { type: 'string' },
        email: { type: 'string' },
        kind: { type: 'string' },
        scope: { type: 'string' },
      },
    });
  } catch (e) {
    // parseArgs says e.g. "Unknown option '--x'. To specify a positional argument starting with a '-', ...".
    throw usageError(`${(e as Error).message.split('. ')[0]} (clientela --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE + '\n');
    return EXIT.ok;
  }
  // Asked for, the help is the output; given for want of a command, it is the error (stderr, exit status 2).
  if (positionals.length === 0) {
    io.stderr(USAGE + '\n');
    return EXIT.usage;
  }

  const [first, second, ...rest] = positionals;
  const command = first === 'customers' || first === 'keys' ? `${first} ${second ?? ''}`.trim() : first!;
  const args = first === 'customers' || first === 'keys' ? rest : [second, ...rest].filter((a): a is string => a !== undefined);
  if (!COMMAND_OPTIONS[command]) throw usageError(`unknown command "${command}" (clientela --help)`);
  const allowed = new Set([...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command]!]);
  for (const option of Object.keys(values)) if (!allowed.has(option)) throw usageError(`${command} takes no --${option}`);
  const expected = command === 'import' || command === 'keys revoke' ? 1 : 0;
  if (args.length !== expected) {
    throw usageError(expected ? `${command} needs ${command === 'import' ? 'FILE' : 'KEY_ID'}${args.length > 1 ? ', and only that' : ''}` : `${command} takes no argument "${args[0]}"`);
  }

  // Checked before anything is sent.
  const timeout = values.timeout === undefined ? 1800 : positiveInteger('--timeout', values.timeout);
  const requestTimeout = values['request-timeout'] === undefined ? 30 : positiveInteger('--request-timeout', values['request-timeout']);
  const delimiter = values.delimiter ?? ',';
  if (delimiter !== ',' && delimiter !== ';') throw usageError(`--delimiter "${delimiter}": , or ;`);
  if (values.purpose !== undefined && values.purpose !== 'marketing') throw usageError(`--purpose "${values.purpose}": marketing`);
  const limit = values.limit === undefined ? undefined : positiveInteger('--limit', values.limit);
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl') throw usageError(`--format "${format}": csv or jsonl`);
  if (command === 'export' && !values.out) throw usageError('export needs --out FILE');
  if (command === 'erase' && !values.email) throw usageError('erase needs --email E');
  if (values.kind !== undefined && values.kind !== 'secret' && values.kind !== 'publishable') throw usageError(`--kind "${values.kind}": secret or publishable`);

  const target = await resolveTarget({ url: values.url, key: values.key, keyFile: values['key-file'], stack: values.stack, stackOutputs: values['stack-outputs'] }, io.env);
  const json = values.json ?? false;
  const ctx: commands.Context = {
    api: createClientela({ baseUrl: target.url, key: target.key, timeoutMs: requestTimeout * 1000 }),
    json,
    // Every line is made plain here, whatever the command put in it: text from the server never reaches the
    // terminal with its escape sequences.
    out: (line) => io.stdout(printable(line) + '\n'),
    note: (line) => io.stderr(oneLine(line) + '\n'),
    // Said to scripts too (stderr: --json keeps stdout one document): a script that stops waiting, or is
    // stopped, still has the job's id to follow.
    tell: (line) => io.stderr(oneLine(line) + '\n'),
    showProgress: io.tty && !json,
    timeoutMs: timeout * 1000,
    pollMs: 500,
    requestTimeoutMs: requestTimeout * 1000,
    pause: io.pause ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
  const filter = values.filter ?? [];

  let result: unknown;
  try {
    switch (command) {
      case 'customers list':
        result = await commands.customersList(ctx, { filter, limit });
        break;
      case 'import':
        result = await commands.importFile(ctx, args[0]!, { dryRun: values['dry-run'] ?? false });
        break;
      case 'export':
        result = await commands.exportCustomers(ctx, { segment: values.segment, filter, format, delimiter, purpose: values.purpose as 'marketing' | undefined, out: values.out! });
        break;
      case 'erase':
        result = await commands.erase(ctx, values.email!);
        break;
      case 'keys list':
        result = await commands.keysList(ctx);
        break;
      case 'keys create':
        result = await commands.keysCreate(ctx, { kind: values.kind ?? 'secret', scope: values.scope });
        break;
      case 'keys revoke':
        result = await commands.keysRevoke(ctx, args[0]!);
        break;
    }
  } catch (e) {
    // A failure with a result (every row of an import rejected): the document for scripts all the same.
    if (json && e instanceof CliError && e.result !== undefined) io.stdout(plainJson(e.result) + '\n');
    throw withTarget(e, target.url, requestTimeout);
  }
  if (json) io.stdout(plainJson(result) + '\n');
  return EXIT.ok;
}

/**
 * JSON with the characters JSON.stringify leaves raw but a terminal may act on (DEL, the C1 controls such as
 * U+009B, a one-character escape sequence; the line separators) written as \u escapes: the same document.
 */
const plainJson = (value: unknown) => JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw usageError(`${option} "${value}": a whole number above 0`);
  return n;
}

/**
 * A failure talking to the API says which URL (fetch only says "fetch failed" or "terminated"). Failures of
 * the object store (uploads, downloads) are CliErrors already, naming the store.
 */
function withTarget(error: unknown, url: string, timeoutSeconds: number): unknown {
  if (error instanceof JobNoted) return new JobNoted(withTarget(error.error, url, timeoutSeconds), error.note);
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return new CliError(EXIT.unavailable, `cannot reach ${url}: ${cause?.code ?? cause?.message ?? error.message}`);
  }
  // undici's word for a body that stopped before its end (the connection closed mid-answer).
  if (error instanceof TypeError && error.message === 'terminated') return new CliError(EXIT.unavailable, `the answer of ${url} was cut short: try again`);
  if (error instanceof Error && error.name === 'TimeoutError') return new CliError(EXIT.unavailable, `${url} did not answer within ${timeoutSeconds} s (--request-timeout)`);
  // The client parses every answer as JSON: an HTML page or a cut-off body means the URL is not (all) the API.
  if (error instanceof SyntaxError) return new CliError(EXIT.unavailable, `${url} did not answer with the API's JSON (${error.message})`);
  if (error instanceof UnexpectedAnswerError) return new CliError(EXIT.unavailable, `${url} did not answer as the API does (${error.message})`);
  return error;
}

function reason(error: unknown): string {
  // The job last: the reason is cut at REASON_MAX_CHARS, the job's id is what must not be.
  if (error instanceof JobNoted) return `${cut(oneLine(reason(error.error)), REASON_MAX_CHARS - error.note.length - 2)}; ${error.note}`;
  if (error instanceof ClientelaError) return `${error.message}${error.field && !error.detail.includes(error.field) ? ` (${error.field})` : ''}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof JobNoted) return exitCodeOf(error.error);
  if (error instanceof CliError) return error.exitCode;
  // 429 is a refusal that a later retry gets past: with the network failures and the 5xx.
  if (error instanceof ClientelaError) return error.status >= 500 || error.status === 429 ? EXIT.unavailable : EXIT.refused;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return EXIT.unavailable;
  return EXIT.internal;
}

/** The longest reason printed: a problem's detail comes from the server, which may send anything. */
const REASON_MAX_CHARS = 500;

/** One line, printable on a terminal (terminal-text.ts), and a huge detail cut. */
const oneLine = (text: string) => cut(printable(text).replace(/\s+/g, ' ').trim(), REASON_MAX_CHARS);
const cut = (line: string, max: number) => (line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line);
