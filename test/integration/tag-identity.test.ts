import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * A tag is one list whatever its case, also once the catalogue spells it otherwise or no longer holds it; a rule's
 * filter reads tags as the list does; a tag a rule gives is not deleted from under the rule; an impossible range
 * is the same 400 in the list, a segment, an export and a rule (DynamoDB Local, through the handlers).
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
const TENANT = 'tag-identity';
let sk: string;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT);
});

const ok = (res: Reply, status = 200) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
};
const emails = (res: Reply) => ok(res).items.map((c: { email: string }) => c.email).sort();
let n = 0;
const contact = (email: string) =>
  call('POST', '/v1/events', { key: sk, body: { eventId: `tag-identity-${++n}`, type: 'contact_form.submitted', occurredAt: '2026-11-20T10:00:00Z', customer: { email }, data: { message: 'ciao' } } });

describe('a tag in another case is the same list', () => {
  it('finds the cards holding a tag after it is deleted and re-created in another case, in the list, segments and their members', async () => {
    ok(await call('POST', '/v1/tags', { key: sk, body: { name: 'Celiaco' } }), 201);
    ok(await call('POST', '/v1/customers', { key: sk, body: { email: 'anna@r.test', firstName: 'Anna', tags: ['Celiaco'] } }), 201);
    ok(await call('POST', '/v1/customers', { key: sk, body: { email: 'bruno@r.test', firstName: 'Bruno' } }), 201);
    const exact = ok(await call('POST', '/v1/segments', { key: sk, body: { name: 'Senza glutine', filter: { tags: ['Celiaco'] } } }), 201);
    const lower = ok(await call('POST', '/v1/segments', { key: sk, body: { name: 'senza glutine', filter: { anyTags: ['celiaco'] } } }), 201);

    // Deleted: the card keeps it, and every spelling still finds it (before: only the exact one).
    expect((await call('DELETE', '/v1/tags/Celiaco', { key: sk })).status).toBe(204);
    for (const q of ['tags=Celiaco', 'tags=celiaco', 'anyTags=CELIACO', 'tags=Celiaco&anyTags=celiaco']) expect(emails(await call('GET', `/v1/customers?${q}`, { key: sk })), q).toEqual(['anna@r.test']);
    expect(ok(await call('GET', `/v1/segments/${lower.id}?refresh=true`, { key: sk })).memberCount).toBe(1);

    // Re-created in another case (the only "rename"): still one list, for the old card and a new one.
    expect(ok(await call('POST', '/v1/tags', { key: sk, body: { name: 'celiaco' } }), 201)).toEqual({ name: 'celiaco' });
    expect(ok(await call('PATCH', `/v1/customers/${(await call('GET', '/v1/customers?q=bruno', { key: sk })).body.items[0].id}`, { key: sk, body: { tags: ['CELIACO'] } })).tags).toEqual(['celiaco']);
    for (const q of ['tags=Celiaco', 'tags=celiaco', 'tags=CELIACO', 'anyTags=Celiaco,VIP']) expect(emails(await call('GET', `/v1/customers?${q}`, { key: sk })), q).toEqual(['anna@r.test', 'bruno@r.test']);
    for (const seg of [exact, lower]) {
      expect(ok(await call('GET', `/v1/segments/${seg.id}?refresh=true`, { key: sk })).memberCount).toBe(2);
      expect(emails(await call('GET', `/v1/segments/${seg.id}/customers`, { key: sk }))).toEqual(['anna@r.test', 'bruno@r.test']);
    }
    expect(ok(await call('GET', '/v1/customers/' + (await call('GET', '/v1/customers?q=anna', { key: sk })).body.items[0].id, { key: sk })).tags).toEqual(['Celiaco']);
  });

  it("an automatic tag rule's filter reads its tags as the list does: stored in the catalogue's spelling, and it tags the guests", async () => {
    ok(await call('POST', '/v1/tags', { key: sk, body: { name: 'Amico del VIP' } }), 201);
    const patch = ok(await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'amico del vip', filter: { anyTags: ['vip'] } }] } }));
    expect(patch.autoTags).toEqual([{ tag: 'Amico del VIP', filter: { anyTags: ['VIP'] } }]);
    ok(await call('POST', '/v1/customers', { key: sk, body: { email: 'bea@r.test', firstName: 'Bea', tags: ['VIP'] } }), 201);
    ok(await contact('bea@r.test'));
    expect(emails(await call('GET', '/v1/customers?tags=amico del vip', { key: sk }))).toEqual(['bea@r.test']);

    // A rule stored before (as typed, another case) matches too.
    const { stores } = await import('../../shared/http/stores.ts');
    const { changeTenant } = await import('../../shared/domain/tenants.ts');
    await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, autoTags: [{ tag: 'Local', filter: { tags: ['vip'] } }] }));
    ok(await contact('bea@r.test'));
    expect(emails(await call('GET', '/v1/customers?tags=Local', { key: sk }))).toEqual(['bea@r.test']);
    ok(await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [] } }));
  });
});

describe('deleting a tag an automatic tag rule gives', () => {
  it('is a 409 naming the rule, and the tag stays in the catalogue and on the rule', async () => {
    ok(await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'Regular', filter: { minVisits: 5 } }, { tag: 'No-show', filter: { minNoShows: 1 } }] } }));
    const res = await call('DELETE', '/v1/tags/no-show', { key: sk });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.headers['content-type'] ?? res.headers['Content-Type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'autoTags.1.tag', message: 'gives No-show' }]);
    expect(ok(await call('GET', '/v1/tags', { key: sk })).items).toContain('No-show');
    expect(ok(await call('GET', '/v1/settings', { key: sk })).autoTags[1]).toEqual({ tag: 'No-show', filter: { minNoShows: 1 } });
    // Once no rule gives it, it goes.
    ok(await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'Regular', filter: { minVisits: 5 } }] } }));
    expect((await call('DELETE', '/v1/tags/No-show', { key: sk })).status).toBe(204);
  });

  it("a rule whose tag left the catalogue before is marked with its problem, and the owner's other rule edits are accepted", async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { changeTenant } = await import('../../shared/domain/tenants.ts');
    await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, tags: t.tags.filter((x) => x !== 'Business'), autoTags: [{ tag: 'Business', filter: { minSpent: 10000 } }] }));
    const problem = { path: 'autoTags.0.tag', message: expect.stringContaining('Business is no longer in the tag catalogue') };
    expect(ok(await call('GET', '/v1/settings', { key: sk })).autoTags).toEqual([{ tag: 'Business', filter: { minSpent: 10000 }, problem }]);
    const edit = ok(await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'Business', filter: { minSpent: 10000 } }, { tag: 'Regular', filter: { minVisits: 5 } }] } }));
    expect(edit.autoTags).toEqual([
      { tag: 'Business', filter: { minSpent: 10000 }, problem },
      { tag: 'Regular', filter: { minVisits: 5 } },
    ]);
    // A new rule still needs its tag in the catalogue.
    const fresh = await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'Influencer2', filter: {} }] } });
    expect(fresh.status).toBe(400);
    ok(await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [] } }));
  });
});

describe('an impossible range is the same 400 everywhere', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ minSpent: 5000, maxSpent: 100 }, 'minSpent', 'maxSpent'],
    [{ minVisits: 5, maxVisits: 1 }, 'minVisits', 'maxVisits'],
    [{ minAge: 60, maxAge: 30 }, 'minAge', 'maxAge'],
    [{ minPAlive: 0.9, maxPAlive: 0.1 }, 'minPAlive', 'maxPAlive'],
    [{ minClv: 5000, maxClv: 100 }, 'minClv', 'maxClv'],
    [{ lastContactFrom: '2026-11-30', lastContactTo: '2026-01-01' }, 'lastContactFrom', 'lastContactTo'],
  ];
  it.each(cases)('%o: the list names %s, a segment, an export and a rule name %s', async (filter, from, to) => {
    const qs = new URLSearchParams(Object.entries(filter).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const list = await call('GET', `/v1/customers?${qs}`, { key: sk });
    expect(list.status, JSON.stringify(list.body)).toBe(400);
    expect(list.body.errors?.[0]?.path).toBe(from);
    const segment = await call('POST', '/v1/segments', { key: sk, body: { name: 'x', filter } });
    expect(segment.status, JSON.stringify(segment.body)).toBe(400);
    expect(segment.body.errors?.[0]?.path).toBe(`filter.${to}`);
    const exp = await call('POST', '/v1/exports', { key: sk, body: { filter } });
    expect(exp.status, JSON.stringify(exp.body)).toBe(400);
    expect(exp.body.errors?.[0]?.path).toBe(`filter.${to}`);
    const rule = await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'VIP', filter }] } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(400);
    expect(rule.body.errors).toEqual([{ path: `autoTags.0.filter.${to}`, message: expect.stringMatching(/^must not be (less than|before) /) }]);
  });
});

describe('a card stored before tag keys (`tagKeys`)', () => {
  it('is found by its tags once `npm run reindex` rewrote it (derived attributes only, same version)', async () => {
    const { dynamo } = await import('../../shared/clients.ts');
    const { GetCommand, UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../shared/store/keys.ts');
    const { dynamoCardReindex } = await import('../../shared/store/card-reindex.store.ts');
    const tenant = 'tag-identity-old';
    const key = await tenantWithSecretKey(tenant);
    const id = ok(await call('POST', '/v1/customers', { key, body: { email: 'old@r.test', tags: ['VIP', 'Regular'] } }), 201).id;
    const Key = keys.customerCard(tenant, id);
    const TableName = process.env.TABLE_NAME!;
    // As cardEntity.item wrote it before 1 Dec 2026: no tagKeys.
    await dynamo().send(new UpdateCommand({ TableName, Key, UpdateExpression: 'REMOVE tagKeys' }));
    expect(emails(await call('GET', '/v1/customers?tags=vip', { key }))).toEqual([]);
    const before = (await dynamo().send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item!;

    const counts = await dynamoCardReindex(dynamo(), TableName).reindexTenant(tenant);
    expect(counts).toEqual({ read: 1, rewritten: 1, changedMeanwhile: 0 });
    const after = (await dynamo().send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item!;
    expect(after).toEqual({ ...before, tagKeys: ['vip', 'regular'] });
    for (const q of ['tags=VIP', 'tags=vip', 'anyTags=REGULAR']) expect(emails(await call('GET', `/v1/customers?${q}`, { key })), q).toEqual(['old@r.test']);
    expect(await dynamoCardReindex(dynamo(), TableName).reindexTenant(tenant)).toEqual({ read: 1, rewritten: 0, changedMeanwhile: 0 });
  });
});
