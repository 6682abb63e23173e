import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { PrivacyStore } from '../../shared/store/privacy.store.ts';
import type { MergeStore } from '../../shared/store/merge.store.ts';
import type { ErrorReportFiles } from '../../shared/import/error-report.ts';
import type { PersonalDataFiles } from '../../shared/privacy/personal-data.ports.ts';

/**
 * An erasure (`DELETE /v1/customers/B`) racing a merge of B into A (`POST /v1/customers/A/merge`), on
 * DynamoDB Local. The race is made deterministic by pausing one side's store port at the exact step
 * where the other must get in; each outcome must equal one of the two orders one after the other:
 *  - DELETE first: B is erased and suppressed, the merge fails, A holds nothing of B's;
 *  - merge first: A holds B's data, B's id answers 301, the DELETE answers 409 naming A and suppresses nothing.
 * Never: 204 for the DELETE while A holds B's phone, history and `mergedFrom`.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let sk: string;
let privacy: PrivacyStore;
let merges: MergeStore;
let reportFiles: ErrorReportFiles;
let personalData: PersonalDataFiles;
let eraseCustomer: typeof import('../../shared/privacy/erasure.ts').eraseCustomer;
let mergeCustomers: typeof import('../../shared/events/merge-customers.ts').mergeCustomers;
let isSuppressed: typeof import('../../shared/privacy/suppression.ts').isSuppressed;
const T = 'race-shop';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
  sk = await tenantWithSecretKey(T);
  privacy = (await import('../../shared/http/stores/privacy.ts')).privacyStore();
  merges = (await import('../../shared/http/stores/merges.ts')).mergeStore();
  reportFiles = errorReports();
  personalData = personalDataFiles();
  ({ eraseCustomer } = await import('../../shared/privacy/erasure.ts'));
  ({ mergeCustomers } = await import('../../shared/events/merge-customers.ts'));
  ({ isSuppressed } = await import('../../shared/privacy/suppression.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = async (type: string, customer: Record<string, unknown>, data: Record<string, unknown>, occurredAt = '2026-03-01T12:00:00.000Z') => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, type, occurredAt, customer, data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string; suppressed?: boolean };
};

/** A (email only) and B (email, phone, a booking and a message): two cards the business will say are one person. */
async function twoCustomers() {
  const u = uniq();
  const aEmail = `anna.${u}@example.com`;
  const bEmail = `b.${u}@example.org`;
  const bPhone = `+3934${String(Date.now() + n).slice(-8)}`;
  const a = (await send('contact_form.submitted', { email: aEmail }, { message: `hello from A ${u}` })).customerId;
  const b = (await send('booking.created', { email: bEmail, phone: bPhone }, { bookingId: `bk-${u}`, date: '2026-03-10', time: '20:00', partySize: 2 })).customerId;
  await send('contact_form.submitted', { phone: bPhone }, { message: `B's private message ${u}` }, '2026-03-02T12:00:00.000Z');
  return { a, b, aEmail, bEmail, bPhone, bMessage: `B's private message ${u}` };
}

/**
 * Wraps `store[method]`: its first call waits for `release()` — before running (`when: 'before'`) or after
 * running, before answering (`'after'`); `reached` settles when that call arrives. Later calls run as they are.
 */
function pauseAt<S extends object, K extends keyof S>(store: S, method: K, when: 'before' | 'after' = 'before') {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const gate = new Promise<void>((r) => (release = r));
  let first = true;
  const original = store[method] as (...args: unknown[]) => Promise<unknown>;
  const wrapped = {
    ...store,
    [method]: async (...args: unknown[]) => {
      if (!first) return original.apply(store, args);
      first = false;
      if (when === 'before') {
        arrive();
        await gate;
        return original.apply(store, args);
      }
      const out = await original.apply(store, args);
      arrive();
      await gate;
      return out;
    },
  } as S;
  return { store: wrapped, reached, release };
}

const erasure = (p: PrivacyStore, id: string) => eraseCustomer({ privacy: p, reportFiles, personalData, tenantId: T, actor: 'test' }, id);
const merge = (m: MergeStore, a: string, b: string) => mergeCustomers({ merges: m, tenantId: T, timeZone: 'Europe/Rome', suppression: privacy }, a, b);
const historyText = async (id: string) => JSON.stringify((await call('GET', `/v1/customers/${id}/history?limit=100`, { key: sk })).body);
const partition = async (id: string) =>
  (await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `T#${T}#C#${id}` }, ConsistentRead: true }))).Items ?? [];

describe('erasure racing a merge', () => {
  it('erasure first: once the erasure has started, the merge cannot move the person onto the survivor (it fails, the erasure completes)', async () => {
    const { a, b, aEmail, bPhone, bMessage } = await twoCustomers();
    // The merge has read both cards and copied B's booking into A's partition; it is about to switch over.
    const atSwitch = pauseAt(merges, 'switchOver');
    const merging = merge(atSwitch.store, a, b);
    merging.catch(() => undefined);
    await atSwitch.reached;
    // The erasure of B runs up to its last step (suppressed, partition erased) — then the merge switches over.
    const atFinish = pauseAt(privacy, 'finishErasure');
    const erasing = erasure(atFinish.store, b);
    await atFinish.reached;
    atSwitch.release();
    await expect(merging).rejects.toMatchObject({ status: 409 });
    atFinish.release();
    expect(await erasing).toBe('erased');

    // As if the DELETE had come first: B is gone for good, A is as it was.
    expect((await call('GET', `/v1/customers/${b}`, { key: sk })).status).toBe(404);
    const survivor = await privacy.getCard(T, a);
    expect(survivor?.phone ?? null).toBeNull();
    expect((survivor as { mergedFrom?: unknown } | undefined)?.mergedFrom).toBeUndefined();
    expect(await historyText(a)).not.toContain(bMessage);
    // No copy of B's booking is left behind in A's partition, nor anything else naming B.
    expect((await partition(a)).filter((i) => JSON.stringify(i).includes(b))).toEqual([]);
    expect(await partition(b)).toEqual([]);
    expect(await isSuppressed(privacy, T, { phone: bPhone })).toBe(true);
    // A is not blocked: its own events are not suppressed.
    expect((await send('contact_form.submitted', { email: aEmail }, { message: 'still here' }, '2026-03-05T12:00:00.000Z')).suppressed).not.toBe(true);
  });

  it('merge first: an erasure that read the card before the merge switched over answers 409 naming the survivor, and suppresses nothing', async () => {
    const { a, b, bEmail, bPhone, bMessage } = await twoCustomers();
    // The erasure has read B's card; before it does anything else, the whole merge happens.
    const afterRead = pauseAt(privacy, 'getCard', 'after');
    const erasing = erasure(afterRead.store, b);
    erasing.catch(() => undefined);
    await afterRead.reached;
    const merged = await merge(merges, a, b);
    expect(merged.customer.phone).toBe(bPhone);
    afterRead.release();
    await expect(erasing).rejects.toMatchObject({ status: 409, extra: { mergedInto: a } });

    // As if the merge had come first: A holds B's phone and history, B answers 301, nothing is suppressed.
    const survivor = await privacy.getCard(T, a);
    expect(survivor?.phone).toBe(bPhone);
    expect(await historyText(a)).toContain(bMessage);
    expect((await call('GET', `/v1/customers/${b}`, { key: sk })).status).toBe(301);
    expect(await isSuppressed(privacy, T, { phone: bPhone })).toBe(false);
    expect(await isSuppressed(privacy, T, { email: bEmail })).toBe(false);
    expect((await send('contact_form.submitted', { phone: bPhone }, { message: 'after the merge' }, '2026-03-06T12:00:00.000Z')).suppressed).not.toBe(true);
    expect((await partition(a)).some((i) => i.sk === 'ERASING')).toBe(false);
  });

  it('DELETE of a customer already merged away answers 409 naming the survivor; DELETE by its email erases the survivor', async () => {
    const { a, b, bEmail, bPhone } = await twoCustomers();
    expect((await call('POST', `/v1/customers/${a}/merge`, { key: sk, body: { otherId: b } })).status).toBe(200);

    const res = await call('DELETE', `/v1/customers/${b}`, { key: sk });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.mergedInto).toBe(a);
    expect(res.body.detail).toContain(a);
    expect(await isSuppressed(privacy, T, { phone: bPhone })).toBe(false);
    expect((await call('GET', `/v1/customers/${a}`, { key: sk })).status).toBe(200);

    // The email B had now leads to A: erasing "the person with this email" erases A, with B's old identities.
    const byEmail = await call('DELETE', `/v1/customers?email=${encodeURIComponent(bEmail)}`, { key: sk });
    expect(byEmail.status, JSON.stringify(byEmail.body)).toBe(204);
    expect((await call('GET', `/v1/customers/${a}`, { key: sk })).status).toBe(404);
    expect((await call('GET', `/v1/customers/${b}`, { key: sk })).status).toBe(404);
    expect(await isSuppressed(privacy, T, { phone: bPhone })).toBe(true);
  });

  it("a merge into a customer being erased fails; the erasure takes that customer only, and none of the other's data stays in its partition", async () => {
    const { a, b, bPhone } = await twoCustomers();
    const atSwitch = pauseAt(merges, 'switchOver');
    const merging = merge(atSwitch.store, a, b);
    merging.catch(() => undefined);
    await atSwitch.reached;
    const atFinish = pauseAt(privacy, 'finishErasure');
    const erasing = erasure(atFinish.store, a);
    await atFinish.reached;
    atSwitch.release();
    await expect(merging).rejects.toMatchObject({ status: expect.any(Number) });
    atFinish.release();
    expect(await erasing).toBe('erased');
    // B stays what it was, with its booking; A is gone without a trace of B in its partition.
    const other = await privacy.getCard(T, b);
    expect(other?.phone).toBe(bPhone);
    expect(await partition(a)).toEqual([]);
    expect((await call('GET', `/v1/customers/${b}`, { key: sk })).status).toBe(200);
  });

  it('an erasure of the survivor between the switch-over and the move leaves nothing of either behind (no redirect brought back)', async () => {
    const { a, b, bMessage } = await twoCustomers();
    // The merge has switched over (B's card gone, redirect to A) and is about to move B's history.
    const atMove = pauseAt(merges, 'moveRest');
    const merging = merge(atMove.store, a, b);
    await atMove.reached;
    expect(await erasure(privacy, a)).toBe('erased');
    atMove.release();
    await merging; // the merge had happened; the erasure of the survivor came after it, as in that order
    expect(await partition(a)).toEqual([]);
    expect(await partition(b)).toEqual([]);
    expect((await call('GET', `/v1/customers/${b}`, { key: sk })).status).toBe(404);
    expect(await historyText(a)).not.toContain(bMessage);
  });

  it('an erasure of the survivor while the move is half-way: the move stops, the erasure takes the rest', async () => {
    const { TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamoMergeStore } = await import('../../shared/store/merge.store.ts');
    const { a, b } = await twoCustomers();
    // A wrapped client pauses the merge's first move transaction (a Put of a history entry marked mergedFrom),
    // after it has read what to move and before it writes.
    let arrive!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (arrive = r));
    const gate = new Promise<void>((r) => (release = r));
    let paused = false;
    const db = {
      send: async (command: unknown) => {
        const items = command instanceof TransactWriteCommand ? (command.input.TransactItems ?? []) : [];
        if (!paused && items.some((i) => i.Put?.Item?.mergedFrom === b)) {
          paused = true;
          arrive();
          await gate;
        }
        return env.db.send(command as never);
      },
    } as unknown as typeof env.db;
    const merging = merge(dynamoMergeStore(db, env.tableName), a, b);
    await reached;
    const atFinish = pauseAt(privacy, 'finishErasure');
    const erasing = erasure(atFinish.store, a);
    await atFinish.reached; // claimed, both partitions erased; the move now tries to write onto A
    release();
    await merging;
    atFinish.release();
    expect(await erasing).toBe('erased');
    expect(await partition(a)).toEqual([]);
    expect(await partition(b)).toEqual([]);
  });
});
