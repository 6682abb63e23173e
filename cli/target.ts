/**
 * Which clientela the CLI talks to, and with which key, in this order:
 *
 * 1. `--url` / `--key`, else `CLIENTELA_URL` / `CLIENTELA_KEY`;
 * 2. the endpoint of a deployed stack: `--stack NAME` (the `ApiUrl` output of the CloudFormation stack, read with
 *    the usual AWS credentials and region) or `--stack-outputs FILE` (`cdk deploy --outputs-file FILE`); the key
 *    must then come from 1;
 * 3. the local instance of `DATA_DIR` (default `.data`): its URL from `DATA_DIR/runtime.json`, which `npm start`
 *    writes, and the demo secret key it keeps in `DATA_DIR/keys.json`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keyProblem } from '../client/index.ts';
import { commandLine, isAlive, readRuntime } from '../local/runtime-file.ts';
import { CliError, EXIT, fsReason, usageError } from './exit-codes.ts';

export interface Target {
  url: string;
  key: string;
  /** Where the URL came from, for messages: `--url`, `CLIENTELA_URL`, `stack NAME`, `local instance (.data)`. */
  source: string;
}

export interface TargetOptions {
  url?: string;
  key?: string;
  /** A file holding the key (one line): unlike --key, not visible to other users in `ps`. */
  keyFile?: string;
  stack?: string;
  stackOutputs?: string;
}

export async function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  if (options.key !== undefined && options.keyFile !== undefined) throw usageError('give --key or --key-file, not both');
  const key = checkKey(
    options.key !== undefined ? { key: options.key, source: '--key' } : options.keyFile !== undefined ? { key: readKeyFile(options.keyFile), source: `--key-file ${options.keyFile}` } : env.CLIENTELA_KEY ? { key: env.CLIENTELA_KEY, source: 'CLIENTELA_KEY' } : undefined,
  );
  if (options.stack && options.stackOutputs) throw usageError('give --stack or --stack-outputs, not both');
  const explicit = options.url
    ? { url: options.url, source: '--url' }
    : options.stack
      ? { url: await stackApiUrl(options.stack), source: `stack ${options.stack}` }
      : options.stackOutputs
        ? { url: apiUrlFromOutputsFile(options.stackOutputs), source: options.stackOutputs }
        : env.CLIENTELA_URL
          ? { url: env.CLIENTELA_URL, source: 'CLIENTELA_URL' }
          : undefined;
  if (explicit) {
    const url = checkUrl(explicit.url, explicit.source);
    if (!key) throw usageError(`no key for ${url}: set CLIENTELA_KEY or give --key-file`);
    return { url, key, source: explicit.source };
  }
  const local = localInstance(env);
  return { url: local.url, key: key ?? local.key, source: local.source };
}

/** A key a header can carry, or a usage error saying what is wrong with it, never what it is. */
function checkKey(given: { key: string; source: string } | undefined): string | undefined {
  if (!given || given.key === '') return undefined;
  const problem = keyProblem(given.key);
  if (problem) throw usageError(`the key of ${given.source} ${problem}`);
  return given.key;
}

function readKeyFile(file: string): string {
  try {
    // The file's line break (an editor adds one) is not part of the key.
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw usageError(`cannot read --key-file ${file}: ${fsReason(e)}`);
  }
}

/**
 * The API's base URL: http(s), with no user name or password, query string or fragment. Those would not
 * reach the API as meant (fetch refuses credentials; a console link's `#key=...` is no API path) and are
 * where secrets hide, so the message never repeats them: only the scheme, host and path.
 */
function checkUrl(url: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`${source} is not a URL: give the API's address, e.g. https://api.example.com`);
  }
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`${source}: "${shown}" is not an http(s) URL`);
  if (parsed.username || parsed.password) throw usageError(`${source}: a URL with a user name or password is not taken (the key goes in CLIENTELA_KEY or --key-file)`);
  if (parsed.search || parsed.hash || url.includes('#') || url.includes('?')) {
    throw usageError(`${source}: give the API's address without "?..." or "#..." (${shown}); a key goes in CLIENTELA_KEY or --key-file`);
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

/** The `npm start` running on DATA_DIR, and the demo tenant's secret key it keeps there. */
function localInstance(env: NodeJS.ProcessEnv): { url: string; key: string; source: string } {
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  const source = `local instance (${dataDir})`;
  const runtime = readRuntime(dataDir);
  if (!runtime || !isAlive(runtime.pid) || !isLocalStart(runtime.pid)) {
    throw new CliError(EXIT.unavailable, `no clientela is running on ${dataDir}: start it with npm start (same DATA_DIR), or set CLIENTELA_URL and CLIENTELA_KEY`);
  }
  let key: string | undefined;
  try {
    key = (JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { secret?: { key?: string } }).secret?.key;
  } catch {}
  if (!key) throw usageError(`${join(dataDir, 'keys.json')} holds no demo secret key: set CLIENTELA_KEY or give --key`);
  return { url: runtime.url, key, source };
}

/**
 * Whether `pid` is still an `npm start` (local/start.ts): after a crash or a reboot, runtime.json names a
 * pid the system may have given to another process. Where the command line cannot be read (not Linux), the
 * pid alone decides, as before.
 */
function isLocalStart(pid: number): boolean {
  const command = commandLine(pid);
  return command === undefined || /start\.ts|clientela/.test(command);
}

/** The `ApiUrl*` output of `cdk deploy --outputs-file FILE`: `{ "<stack>": { "ApiUrl...": "https://..." } }`. */
export function apiUrlFromOutputsFile(file: string): string {
  let outputs: unknown;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    // Not JSON.parse's message: it quotes the file's first characters, and a key file passed here by mistake
    // (for --key-file) would be printed.
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`cannot read --stack-outputs ${file}: ${code ? fsReason(e) : 'not JSON (the file cdk deploy --outputs-file writes)'}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(outputs)) throw usageError(`${file} is not the outputs file of cdk deploy --outputs-file (an object of stacks and their outputs)`);
  return oneApiUrl(
    Object.values(outputs).flatMap((o) => Object.entries(isObject(o) ? o : {}).map(([name, value]) => ({ name, value }))),
    file,
  );
}

/** The `ApiUrl` output of a deployed CloudFormation stack (AWS credentials and region from the environment). */
export async function stackApiUrl(stackName: string, cloudFormation?: { send(command: unknown): Promise<unknown> }): Promise<string> {
  // The SDK warns (8 lines on stderr) that its releases from 2027 on need Node 22; the CLI supports Node 20
  // and prints one line. Set before the SDK is loaded, as its own switch says.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded only for --stack: the SDK is not needed to talk to a URL.
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = cloudFormation ?? new CloudFormationClient({});
  try {
    const answer = (await client.send(new DescribeStacksCommand({ StackName: stackName }))) as { Stacks?: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }[] };
    const outputs = answer.Stacks?.[0]?.Outputs ?? [];
    return oneApiUrl(
      outputs.map((o) => ({ name: o.OutputKey ?? '', value: o.OutputValue })),
      `stack ${stackName}`,
    );
  } catch (e) {
    if (e instanceof CliError) throw e;
    const error = e as Error & { $metadata?: { httpStatusCode?: number } };
    // No region or no credentials is this machine's set-up, not AWS failing: nothing a retry changes.
    if (error.name === 'CredentialsProviderError' || /region is missing/i.test(error.message)) {
      throw usageError(`cannot read the outputs of stack ${stackName}: ${error.message} (set AWS_REGION and AWS credentials, e.g. AWS_PROFILE)`);
    }
    const status = error.$metadata?.httpStatusCode;
    throw new CliError(status && status < 500 ? EXIT.refused : EXIT.unavailable, `cannot read the outputs of stack ${stackName}: ${error.message}`);
  } finally {
    if (!cloudFormation) (client as { destroy?: () => void }).destroy?.();
  }
}

function oneApiUrl(outputs: { name: string; value: unknown }[], where: string): string {
  const urls = outputs.filter((o) => /^ApiUrl/.test(o.name) && typeof o.value === 'string').map((o) => o.value as string);
  if (urls.length !== 1) throw usageError(`${where} should have one ApiUrl output; found ${urls.length}`);
  return urls[0]!;
}
