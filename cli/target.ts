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
import { isAlive, readRuntime } from '../local/runtime-file.ts';
import { CliError, EXIT, usageError } from './exit-codes.ts';

export interface Target {
  url: string;
  key: string;
  /** Where the URL came from, for messages: `--url`, `CLIENTELA_URL`, `stack NAME`, `local instance (.data)`. */
  source: string;
}

export interface TargetOptions {
  url?: string;
  key?: string;
  stack?: string;
  stackOutputs?: string;
}

export async function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const key = options.key ?? (env.CLIENTELA_KEY || undefined);
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
    if (!key) throw usageError(`no key for ${explicit.url}: set CLIENTELA_KEY or give --key`);
    return { url: checkUrl(explicit.url, explicit.source), key, source: explicit.source };
  }
  const local = localInstance(env);
  return { url: local.url, key: key ?? local.key, source: local.source };
}

function checkUrl(url: string, source: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw usageError(`${source}: "${url}" is not an http(s) URL`);
  }
  return url.replace(/\/+$/, '');
}

/** The `npm start` running on DATA_DIR, and the demo tenant's secret key it keeps there. */
function localInstance(env: NodeJS.ProcessEnv): { url: string; key: string; source: string } {
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  const source = `local instance (${dataDir})`;
  const runtime = readRuntime(dataDir);
  if (!runtime || !isAlive(runtime.pid)) {
    throw new CliError(EXIT.unavailable, `no clientela is running on ${dataDir}: start it with npm start (same DATA_DIR), or set CLIENTELA_URL and CLIENTELA_KEY`);
  }
  let key: string | undefined;
  try {
    key = (JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { secret?: { key?: string } }).secret?.key;
  } catch {}
  if (!key) throw usageError(`${join(dataDir, 'keys.json')} holds no demo secret key: set CLIENTELA_KEY or give --key`);
  return { url: runtime.url, key, source };
}

/** The `ApiUrl*` output of `cdk deploy --outputs-file FILE`: `{ "<stack>": { "ApiUrl...": "https://..." } }`. */
export function apiUrlFromOutputsFile(file: string): string {
  let outputs: Record<string, Record<string, unknown>>;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8')) as typeof outputs;
  } catch (e) {
    throw usageError(`cannot read --stack-outputs ${file}: ${(e as Error).message}`);
  }
  return oneApiUrl(
    Object.values(outputs).flatMap((o) => Object.entries(o ?? {}).map(([name, value]) => ({ name, value }))),
    file,
  );
}

/** The `ApiUrl` output of a deployed CloudFormation stack (AWS credentials and region from the environment). */
export async function stackApiUrl(stackName: string, cloudFormation?: { send(command: unknown): Promise<unknown> }): Promise<string> {
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
