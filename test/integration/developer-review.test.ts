import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/**
 * What a web developer integrating from docs/api.md noticed (over DynamoDB Local): the card's embedded history
 * against /history, conditional requests on the card, and how a key without `Bearer ` is answered.
 */
let key: string;

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'enoteca');
  key = (await issueKey(stores().tenants, 'enoteca', 'secret')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = (event: Record<string, unknown>) =>
  call('POST', '/v1/events', { key, body: { eventId: `dr-${uniq()}`, occurredAt: '2026-03-01T12:00:00Z', ...event } });

describe("the card's embedded history", () => {
  it('shows the same entries as /history, with the identity changes an event made', async () => {
    const email = `hist-${uniq()}@example.it`;
    const first = await send({ type: 'contact_form.submitted', customer: { email, phone: '+39 349 111 2233' }, data: { message: 'Ciao' } });
    const id = first.body.customerId as string;
    await send({ type: 'contact_form.submitted', occurredAt: '2026-03-02T12:00:00Z', customer: { email, phone: '+39 349 444 5566' }, data: { message: 'Nuovo numero' } });
    const timeline = (await call('GET', `/v1/customers/${id}/history`, { key })).body.items;
    expect(timeline.find((h: { changes?: unknown }) => h.changes).changes).toEqual([{ field: 'phone', from: '+393491112233', to: '+393494445566' }]);
    const card = await call('GET', `/v1/customers/${id}`, { key });
    expect(card.body.history).toEqual(timeline);
  });
});
