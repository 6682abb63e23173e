import { beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { PrivacyStore } from '../../shared/privacy/privacy.ports.ts';

/**
 * The access export past its inline threshold (GET /v1/customers/{id}/export), against DynamoDB Local and
 * s3rver, through the real handlers. The threshold is set tiny through the configuration
 * (ACCESS_EXPORT_INLINE_MAX_BYTES), so a handful of messages takes a person past it. On AWS the same document
 * past ≈ 5 MB would be Lambda's 502: here it must come back as a 303 to the same document, and the file must go
 * with the person's erasure, whichever way they are erased.
 */
const INLINE_MAX = 4_000;
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let otherSk: string;
const TENANT = 'spill-shop';
const OTHER = 'spill-other';

beforeAll(async () => {
  env = await useLocalEnv({ ACCESS_EXPORT_INLINE_MAX_BYTES: String(INLINE_MAX) });
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await ensureTenant(stores().tenants, OTHER);
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  otherSk = (await issueKey(stores().tenants, OTHER, 'secret')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = async (event: Record<string, unknown>, occurredAt = new Date(Date.now() - 60_000).toISOString()) => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, occurredAt, ...event } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.customerId as string;
};

/** A person with `messages` messages of 500 characters in their history (each ≈ 0.6 KB of export JSON), and a quote in each. */
async function personWith(messages: number, email = `s.${uniq()}@example.com`, occurredAt?: string): Promise<{ id: string; email: string }> {
  const id = await send({ type: 'contact_form.submitted', customer: { email, firstName: 'Spill' }, data: { message: 'first' } }, occurredAt);
  for (let i = 0; i < messages; i++) await send({ type: 'message.received', customer: { email }, data: { text: `msg ${i} "${'x'.repeat(490)}"`, channel: 'whatsapp' } }, occurredAt);
  return { id, email };
}

const personalDataKey = (tenant: string, id: string) => `personal-data/${tenant}/${id}.json`;
async function stored(key: string): Promise<boolean> {
  try {
    await env.s3.send(new HeadObjectCommand({ Bucket: env.exportBucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}
const auditCount = async (key = sk) => (await call('GET', '/v1/audit?limit=100', { key })).body.items.filter((e: { action: string }) => e.action === 'customer.export_data').length;

describe('GET /v1/customers/{id}/export past the inline threshold', () => {
  it('answers a small export inline, and writes nothing to the bucket', async () => {
    const { id } = await personWith(0);
    const res = await call('GET', `/v1/customers/${id}/export`, { key: sk });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-disposition']).toBe('attachment; filename="personal-data.json"');
    expect(res.body.customer.id).toBe(id);
    expect(res.body.history).toHaveLength(1);
    expect(await stored(personalDataKey(TENANT, id))).toBe(false);
  });

  it('answers a large one 303 with a signed Location that serves the same JSON document, not cached', async () => {
    const { id, email } = await personWith(8);
    const res = await call('GET', `/v1/customers/${id}/export`, { key: sk });
    expect(res.status).toBe(303);
    expect(res.body).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    const location = res.headers.location!;
    expect(new URL(location).pathname).toContain(`/${personalDataKey(TENANT, id)}`);

    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/json');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="personal-data.json"');
    const doc = (await file.json()) as { exportedAt: string; customer: unknown; history: { data: { text?: string } }[] };
    expect(doc.customer).toMatchObject({ id, email, firstName: 'Spill' });
    expect(doc.history).toHaveLength(9);
    expect(doc.history.map((h) => h.data.text).filter(Boolean)).toContain(`msg 7 "${'x'.repeat(490)}"`);

    // The very document the inline answer would have been: the same person exported with a threshold that fits it.
    const { exportPersonalData } = await import('../../shared/privacy/access-export.ts');
    const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
    const inline = JSON.parse(JSON.stringify(await exportPersonalData(privacyStore(), TENANT, id, new Date(doc.exportedAt))));
    expect(doc).toEqual(inline);
  });

  it('?delivery=link answers { url, expiresAt, bytes } whatever the size; the link serves the document', async () => {
    for (const messages of [0, 8]) {
      const { id } = await personWith(messages);
      const before = Date.now();
      const res = await call('GET', `/v1/customers/${id}/export?delivery=link`, { key: sk });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body).sort()).toEqual(['bytes', 'expiresAt', 'url']);
      // Fifteen minutes from the request (a value check, not a timing one).
      const expires = Date.parse(res.body.expiresAt);
      expect(expires).toBeGreaterThanOrEqual(before + 15 * 60_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
      const file = await fetch(res.body.url);
      expect(file.status).toBe(200);
      const text = await file.text();
      expect(Buffer.byteLength(text)).toBe(res.body.bytes);
      expect(JSON.parse(text).customer.id).toBe(id);
      // A later export replaces the person's file: one file per person, however often they ask.
      const again = await call('GET', `/v1/customers/${id}/export`, { key: sk });
      expect(again.status).toBe(messages ? 303 : 200);
      const listed = await env.s3.send(new ListObjectsV2Command({ Bucket: env.exportBucket, Prefix: `personal-data/${TENANT}/${id}` }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual([personalDataKey(TENANT, id)]);
    }
  });

  it('refuses any other query parameter, or another delivery, with a 400 naming it', async () => {
    const { id } = await personWith(0);
    for (const [query, field] of [
      ['format=csv', 'format'],
      ['delivery=inline', 'delivery'],
      ['delivery=link&expiresIn=60', 'expiresIn'],
    ] as const) {
      const res = await call('GET', `/v1/customers/${id}/export?${query}`, { key: sk });
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.stringify(res.body.errors), query).toContain(field);
    }
  });

  it('records one customer.export_data audit entry per export, however it is delivered', async () => {
    const small = await personWith(0);
    const large = await personWith(8);
    const before = await auditCount();
    expect((await call('GET', `/v1/customers/${small.id}/export`, { key: sk })).status).toBe(200);
    expect((await call('GET', `/v1/customers/${large.id}/export`, { key: sk })).status).toBe(303);
    expect((await call('GET', `/v1/customers/${small.id}/export?delivery=link`, { key: sk })).status).toBe(200);
    expect(await auditCount()).toBe(before + 3);
  });

  it("another tenant's key gets no export and no link of the person, and nothing is written for it", async () => {
    const { id } = await personWith(8);
    for (const url of [`/v1/customers/${id}/export`, `/v1/customers/${id}/export?delivery=link`]) {
      const res = await call('GET', url, { key: otherSk });
      expect(res.status, url).toBe(404);
      expect(res.headers.location).toBeUndefined();
    }
    expect(await stored(personalDataKey(OTHER, id))).toBe(false);
    expect(await stored(personalDataKey(TENANT, id))).toBe(false);
  });
});

describe('the erasure deletes the spilled export, at every door', () => {
  /** Spills the person's export and checks the file is there; returns its link. */
  async function spill(id: string): Promise<string> {
    const res = await call('GET', `/v1/customers/${id}/export?delivery=link`, { key: sk });
    expect(res.status).toBe(200);
    expect(await stored(personalDataKey(TENANT, id))).toBe(true);
    expect((await fetch(res.body.url)).status).toBe(200);
    return res.body.url as string;
  }
  async function gone(id: string, url: string) {
    expect(await stored(personalDataKey(TENANT, id))).toBe(false);
    expect((await fetch(url)).status).toBe(404);
  }

  it('DELETE /v1/customers/{id}', async () => {
    const { id } = await personWith(8);
    const url = await spill(id);
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    await gone(id, url);
  });

  it('DELETE /v1/customers?email=', async () => {
    const { id, email } = await personWith(2);
    const url = await spill(id);
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(email)}`, { key: sk })).status).toBe(204);
    await gone(id, url);
  });

  it("the erasure of the survivor of a merge deletes the merged person's export too (made under their old id)", async () => {
    const survivor = await personWith(0);
    const merged = await personWith(8);
    const urls = [await spill(survivor.id), await spill(merged.id)];
    expect((await call('POST', `/v1/customers/${survivor.id}/merge`, { key: sk, body: { otherId: merged.id } })).status).toBe(200);
    expect((await call('DELETE', `/v1/customers/${survivor.id}`, { key: sk })).status).toBe(204);
    await gone(survivor.id, urls[0]!);
    await gone(merged.id, urls[1]!);
  });

  it('the retention job', async () => {
    const tenant = 'spill-retention';
    const { stores, privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    await ensureTenant(stores().tenants, tenant);
    const key = (await issueKey(stores().tenants, tenant, 'secret')).key;
    expect((await call('PATCH', '/v1/settings', { key, body: { retention: { inactiveMonths: 12 } } })).status).toBe(200);
    const created = await call('POST', '/v1/events', {
      key,
      body: { eventId: `ev-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2024-01-10T10:00:00Z', customer: { email: `old.${uniq()}@example.com` }, data: { message: 'x'.repeat(4_000) } },
    });
    const id = created.body.customerId as string;
    const res = await call('GET', `/v1/customers/${id}/export`, { key });
    expect(res.status).toBe(303);
    expect(await stored(personalDataKey(tenant, id))).toBe(true);

    const { runRetention } = await import('../../shared/privacy/retention.ts');
    const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() }, { now: () => new Date('2026-06-01T12:00:00Z') });
    expect(report.tenants.find((t) => t.tenantId === tenant)).toMatchObject({ erased: 1, failed: 0 });
    expect(await stored(personalDataKey(tenant, id))).toBe(false);
    expect((await fetch(res.headers.location!)).status).toBe(404);
  });

  it('an export that read the person before their erasure finished leaves no file behind, and answers 404', async () => {
    const { id } = await personWith(8);
    const { deliverPersonalData } = await import('../../shared/privacy/access-export.ts');
    const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
    const { personalDataFiles } = await import('../../shared/http/stores.ts');
    const real = privacyStore();
    // The whole erasure runs between the export's read of the partition and its write of the file.
    const racing: PrivacyStore = {
      ...real,
      partition: async (tenantId, customerId) => {
        const held = await real.partition(tenantId, customerId);
        expect((await call('DELETE', `/v1/customers/${customerId}`, { key: sk })).status).toBe(204);
        return held;
      },
    };
    await expect(deliverPersonalData({ privacy: racing, files: personalDataFiles(), inlineMaxBytes: INLINE_MAX }, TENANT, id)).rejects.toMatchObject({ status: 404 });
    expect(await stored(personalDataKey(TENANT, id))).toBe(false);
  });
});
