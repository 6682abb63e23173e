import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * The audit log records what changes access or moves data — settings, keys, tags, segments, merges, import
 * undo — each through its API route, with the acting key id and a non-personal target; never a customer's
 * id, email, phone or name.
 */
const T = 'audit-trail';
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let key: string;
let keyId: string;
let worker: (e: S3Event) => Promise<void>;

/** Personal data the actions below touch: none of it may reach the audit log. */
const people = {
  anna: { email: 'anna.audit@example.it', phone: '+393405551234', typed: '340 555 1234', firstName: 'Annunziata' },
  bruno: { email: 'bruno.audit@example.it', phone: '+393405556789', typed: '+39 340 555 6789', firstName: 'Brunello' },
  carla: { email: 'carla.audit@example.it', phone: '+393407778888', typed: '340 777 8888', firstName: 'Carlotta' },
};
const customerIds: string[] = [];

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  worker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
  await ensureTenant(stores().tenants, T);
  ({ key, keyId } = await issueKey(stores().tenants, T, 'secret'));
});

async function auditLog(): Promise<{ id: string; at: string; actor: string; action: string; target?: string; detail?: string }[]> {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await call('GET', `/v1/audit?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key });
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** Through POST /v1/imports, then the S3-triggered worker, as in AWS. */
async function importCsv(csv: string): Promise<string> {
  const created = await call('POST', '/v1/imports', { key, body: {} });
  expect(created.status).toBe(201);
  const objectKey = `imports/${T}/${created.body.importId}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: objectKey, Body: csv }));
  await worker({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key: objectKey, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  return created.body.importId;
}

describe('the audit log', () => {
  const expected: { action: string; target?: string; detail?: string }[] = [];
  const expect201 = (res: Reply) => {
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res;
  };

  it('records every action that changes access or moves data, oldest last', async () => {
    // Merging two people.
    const { anna, bruno, carla } = people;
    const a = expect201(await call('POST', '/v1/customers', { key, body: { email: anna.email, phone: anna.typed, firstName: anna.firstName } })).body.id;
    const b = expect201(await call('POST', '/v1/customers', { key, body: { email: bruno.email, phone: bruno.typed, firstName: bruno.firstName } })).body.id;
    customerIds.push(a, b);
    expected.push({ action: 'customer.create', target: 'customer' }, { action: 'customer.create', target: 'customer' });
    expect201(await call('POST', `/v1/customers/${a}/merge`, { key, body: { otherId: b } }));
    expected.push({ action: 'customer.merge', target: 'customer' });
    // The same merge again (a retry): answered the same, and not logged twice.
    expect201(await call('POST', `/v1/customers/${a}/merge`, { key, body: { otherId: b } }));

    // Settings: the fields that changed, by name; the same PATCH again changes nothing and says so.
    const patch = { allowedOrigins: ['https://www.trattoria.example'], name: 'Trattoria da Anna', timeZone: 'Europe/Rome' };
    expect201(await call('PATCH', '/v1/settings', { key, body: patch }));
    expected.push({ action: 'settings.update', target: 'settings', detail: 'allowedOrigins, name' });
    expect201(await call('PATCH', '/v1/settings', { key, body: patch }));
    expected.push({ action: 'settings.update', target: 'settings', detail: 'no change' });
    expect201(await call('PATCH', '/v1/settings', { key, body: { retention: { inactiveMonths: 36 } } }));
    expected.push({ action: 'settings.update', target: 'settings', detail: 'retention' });

    // Keys, with their kind and scope.
    const booking = expect201(await call('POST', '/v1/keys', { key, body: { kind: 'secret', scope: 'events' } })).body.keyId;
    expected.push({ action: 'key.create', target: booking, detail: 'secret, scope events' });
    const website = expect201(await call('POST', '/v1/keys', { key, body: { kind: 'publishable' } })).body.keyId;
    expected.push({ action: 'key.create', target: website, detail: 'publishable' });
    expect201(await call('DELETE', `/v1/keys/${booking}`, { key }));
    expected.push({ action: 'key.revoke', target: booking, detail: 'secret, scope events' });

    // Tags: a tag name is the business's vocabulary. Adding an existing one (any case) changes nothing.
    expect((await call('POST', '/v1/tags', { key, body: { name: 'Terrazza' } })).status).toBe(201);
    expected.push({ action: 'tag.create', target: 'Terrazza' });
    expect((await call('POST', '/v1/tags', { key, body: { name: 'terrazza' } })).status).toBe(200);
    expect201(await call('DELETE', '/v1/tags/terrazza', { key }));
    expected.push({ action: 'tag.delete', target: 'Terrazza' });

    // Segments.
    const segment = expect201(await call('POST', '/v1/segments', { key, body: { name: 'Newsletter', filter: { consent: ['granted'] } } })).body.id;
    expected.push({ action: 'segment.create', target: segment });
    expect201(await call('PUT', `/v1/segments/${segment}`, { key, body: { name: 'Newsletter (IT)', filter: { consent: ['granted'], language: ['it'] } } }));
    expected.push({ action: 'segment.update', target: segment });
    expect201(await call('DELETE', `/v1/segments/${segment}`, { key }));
    expected.push({ action: 'segment.delete', target: segment });

    // An import, then its undo.
    const importId = await importCsv(`email,phone,first name\n${carla.email},${carla.typed},${carla.firstName}\n`);
    expected.push({ action: 'import.create', target: importId });
    const job = await call('GET', `/v1/imports/${importId}`, { key });
    expect(job.body).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const { stores } = await import('../../shared/http/stores.ts');
    customerIds.push((await stores().customers.findIdByEmail(T, carla.email))!);
    const undo = await call('DELETE', `/v1/imports/${importId}`, { key });
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expected.push({ action: 'import.undo', target: importId });

    const log = await auditLog();
    expect(log.map(({ action, target, detail }) => ({ action, target, ...(detail ? { detail } : {}) }))).toEqual([...expected].reverse());
    for (const entry of log) expect(entry.actor, entry.action).toBe(keyId);
  });

  it('holds no email, phone, name or customer id', async () => {
    expect(customerIds.filter(Boolean)).toHaveLength(3);
    const text = JSON.stringify(await auditLog());
    expect(text).not.toContain('@');
    for (const p of Object.values(people)) {
      for (const value of [p.email, p.phone, p.phone.slice(3), p.typed, p.firstName]) expect(text).not.toContain(value);
    }
    for (const id of customerIds) expect(text).not.toContain(id);
  });

  it('leaves out requests a key was not allowed to make', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { issueKey } = await import('../../shared/domain/tenants.ts');
    const reader = (await issueKey(stores().tenants, T, 'secret', 'read')).key;
    const before = await auditLog();
    expect((await call('PATCH', '/v1/settings', { key: reader, body: { allowedOrigins: ['https://evil.example'] } })).status).toBe(403);
    expect((await call('POST', '/v1/keys', { key: reader, body: { kind: 'secret' } })).status).toBe(403);
    expect(await auditLog()).toEqual(before);
  });
});
