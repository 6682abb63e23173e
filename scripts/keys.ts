/**
 * `npm run keys -- <command>`: API keys of a tenant.
 *
 *   create --tenant NAME [--scope all|events|read]
 *                             creates the tenant if needed; prints a new sk_ and pk_ key, or with --scope
 *                             one secret key of that scope (events: POST /v1/events only; read: GET routes
 *                             only, not the keys)
 *   list [--tenant NAME]      key id, kind, scope, prefix, created, revoked (tenant default: demo)
 *   revoke KEY_ID [--tenant NAME]
 *   limits --tenant NAME [--secret RATE/BURST|default] [--publishable RATE/BURST|default]
 *                             the tenant's fair-use limits (requests per second / burst), its own or the
 *                             deployment's defaults; with an option, sets that kind's (default: removes it)
 * Creating and revoking are written to the tenant's audit log (actor `system:keys-cli`).
 *
 * Where: locally (default) the DynamoDB of the `npm start` running on DATA_DIR (found through
 * DATA_DIR/runtime.json), or, when none runs, DynamoDB Local started on DATA_DIR's files for the command
 * (offline: the keys work on the next `npm start` with that DATA_DIR), said on stderr. A DATA_DIR with no
 * instance and no data yet is most likely the wrong one (an `npm start` with another DATA_DIR runs): the command
 * stops (exit 4) rather than create a database that instance never sees, unless `create --new-data` asks for it.
 * Against AWS with `--stack-outputs FILE` (`cdk deploy --outputs-file FILE`), or with TABLE_NAME set and
 * no DYNAMODB_ENDPOINT (credentials and region from the usual AWS environment).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connectTable, localDataDir, StackOutputsError } from './table-target.ts';
import { isAlive, readRuntime } from '../local/runtime-file.ts';
import { dynamoTenantStore, type TenantStore } from '../shared/store/tenant.store.ts';
import { dynamoAuditStore, type AuditStore } from '../shared/store/audit.store.ts';
import { recordAudit } from '../shared/audit/audit.ts';
import { ensureTenant, issueKey, listKeys, revokeKey, setFairUseLimit } from '../shared/domain/tenants.ts';
import { DEFAULT_FAIR_USE, isFairUseLimit, type FairUseLimit, type TrafficClass } from '../shared/domain/rate-limit.ts';
import { TenantIdSchema } from '../shared/domain/tenant.schema.ts';
import { keyDetail, KEY_SCOPES, type KeyScope } from '../shared/domain/api-key.ts';
import { DomainError } from '../shared/domain/errors.ts';

const USAGE = `usage: npm run keys -- create --tenant NAME [--scope all|events|read]
       npm run keys -- list [--tenant NAME]
       npm run keys -- revoke KEY_ID [--tenant NAME]
       npm run keys -- limits --tenant NAME [--secret RATE/BURST|default] [--publishable RATE/BURST|default]
options: --scope SCOPE          create one secret key limited to: events (POST /v1/events only, every type),
                                read (GET routes only, not the keys) or all (everything); without it, a full
                                secret key and a publishable key
         --stack-outputs FILE   use the deployed stack (cdk deploy --outputs-file FILE)
         --new-data             create: when no npm start runs on DATA_DIR and it holds no data yet, create
                                its database with the tenant in it (without it, the command stops: exit 4)
env:     DATA_DIR (default .data) for the local instance; TABLE_NAME without DYNAMODB_ENDPOINT for AWS`;

class UsageError extends Error {}
/** No instance runs on DATA_DIR and it holds no data: most likely not the DATA_DIR meant. Exit 4, as the CLI's. */
class NoInstanceError extends Error {}

/**
 * Locally, says loudly when no `npm start` runs on DATA_DIR: keys written then reach only a later `npm start`
 * with this DATA_DIR, never an instance running on another one (its banner's `Data:` line). A DATA_DIR with no
 * data yet stops the command, unless `--new-data` asks for a new database.
 */
function checkLocalInstance(dataDir: string | undefined, command: string, newData: boolean) {
  if (dataDir === undefined) return;
  const runtime = readRuntime(dataDir);
  if (runtime && isAlive(runtime.pid)) return;
  const hasData = existsSync(join(dataDir, 'dynamodb'));
  const dataDirEnv = process.env.DATA_DIR === undefined ? 'DATA_DIR is not set, so' : `DATA_DIR=${process.env.DATA_DIR}:`;
  if (!hasData && !newData) {
    throw new NoInstanceError(
      [
        `no clientela is running on ${dataDir} (${dataDirEnv} this is the data directory used), and it holds no data yet.`,
        '  Keys made here would go into a new database that a clientela started with another DATA_DIR never sees.',
        '  Run the command with the DATA_DIR of your npm start (the "Data:" line of its banner, which prints the',
        command === 'create' ? '  whole command), or add --new-data to create the tenant in a new database there for a later npm start.' : '  whole command).',
      ].join('\n'),
    );
  }
  console.error(
    [
      `keys: NOTE: no clientela is running on ${dataDir} (${dataDirEnv} this is the data directory used).`,
      command === 'list'
        ? '  Its database is read directly (DynamoDB Local started for this command).'
        : `  The change is written to its database directly: it takes effect once npm start runs with DATA_DIR=${dataDir},\n  and never on a clientela running with another DATA_DIR.`,
    ].join('\n'),
  );
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string', short: 't' },
      scope: { type: 'string' },
      secret: { type: 'string' },
      publishable: { type: 'string' },
      'stack-outputs': { type: 'string' },
      'new-data': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const tenantArg = values.tenant;
  if (tenantArg !== undefined) {
    const parsed = TenantIdSchema.safeParse(tenantArg);
    if (!parsed.success) throw new UsageError(`--tenant "${tenantArg}": ${parsed.error.issues[0]?.message}`);
  }
  const tenantId = tenantArg ?? 'demo';
  const scope = values.scope;
  if (scope !== undefined) {
    if (command !== 'create') throw new UsageError('--scope applies only to create');
    if (!isKeyScope(scope)) throw new UsageError(`--scope "${scope}": must be one of ${KEY_SCOPES.join(', ')}`);
  }

  if (command === 'create') {
    if (tenantArg === undefined) throw new UsageError('create needs --tenant NAME');
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  } else if (command === 'list') {
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  } else if (command === 'revoke') {
    if (rest.length !== 1) throw new UsageError('revoke needs exactly one KEY_ID');
  } else if (command === 'limits') {
    if (tenantArg === undefined) throw new UsageError('limits needs --tenant NAME');
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  } else {
    throw new UsageError(`unknown command ${command}`);
  }
  if (command !== 'limits' && (values.secret !== undefined || values.publishable !== undefined)) throw new UsageError('--secret and --publishable apply only to limits');
  const limitArgs = { secret: parseLimit('--secret', values.secret), publishable: parseLimit('--publishable', values.publishable) };

  if (values['new-data'] && command !== 'create') throw new UsageError('--new-data applies only to create');
  checkLocalInstance(localDataDir(values['stack-outputs']), command, values['new-data'] === true);

  const target = await connectTable(values['stack-outputs']);
  try {
    const store = dynamoTenantStore(target.db, target.tableName);
    const audit = dynamoAuditStore(target.db, target.tableName);
    console.error(`(${target.where})`);
    if (command === 'create') await create(store, audit, tenantId, scope as KeyScope | undefined);
    else if (command === 'list') await list(store, tenantId);
    else if (command === 'limits') await limits(store, tenantId, limitArgs);
    else await revoke(store, audit, tenantId, rest[0]!);
  } finally {
    await target.close();
  }
}

const isKeyScope = (s: string): s is KeyScope => (KEY_SCOPES as readonly string[]).includes(s);

const ACTOR = 'system:keys-cli';

/** Without a scope: a full secret key and a publishable key. With one: that secret key only. */
async function create(store: TenantStore, audit: AuditStore, tenantId: string, scope: KeyScope | undefined) {
  const { created } = await ensureTenant(store, tenantId);
  const secret = await issueKey(store, tenantId, 'secret', scope);
  await recordAudit(audit, { tenantId, actor: ACTOR, action: 'key.create', target: secret.keyId, detail: keyDetail(secret) });
  const publishable = scope === undefined ? await issueKey(store, tenantId, 'publishable') : undefined;
  if (publishable) await recordAudit(audit, { tenantId, actor: ACTOR, action: 'key.create', target: publishable.keyId, detail: keyDetail(publishable) });
  console.log(`tenant ${tenantId}${created ? ' (created)' : ''}`);
  console.log(`secret key:       ${secret.key}   (key id ${secret.keyId}, scope ${secret.scope}${scope ? `: ${SCOPE_WORDS[scope]}` : ''})`);
  if (publishable) console.log(`publishable key:  ${publishable.key}   (key id ${publishable.keyId})`);
  console.log(`Keep ${publishable ? 'them' : 'it'} now: only hashes are stored, keys cannot be shown again.`);
}

/** `RATE/BURST` (e.g. 50/500), `default`, or absent (no change). */
function parseLimit(option: string, raw: string | undefined): FairUseLimit | 'default' | undefined {
  if (raw === undefined || raw === 'default') return raw;
  const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(raw);
  const limit = m ? { rate: Number(m[1]), burst: Number(m[2]) } : undefined;
  if (!limit || !isFairUseLimit(limit)) throw new UsageError(`${option} "${raw}": must be RATE/BURST (requests per second above 0 / a burst of at least 1, e.g. 50/500) or default`);
  return limit;
}

async function limits(store: TenantStore, tenantId: string, changes: Record<TrafficClass, FairUseLimit | 'default' | undefined>) {
  if (!(await store.getTenant(tenantId))) throw new UsageError(`tenant ${tenantId} does not exist`);
  for (const traffic of ['secret', 'publishable'] as const) {
    const change = changes[traffic];
    if (change !== undefined) await setFairUseLimit(store, tenantId, traffic, change === 'default' ? undefined : change);
  }
  const own = (await store.getTenant(tenantId))!.fairUse ?? {};
  for (const traffic of ['secret', 'publishable'] as const) {
    const limit = own[traffic];
    console.log(`${traffic} keys: ${limit ? `${limit.rate}/s, bursts of ${limit.burst} (this tenant's own)` : `the deployment default (FAIR_USE_${traffic.toUpperCase()}_RATE/_BURST; ${DEFAULT_FAIR_USE[traffic].rate}/s, bursts of ${DEFAULT_FAIR_USE[traffic].burst} unless set)`}`);
  }
}

const SCOPE_WORDS: Record<KeyScope, string> = { all: 'everything', events: 'POST /v1/events only', read: 'GET routes only, not the keys' };

async function list(store: TenantStore, tenantId: string) {
  if (!(await store.getTenant(tenantId))) throw new UsageError(`tenant ${tenantId} does not exist`);
  const keys = await listKeys(store, tenantId);
  const rows = [
    ['KEY ID', 'KIND', 'SCOPE', 'PREFIX', 'CREATED', 'REVOKED'],
    ...keys.map((k) => [k.keyId, k.kind, k.scope ?? '-', `${k.prefix}…`, k.createdAt, k.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`tenant ${tenantId}: ${keys.length} key${keys.length === 1 ? '' : 's'}`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

async function revoke(store: TenantStore, audit: AuditStore, tenantId: string, keyId: string) {
  const revoked = await revokeKey(store, tenantId, keyId);
  await recordAudit(audit, { tenantId, actor: ACTOR, action: 'key.revoke', target: revoked.keyId, detail: keyDetail(revoked) });
  console.log(`revoked key ${keyId} of tenant ${tenantId} (warm functions may accept it for a few more seconds)`);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof StackOutputsError || String((error as { code?: string } | undefined)?.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`keys: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof NoInstanceError) {
    console.error(`keys: ${error.message}`);
    process.exitCode = 4;
  } else if (error instanceof DomainError) {
    console.error(`keys: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error('keys:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
