import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { PrivacyStore } from '../../shared/store/privacy.store.ts';
import type { ErrorReportFiles } from '../../shared/import/error-report.ts';
import type { PersonalDataFiles } from '../../shared/privacy/personal-data.ports.ts';

/**
 * The erasure's `ERASING` mark when an erasure is interrupted (a Lambda timeout between claim and finish),
 * on DynamoDB Local: a merge says plainly to send the DELETE again (and copies nothing), whoever finishes
 * the erasure keeps the suppression the person asked for, a retention run goes on past one failing
 * customer, and an erasure that gives up removes only its own mark.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let privacy: PrivacyStore;
let reportFiles: ErrorReportFiles;
let personalData: PersonalDataFiles;
let eraseCustomer: typeof import('../../shared/privacy/erasure.ts').eraseCustomer;
let runRetention: typeof import('../../shared/privacy/retention.ts').runRetention;
const keys: Record<string, string> = {};
const T = 'mark-shop';
const NOW = () => new Date('2026-06-01T12:00:00Z');

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
  for (const t of [T, 'mark-retention', 'mark-fails', 'mark-after']) keys[t] = await tenantWithSecretKey(t);
  privacy = (await import('../../shared/http/stores/privacy.ts')).privacyStore();
  reportFiles = errorReports();
  personalData = personalDataFiles();
  ({ eraseCustomer } = await import('../../shared/privacy/erasure.ts'));
  ({ runRetention } = await import('../../shared/privacy/retention.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = async (tenant: string, type: string, customer: Record<string, unknown>, data: Record<string, unknown>, occurredAt = '2026-03-01T12:00:00.000Z') => {
  const res = await call('POST', '/v1/events', { key: keys[tenant], body: { eventId: `ev-${uniq()}`, type, occurredAt, customer, data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string; created?: boolean; suppressed?: boolean };
};
const contact = (tenant: string, email: string, occurredAt?: string) => send(tenant, 'contact_form.submitted', { email }, { message: 'hi' }, occurredAt);
const partition = async (tenant: string, id: string) =>
  (await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `T#${tenant}#C#${id}` }, ConsistentRead: true }))).Items ?? [];
const retentionOf = async (tenant: string, inactiveMonths: number) =>
  expect((await call('PATCH', '/v1/settings', { key: keys[tenant], body: { retention: { inactiveMonths } } })).status).toBe(200);

/** The store with `method` failing (as a Lambda timeout would cut the erasure there) for `customerId`, or for everyone. */
function failingAt<K extends keyof PrivacyStore>(method: K, customerId?: string): PrivacyStore {
  const original = privacy[method] as (...args: unknown[]) => Promise<unknown>;
  return {
    ...privacy,
    [method]: async (...args: unknown[]) => {
      if (customerId === undefined || JSON.stringify(args).includes(customerId)) throw new Error('Task timed out after 30.00 seconds');
      return original.apply(privacy, args);
    },
  } as PrivacyStore;
}

/** The person's own DELETE, cut off after its claim and before anything else (no suppression written yet). */
async function interruptedDelete(tenant: string, id: string) {
  await expect(eraseCustomer({ privacy: failingAt('suppress'), reportFiles, personalData, tenantId: tenant, actor: 'test' }, id)).rejects.toThrow('timed out');
  expect((await partition(tenant, id)).some((i) => i.sk === 'ERASING')).toBe(true);
}

describe('an interrupted erasure', () => {
  it('makes a merge of that customer (either side) answer 409 saying to send the DELETE again, copying nothing; the DELETE sent again finishes it', async () => {
    const u = uniq();
    const a = (await contact(T, `anna.${u}@example.com`)).customerId;
    const b = (await send(T, 'booking.created', { email: `bea.${u}@example.org` }, { bookingId: `bk-${u}`, date: '2026-03-10', time: '20:00', partySize: 2 })).customerId;
    await interruptedDelete(T, b);

    for (const [survivor, other] of [
      [a, b],
      [b, a],
    ]) {
      const res = await call('POST', `/v1/customers/${survivor}/merge`, { key: keys[T], body: { otherId: other } });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.erasing).toBe(b);
      expect(res.body.detail).toContain(`DELETE /v1/customers/${b}`);
    }
    // Refused before copying: no copy of B's booking waits in A's partition.
    expect((await partition(T, a)).filter((i) => 'copiedFrom' in i)).toEqual([]);

    expect((await call('DELETE', `/v1/customers/${b}`, { key: keys[T] })).status).toBe(204);
    expect((await call('GET', `/v1/customers/${b}`, { key: keys[T] })).status).toBe(404);
    // The person asked to be forgotten: their email is refused from now on.
    expect((await contact(T, `bea.${u}@example.org`)).suppressed).toBe(true);
    expect((await call('POST', `/v1/customers/${a}/merge`, { key: keys[T], body: { otherId: b } })).status).toBe(404);
  });

  it("finished by retention, keeps the suppression of the person's own DELETE", async () => {
    const tenant = 'mark-retention';
    await retentionOf(tenant, 12);
    const email = `gone.${uniq()}@example.com`;
    const id = (await contact(tenant, email, '2020-01-10T10:00:00.000Z')).customerId;
    await interruptedDelete(tenant, id);

    const report = await runRetention({ privacy, reportFiles, personalData }, { now: NOW });
    expect(report.tenants.find((t) => t.tenantId === tenant)).toMatchObject({ erased: 1, failed: 0 });
    expect((await call('GET', `/v1/customers/${id}`, { key: keys[tenant] })).status).toBe(404);
    // Not "a returning customer is a new customer": this person asked to be forgotten.
    const back = await contact(tenant, email);
    expect(back.suppressed).toBe(true);
    expect(back.created).not.toBe(true);
  });

  it('finished by retention even though the card had a contact since: the request to be forgotten stands', async () => {
    const tenant = 'mark-retention';
    const email = `asked.${uniq()}@example.com`;
    const id = (await contact(tenant, email, '2020-01-10T10:00:00.000Z')).customerId;
    await interruptedDelete(tenant, id);
    // The card is listed as inactive (the retention index) but a contact arrives before the run reads it.
    const racing = { ...privacy, getCard: async (t: string, c: string) => {
      const card = await privacy.getCard(t, c);
      return card && c === id ? { ...card, lastContactAt: '2026-05-30T10:00:00.000Z' } : card;
    } } as PrivacyStore;
    const report = await runRetention({ privacy: racing, reportFiles, personalData }, { now: NOW });
    expect(report.tenants.find((t) => t.tenantId === tenant)).toMatchObject({ erased: 1, failed: 0 });
    expect((await contact(tenant, email)).suppressed).toBe(true);
  });
});

describe('a retention run with one failing customer', () => {
  it('goes on for the other customers and tenants, reports the failure by id, and fails at the end', async () => {
    await retentionOf('mark-fails', 12);
    await retentionOf('mark-after', 12);
    const [bad, ok1] = [(await contact('mark-fails', `bad.${uniq()}@example.com`, '2020-02-01T10:00:00.000Z')).customerId, (await contact('mark-fails', `ok.${uniq()}@example.com`, '2020-02-01T10:00:00.000Z')).customerId];
    const ok2 = (await contact('mark-after', `later.${uniq()}@example.com`, '2020-02-01T10:00:00.000Z')).customerId;

    const failures: unknown[] = [];
    const run = runRetention({ privacy: failingAt('erasePartition', bad), reportFiles, personalData }, { now: NOW, onFailure: (f) => failures.push(f) });
    const error = (await run.catch((e: unknown) => e)) as { name: string; message: string; report: { tenants: { tenantId: string; erased: number; failed: number }[] } };
    expect(error.name).toBe('RetentionFailedError');
    expect(error.message).toContain('1 erasure failed');
    expect(error.report.tenants.find((t) => t.tenantId === 'mark-fails')).toMatchObject({ erased: 1, failed: 1 });
    expect(error.report.tenants.find((t) => t.tenantId === 'mark-after')).toMatchObject({ erased: 1, failed: 0 });
    expect(failures).toEqual([expect.objectContaining({ tenantId: 'mark-fails', customerId: bad })]);
    expect((await call('GET', `/v1/customers/${ok1}`, { key: keys['mark-fails'] })).status).toBe(404);
    expect((await call('GET', `/v1/customers/${ok2}`, { key: keys['mark-after'] })).status).toBe(404);
    expect((await call('GET', `/v1/customers/${bad}`, { key: keys['mark-fails'] })).status).toBe(200);
  });
});

describe('the erasure mark', () => {
  it("is removed only by the erasure that wrote it; a later claim keeps a person's suppression; a non-suppressing erasure cannot finish over it", async () => {
    const id = (await contact(T, `claims.${uniq()}@example.com`)).customerId;
    const card = (await privacy.getCard(T, id))!;
    const at = '2026-06-01T12:00:00.000Z';
    const retention = (await privacy.claimErasure(T, card, at, { suppress: false, over: undefined }))!;
    expect(retention.suppress).toBe(false);
    // A claim over a mark that is not the one read fails.
    expect(await privacy.claimErasure(T, card, at, { suppress: true, over: undefined })).toBeUndefined();
    // The person's DELETE takes over the retention's claim.
    const person = (await privacy.claimErasure(T, card, at, { suppress: true, over: retention }))!;
    expect(person.suppress).toBe(true);
    // The retention erasure, deciding to keep the card, releases "its" mark: the person's stays.
    await privacy.releaseErasure(T, id, retention.token!);
    expect(await privacy.erasureClaim(T, id)).toEqual(person);
    // Another retention claim over it cannot drop the suppression...
    const again = (await privacy.claimErasure(T, card, at, { suppress: false, over: person }))!;
    expect(again.suppress).toBe(true);
    // ...and an erasure that did not suppress cannot finish while the mark asks for suppression.
    const audit = { actor: 'test', action: 'customer.erase', target: 'customer', at } as never;
    expect(await privacy.finishErasure(T, card, [card], audit, { suppressed: false })).toBe(false);
    expect((await call('GET', `/v1/customers/${id}`, { key: keys[T] })).status).toBe(200);
    await privacy.releaseErasure(T, id, again.token!);
    expect(await privacy.erasureClaim(T, id)).toBeUndefined();
  });
});
