import type { Customer } from '../domain/customer.schema.ts';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import { erasureMark } from '../privacy/hmac.ts';
import type { ExportStore, RecentErasures, ShardRead } from './export.ports.ts';

/**
 * Indexes are eventually consistent: a customer erased a moment ago can still be in a list index. Erasure
 * deletes the card in one transaction with an erasure mark (the HMAC of the customer id, kept a few days:
 * far longer than any index lag). The marks are read strongly consistent before the shard's first page, and
 * every row the index gives is checked against them, in memory: an export never writes an erased person.
 */
export function erasedCheck(recent: RecentErasures | undefined): ((customerId: string) => boolean) | undefined {
  if (!recent?.marks.size) return undefined;
  const mark = erasureMark(recent.secret);
  return (id) => recent.marks.has(mark(id));
}

/** The customers of one shard matching the filter, none erased, page by page, as the caller's rows. */
export async function* readCheckedShard<T = Customer>(
  exports: Pick<ExportStore, 'readShard' | 'recentErasures'>,
  tenantId: string,
  shard: number,
  filter: ResolvedFilter,
  read?: ShardRead<T>,
): AsyncIterable<T[]> {
  const erased = erasedCheck(await exports.recentErasures(tenantId));
  for await (const page of exports.readShard(tenantId, shard, filter, read)) {
    yield erased ? page.rows.filter((_, i) => !erased(page.ids[i]!)) : page.rows;
  }
}
