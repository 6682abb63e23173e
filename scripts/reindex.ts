/**
 * `npm run reindex [-- --tenant T] [--stack-outputs FILE]`: rewrites the derived attributes (search text,
 * city key, list index keys) of every card whose stored ones differ from what the code derives now, e.g.
 * after the search folding changed (1 Dec 2026: Ø, Ł, ß, ’ ...). Per tenant through the list index's shards
 * (no Scan); one conditional UpdateItem per card that differs (a card changed meanwhile is left: its writer
 * stored today's attributes). Idempotent: a second run rewrites 0. Where: as `npm run keys` (scripts/table-target.ts).
 */
import { parseArgs } from 'node:util';
import { dynamoCardReindex, type ReindexCounts } from '../shared/store/card-reindex.store.ts';
import { TenantIdSchema } from '../shared/domain/tenant.schema.ts';
import { connectTable, StackOutputsError } from './table-target.ts';

const USAGE = `usage: npm run reindex [-- --tenant NAME] [--stack-outputs FILE]
options: --tenant NAME          only this tenant's cards (default: every tenant)
         --stack-outputs FILE   use the deployed stack (cdk deploy --outputs-file FILE)
env:     DATA_DIR (default .data) for the local instance; TABLE_NAME without DYNAMODB_ENDPOINT for AWS`;

class UsageError extends Error {}

const line = (tenantId: string, c: ReindexCounts) => `tenant ${tenantId}: ${c.read} cards read, ${c.rewritten} rewritten, ${c.changedMeanwhile} changed meanwhile (left as written)`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { tenant: { type: 'string', short: 't' }, 'stack-outputs': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void console.log(USAGE);
  if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`);
  if (values.tenant !== undefined) {
    const parsed = TenantIdSchema.safeParse(values.tenant);
    if (!parsed.success) throw new UsageError(`--tenant "${values.tenant}": ${parsed.error.issues[0]?.message}`);
  }

  const target = await connectTable(values['stack-outputs']);
  try {
    console.error(`(${target.where})`);
    const reindex = dynamoCardReindex(target.db, target.tableName);
    const known = await reindex.tenantIds();
    // A mistyped name would read 0 cards and look like success.
    if (values.tenant !== undefined && !known.includes(values.tenant)) throw new UsageError(`--tenant "${values.tenant}": no such tenant in ${target.where}`);
    const tenants = values.tenant !== undefined ? [values.tenant] : known;
    const total: ReindexCounts = { read: 0, rewritten: 0, changedMeanwhile: 0 };
    for (const tenantId of tenants) {
      const c = await reindex.reindexTenant(tenantId, (sofar) => process.stderr.isTTY && process.stderr.write(`\r${line(tenantId, sofar)}`));
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.log(line(tenantId, c));
      total.read += c.read;
      total.rewritten += c.rewritten;
      total.changedMeanwhile += c.changedMeanwhile;
    }
    console.log(`${tenants.length} tenant${tenants.length === 1 ? '' : 's'}: ${total.read} cards read, ${total.rewritten} rewritten, ${total.changedMeanwhile} changed meanwhile`);
  } finally {
    await target.close();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof StackOutputsError || String((error as { code?: string } | undefined)?.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`reindex: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error('reindex:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
