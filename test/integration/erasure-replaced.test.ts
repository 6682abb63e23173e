import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Erasure that sticks for identities the card no longer holds when it is erased: an email or phone a `PATCH`
 * replaced or cleared, one an import's undo took back, one a card merged into the erased one had replaced.
 * The contract (docs/api.md, Events): an event naming a suppressed email or phone is refused as a whole,
 * `{ suppressed: true }` (`created: false`), and starts no card. A value another customer holds now is
 * theirs: it still finds them. Against DynamoDB Local and s3rver, through the real handlers.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let importHandler: (e: S3Event) => Promise<void>;
const TENANT = 'replaced-shop';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT);
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = (customer: Record<string, unknown>) =>
  call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer, data: { message: 'hello again' } } });
const create = async (body: Record<string, unknown>) => {
  const res = await call('POST', '/v1/customers', { key: sk, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};
const patch = async (id: string, body: Record<string, unknown>) => {
  const res = await call('PATCH', `/v1/customers/${id}`, { key: sk, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const erase = async (id: string) => expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
/** A random Italian mobile number, as the card stores it (E.164). */
const mobile = () => `+39347${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const REFUSED = { created: false, suppressed: true };

/** Uploads a CSV through POST /v1/imports (with its options) and runs the S3-triggered worker on it; answers the job. */
async function importCsv(csv: string, options: Record<string, unknown>) {
  const created = await call('POST', '/v1/imports', { key: sk, body: options });
  expect(created.status).toBe(201);
  const key = `imports/${TENANT}/${created.body.importId}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const job = await call('GET', `/v1/imports/${created.body.importId}`, { key: sk });
  expect(job.body.status).toBe('completed');
  return job.body;
}

describe('erasure suppresses the identities a card no longer holds', () => {
  it('an email and a phone a PATCH replaced, and a phone a PATCH cleared: events naming them are refused after the erasure', async () => {
    const [oldEmail, newEmail] = [`marta.${uniq()}@example.com`, `marta.${uniq()}@example.org`];
    const [oldPhone, newPhone] = [mobile(), mobile()];
    const id = await create({ email: oldEmail, phone: oldPhone, firstName: 'Marta' });
    expect(await patch(id, { email: newEmail, phone: newPhone })).toMatchObject({ email: newEmail, phone: newPhone });
    expect(await patch(id, { phone: null })).toMatchObject({ email: newEmail, phone: null });

    await erase(id);
    for (const customer of [{ email: newEmail }, { email: oldEmail }, { phone: oldPhone }, { phone: newPhone }]) {
      expect((await send(customer)).body, JSON.stringify(customer)).toEqual(REFUSED);
    }
  });

  it("the person's access export lists the values the card held before (what is kept about them), newest first", async () => {
    const [first, second, third] = [`lia.${uniq()}@example.com`, `lia.${uniq()}@example.net`, `lia.${uniq()}@example.org`];
    const phone = mobile();
    const id = await create({ email: first, phone, firstName: 'Lia' });
    await patch(id, { email: second });
    await patch(id, { email: third, phone: null });
    const exported = await call('GET', `/v1/customers/${id}/export`, { key: sk });
    expect(exported.status).toBe(200);
    const replaced = exported.body.replacedIdentities as { field: string; value: string; replacedAt: string }[];
    expect(replaced.map(({ field, value }) => ({ field, value })).sort((a, b) => a.value.localeCompare(b.value))).toEqual(
      [{ field: 'phone', value: phone }, { field: 'email', value: first }, { field: 'email', value: second }].sort((a, b) => a.value.localeCompare(b.value)),
    );
    expect(replaced.map((r) => r.replacedAt)).toEqual(replaced.map((r) => r.replacedAt).sort().reverse());
    expect(replaced.find((r) => r.value === first)!.replacedAt < replaced.find((r) => r.value === second)!.replacedAt).toBe(true);
    await erase(id);
  });

  it('an email an import filled and its undo took back is refused after the erasure (an import itself never replaces one)', async () => {
    const phone = mobile();
    const [cardEmail, fileEmail] = [`nico.${uniq()}@example.com`, `nico.${uniq()}@example.net`];
    // A card known by its phone alone; the file gives it an email; the import is then undone.
    const id = await create({ phone, firstName: 'Nico' });
    const job = await importCsv(`telefono;email;nome\n${phone};${fileEmail};Nico\n`, { onDuplicate: 'overwrite' });
    expect(job.counts).toMatchObject({ updated: 1 });
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.email).toBe(fileEmail);
    expect((await call('DELETE', `/v1/imports/${job.id}`, { key: sk })).status).toBe(200);
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.email).toBeNull();
    // An overwrite import of a row with another email for the phone's card does not replace the card's email.
    await patch(id, { email: cardEmail });
    const other = `nico.${uniq()}@example.it`;
    await importCsv(`telefono;email;nome\n${phone};${other};Nico\n`, { onDuplicate: 'overwrite' });
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.email).toBe(cardEmail);

    await erase(id);
    for (const customer of [{ email: fileEmail }, { email: cardEmail }, { phone }]) {
      expect((await send(customer)).body, JSON.stringify(customer)).toEqual(REFUSED);
    }
  });

  it('a replaced value another customer holds now is theirs: not suppressed, it still finds them', async () => {
    const [shared, between, mine] = [`olga.${uniq()}@example.com`, `olga.${uniq()}@example.net`, `olga.${uniq()}@example.org`];
    const id = await create({ email: shared, firstName: 'Olga' });
    await patch(id, { email: between });
    await patch(id, { email: mine });
    // The first address Olga gave up is Piero's now; the second is nobody's.
    const piero = await create({ email: `piero.${uniq()}@example.com`, firstName: 'Piero' });
    await patch(piero, { email: shared });

    await erase(id);
    expect((await send({ email: mine })).body).toEqual(REFUSED);
    expect((await send({ email: between })).body).toEqual(REFUSED);
    expect((await send({ email: shared })).body).toMatchObject({ customerId: piero, created: false });
    expect((await send({ email: shared })).body).not.toHaveProperty('suppressed');
  });

  it("a card merged into the erased one: the email it replaced by a PATCH is the survivor's person's, refused", async () => {
    const [oldEmail, newEmail] = [`rosa.${uniq()}@example.com`, `rosa.${uniq()}@example.org`];
    const other = await create({ email: oldEmail, firstName: 'Rosa' });
    await patch(other, { email: newEmail });
    const survivor = await create({ phone: mobile(), firstName: 'Rosa' });
    const merged = await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId: other } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    // The record of the replaced email moved with the history onto the survivor's partition.
    const onSurvivor = await env.db.send(
      new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :p AND begins_with(sk, :r)', ExpressionAttributeValues: { ':p': `T#${TENANT}#C#${survivor}`, ':r': 'REPLACED#' }, ConsistentRead: true }),
    );
    expect(onSurvivor.Items?.map((i) => i.value)).toEqual([oldEmail]);

    await erase(survivor);
    expect((await send({ email: newEmail })).body, 'the email the merged card held').toEqual(REFUSED);
    expect((await send({ email: oldEmail })).body, 'the email it replaced').toEqual(REFUSED);
  });
});
