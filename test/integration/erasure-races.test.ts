import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { EventStore } from '../../shared/events/event.ports.ts';
import type { CustomerStore } from '../../shared/domain/customer.ports.ts';
import { tableItems } from '../helpers/table-scan.ts';

/**
 * Erasure holds at every door, whatever runs at the same moment (DynamoDB Local, the real stores; the
 * erasure is sent through the real DELETE handler at the exact point of the race):
 * - an event racing the tenant's first-ever erasure (no privacy secret when the event was checked);
 * - POST /v1/customers and PATCH racing the erasure of the email's holder (between the check and the write);
 * - the same consent event (same eventId) sent again after the person was erased: not a new consent.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const cardsWith = async (sk: string, email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as { id: string; email: string }[];

/** A tenant of its own, and what the use cases need to be called with stores a test wraps. */
async function tenant(opts: { erasedBefore: boolean }) {
  const id = `races-${uniq()}`;
  const sk = await tenantWithSecretKey(id);
  if (opts.erasedBefore) {
    // An earlier erasure: the tenant has its privacy secret.
    const r = await call('POST', '/v1/customers', { key: sk, body: { email: `old.${uniq()}@example.com` } });
    expect((await call('DELETE', `/v1/customers/${r.body.id}`, { key: sk })).status).toBe(204);
  }
  const { stores } = await import('../../shared/http/stores.ts');
  const t = (await stores().tenants.getTenant(id))!;
  const key = (await stores().tenants.listApiKeys(id)).find((k) => k.kind === 'secret')!;
  return { id, sk, tenant: t, key };
}

type T = Awaited<ReturnType<typeof tenant>>;

/** Captures an event through ingestEvent with the real stores, the erasure of `eraseId()` sent through DELETE when the event first looks its person up. */
async function eventRacingErasure(t: T, body: Record<string, unknown>, eraseId: () => string) {
  const { eventStore } = await import('../../shared/http/stores/events.ts');
  const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
  const { ingestEvent } = await import('../../shared/events/ingest.ts');
  const real = eventStore();
  let erased = 0;
  const events: EventStore = {
    ...real,
    // The erasure runs after the event's suppression check, before its first read of the lookups.
    async findOwners(tenantId, ids) {
      if (!erased) erased = (await call('DELETE', `/v1/customers/${eraseId()}`, { key: t.sk })).status;
      return real.findOwners(tenantId, ids);
    },
  };
  const out = await ingestEvent({ events, tenant: t.tenant, key: t.key, baseUrl: 'https://api.test', suppression: privacyStore() }, body as never);
  return { answer: out.answer, erased };
}

describe('an event racing an erasure', () => {
  for (const erasedBefore of [false, true]) {
    it(`does not bring the erased person back (${erasedBefore ? 'a tenant that erased someone before' : "the tenant's first-ever erasure"})`, async () => {
      const t = await tenant({ erasedBefore });
      const email = `anna.${uniq()}@example.com`;
      const first = await call('POST', '/v1/events', { key: t.sk, body: { eventId: `e1-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email, firstName: 'Anna' }, data: { message: 'hi' } } });
      expect(first.status).toBe(200);
      const { answer, erased } = await eventRacingErasure(
        t,
        { eventId: `e2-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-02T12:00:00Z', customer: { email, firstName: 'Anna' }, data: { message: 'me again' } },
        () => first.body.customerId,
      );
      expect(erased).toBe(204);
      expect(answer).toEqual({ created: false, suppressed: true });
      expect(await cardsWith(t.sk, email)).toEqual([]);
      // And later, not racing: still refused.
      const later = await call('POST', '/v1/events', { key: t.sk, body: { eventId: `e3-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-03T12:00:00Z', customer: { email }, data: { message: 'later' } } });
      expect(later.body).toEqual({ created: false, suppressed: true });
      expect(await cardsWith(t.sk, email)).toEqual([]);
    });
  }

  for (const erasedBefore of [false, true]) {
    it(`does not start the erased person's booking again under a new address (${erasedBefore ? 'a tenant that erased someone before' : "the tenant's first-ever erasure"})`, async () => {
      const t = await tenant({ erasedBefore });
      const bookingId = `bk-${uniq()}`;
      const booking = { bookingId, date: '2026-04-20', time: '20:00', partySize: 2 };
      const first = await call('POST', '/v1/events', { key: t.sk, body: { eventId: `b1-${uniq()}`, type: 'booking.created', occurredAt: '2026-03-01T12:00:00Z', customer: { email: `gina.${uniq()}@example.com` }, data: booking } });
      expect(first.status).toBe(200);
      // The booking tool's update of the same booking, under the guest's corrected address.
      const corrected = `gina.new.${uniq()}@example.com`;
      const { answer, erased } = await eventRacingErasure(
        t,
        { eventId: `b2-${uniq()}`, type: 'booking.updated', occurredAt: '2026-03-02T12:00:00Z', customer: { email: corrected }, data: { ...booking, partySize: 4 } },
        () => first.body.customerId,
      );
      expect(erased).toBe(204);
      expect(answer).toEqual({ created: false, suppressed: true });
      expect(await cardsWith(t.sk, corrected)).toEqual([]);
    });
  }

  it("still captures an event of someone else when the tenant's first erasure races it", async () => {
    const t = await tenant({ erasedBefore: false });
    const anna = await call('POST', '/v1/customers', { key: t.sk, body: { email: `anna.${uniq()}@example.com` } });
    const bruno = `bruno.${uniq()}@example.com`;
    const { answer, erased } = await eventRacingErasure(
      t,
      { eventId: `b-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-02T12:00:00Z', customer: { email: bruno, firstName: 'Bruno' }, data: { message: 'ciao' } },
      () => anna.body.id,
    );
    expect(erased).toBe(204);
    expect(answer).toMatchObject({ created: true });
    expect((await cardsWith(t.sk, bruno)).map((c) => c.email)).toEqual([bruno]);
  });
});

/** The customer use cases with the real stores, the erasure of `eraseId()` sent through DELETE just before the first card write. */
async function customersRacingErasure(t: T, what: 'create' | 'update', eraseId: () => string) {
  const { customerStore } = await import('../../shared/http/stores/customers.ts');
  const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
  const { suppressionGate } = await import('../../shared/privacy/suppression.ts');
  const real = customerStore();
  const race = { erased: 0 };
  const write = real[what] as (...a: unknown[]) => ReturnType<CustomerStore['create']>;
  const customers: CustomerStore = {
    ...real,
    [what]: async (...args: unknown[]) => {
      if (!race.erased) race.erased = (await call('DELETE', `/v1/customers/${eraseId()}`, { key: t.sk })).status;
      return write(...args);
    },
  };
  return { ctx: { customers, tenant: t.tenant, actor: t.key, suppression: suppressionGate(privacyStore()) }, race };
}

/** What the API answers for a domain error (shared/http/problem.ts). */
async function answerOf(p: Promise<unknown>) {
  const { errorToProblem } = await import('../../shared/http/problem.ts');
  try {
    await p;
    return { status: 200, body: undefined, headers: {} as Record<string, string> };
  } catch (e) {
    const r = errorToProblem(e);
    return { status: r.statusCode, body: JSON.parse(r.body as string), headers: r.headers as Record<string, string> };
  }
}

describe('POST and PATCH /v1/customers racing the erasure of the email holder', () => {
  for (const erasedBefore of [true, false]) {
    const which = erasedBefore ? 'a tenant that erased someone before' : "the tenant's first-ever erasure";
    it(`POST answers 409 suppressed and puts no card with the erased email (${which})`, async () => {
      const t = await tenant({ erasedBefore });
      const { createCustomer } = await import('../../shared/domain/customers.ts');
      const email = `race.${uniq()}@example.com`;
      const anna = await call('POST', '/v1/customers', { key: t.sk, body: { email, firstName: 'Anna' } });
      const { ctx, race } = await customersRacingErasure(t, 'create', () => anna.body.id);
      const answer = await answerOf(createCustomer(ctx, { email, firstName: 'Anna' } as never));
      expect(race.erased).toBe(204);
      expect(answer.status).toBe(409);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ suppressed: true, errors: [{ path: 'email' }] });
      expect(await cardsWith(t.sk, email)).toEqual([]);
    });

    it(`PATCH adding the email answers 409 suppressed and leaves the card without it (${which})`, async () => {
      const t = await tenant({ erasedBefore });
      const { updateCustomer } = await import('../../shared/domain/customers.ts');
      const email = `race2.${uniq()}@example.com`;
      const anna = await call('POST', '/v1/customers', { key: t.sk, body: { email, firstName: 'Anna' } });
      const other = await call('POST', '/v1/customers', { key: t.sk, body: { phone: '+393471234567' } });
      const { ctx, race } = await customersRacingErasure(t, 'update', () => anna.body.id);
      const answer = await answerOf(updateCustomer(ctx, other.body.id, { email } as never));
      expect(race.erased).toBe(204);
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ suppressed: true, errors: [{ path: 'email' }] });
      expect(await cardsWith(t.sk, email)).toEqual([]);
      expect((await call('GET', `/v1/customers/${other.body.id}`, { key: t.sk })).body.email).toBeNull();
    });
  }

  it('a POST that grants consent still adds the person again after the erasure (their new consent)', async () => {
    const t = await tenant({ erasedBefore: true });
    const email = `back.${uniq()}@example.com`;
    const anna = await call('POST', '/v1/customers', { key: t.sk, body: { email } });
    expect((await call('DELETE', `/v1/customers/${anna.body.id}`, { key: t.sk })).status).toBe(204);
    expect((await call('POST', '/v1/customers', { key: t.sk, body: { email } })).status).toBe(409);
    const back = await call('POST', '/v1/customers', { key: t.sk, body: { email, consent: { newsletter: 'granted' } } });
    expect(back.status).toBe(201);
  });
});

describe('a consent event sent again after the person was erased', () => {
  const subscribed = (eventId: string, email: string) => ({ eventId, type: 'newsletter.subscribed', occurredAt: '2026-03-01T12:00:00Z', customer: { email, firstName: 'Rita' }, data: {} });

  it('is refused as suppressed: no card, no consent, the suppression stays', async () => {
    const t = await tenant({ erasedBefore: false });
    const email = `rita.${uniq()}@example.com`;
    const eventId = `rp-${uniq()}`;
    const first = await call('POST', '/v1/events', { key: t.sk, body: subscribed(eventId, email) });
    expect(first.body).toMatchObject({ created: true });
    expect((await call('DELETE', `/v1/customers/${first.body.customerId}`, { key: t.sk })).status).toBe(204);

    const again = await call('POST', '/v1/events', { key: t.sk, body: subscribed(eventId, email) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ created: false, suppressed: true });
    expect(await cardsWith(t.sk, email)).toEqual([]);
    // The suppression was not lifted: an ordinary event of the person is still refused, and so is a card.
    const contact = await call('POST', '/v1/events', { key: t.sk, body: { eventId: `c-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-05T12:00:00Z', customer: { email }, data: { message: 'x' } } });
    expect(contact.body).toEqual({ created: false, suppressed: true });
    expect((await call('POST', '/v1/customers', { key: t.sk, body: { email } })).status).toBe(409);
    // A third delivery answers the same.
    expect((await call('POST', '/v1/events', { key: t.sk, body: subscribed(eventId, email) })).body).toEqual({ created: false, suppressed: true });
  });

  it('keeps nothing that names the event or the person: the erased receipt is a keyed hash', async () => {
    const t = await tenant({ erasedBefore: false });
    const email = `sara.${uniq()}@example.com`;
    const eventId = `sp-${uniq()}`;
    const first = await call('POST', '/v1/events', { key: t.sk, body: subscribed(eventId, email) });
    expect((await call('DELETE', `/v1/customers/${first.body.customerId}`, { key: t.sk })).status).toBe(204);
    const items = await tableItems(env.db, env.tableName);
    const text = JSON.stringify(items);
    expect(text).not.toContain(eventId);
    expect(text).not.toContain(email);
    expect(text).not.toContain(first.body.customerId);
    expect(items.filter((i) => i.entity === 'erasedEvent' && (i.pk as string).startsWith(`T#${t.id}#`))).toHaveLength(1);
  });

  it('a new consent (another eventId) from the business still brings the person back', async () => {
    const t = await tenant({ erasedBefore: false });
    const email = `tina.${uniq()}@example.com`;
    const first = await call('POST', '/v1/events', { key: t.sk, body: subscribed(`tp-${uniq()}`, email) });
    expect((await call('DELETE', `/v1/customers/${first.body.customerId}`, { key: t.sk })).status).toBe(204);
    const renewed = await call('POST', '/v1/events', { key: t.sk, body: { ...subscribed(`tq-${uniq()}`, email), occurredAt: '2026-03-10T12:00:00Z' } });
    expect(renewed.body).toMatchObject({ created: true });
    expect((await cardsWith(t.sk, email)).map((c) => c.email)).toEqual([email]);
  });
});
