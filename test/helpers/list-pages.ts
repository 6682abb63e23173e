import { expect } from 'vitest';
import { call } from './invoke.ts';

/**
 * Every page of the customer list `url` (`limit` and the cursor added; `from`: a cursor to start at), each checked
 * to answer 200 and hold at most `limit` cards: the ids in the order the pages gave them.
 */
export async function walkList(key: string, url: string, limit: number, from: string | null = null): Promise<string[]> {
  const got: string[] = [];
  let cursor = from;
  for (let pages = 0; pages < 200; pages++) {
    const res = await call('GET', `${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    got.push(...res.body.items.map((c: { id: string }) => c.id));
    cursor = res.body.nextCursor ?? null;
    if (!cursor) return got;
  }
  throw new Error(`${url}: no last page after 200 pages`);
}

/** A tenant with a full-scope secret key, through the tenant store on the test table (after useTestEnv()). */
export async function tenantKey(id: string): Promise<string> {
  const { dynamoTenantStore } = await import('../../shared/store/tenant.store.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { dynamo } = await import('../../shared/clients.ts');
  const store = dynamoTenantStore(dynamo(), process.env.TABLE_NAME!);
  await ensureTenant(store, id);
  return (await issueKey(store, id, 'secret')).key;
}
