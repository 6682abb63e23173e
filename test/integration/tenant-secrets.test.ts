import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tableItems } from '../helpers/table-scan.ts';

/**
 * Secrets kept apart (issue 12, part 6): the per-tenant HMAC secrets are stored sealed with a key the table
 * does not hold (locally the master key file of SECRETS_MASTER_KEY_FILE, test/support/global-setup.ts), so
 * a dump of the table alone no longer reveals them; secrets written in the clear before are sealed on
 * their first read, and links signed with them keep working.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
const sk: Record<string, string> = {};
const TENANT = 'secrets-shop';
const LEGACY = 'secrets-legacy';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of [TENANT, LEGACY]) {
    await ensureTenant(stores().tenants, t);
    sk[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
});

const rawItem = async (pk: string, sk: string) => (await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk, sk } }))).Item;
const tableDump = async () => JSON.stringify(await tableItems(env.db, env.tableName));
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const newCustomer = async (tenant: string, email: string) => (await call('POST', '/v1/customers', { key: sk[tenant], body: { email, consent: { newsletter: 'granted' } } })).body as { id: string };

describe('a dump of the table', () => {
  it('holds the secrets only sealed: neither the secret nor a `secret` attribute, and the links made with them work', async () => {
    const { eventStores, privacyStores } = await import('../../shared/http/stores.ts');
    const c = await newCustomer(TENANT, 'sealed@example.it');
    // The privacy secret is created by the first unsubscribe link, the consent secret by the first double opt-in.
    const link = await call('POST', `/v1/customers/${c.id}/unsubscribe-link`, { key: sk[TENANT] });
    expect(link.status).toBe(200);
    const consentSecret = await eventStores().events.consentSecret(TENANT);
    const privacySecret = await privacyStores().privacy.privacySecret(TENANT);

    for (const sort of ['SECRET#PRIVACY', 'SECRET#CONSENT']) {
      const item = await rawItem(`TENANT#${TENANT}`, sort);
      expect(item, sort).toBeDefined();
      expect(item!.secret, sort).toBeUndefined();
      expect(item!.sealed, sort).toMatch(/^v1\.file\./);
    }
    const dump = await tableDump();
    for (const secret of [consentSecret, privacySecret]) {
      expect(secret.length).toBeGreaterThanOrEqual(43);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret, 'base64url').toString('base64'));
    }
    // The link signed with the sealed secret still unsubscribes.
    const pressed = await call('POST', `/v1/unsubscribe?token=${tokenOf(link.body.url)}`);
    expect(pressed.status).toBe(200);
    expect((await call('GET', `/v1/customers/${c.id}`, { key: sk[TENANT] })).body.consent).toMatchObject({ newsletter: 'denied' });
  });
});

describe('secrets stored in the clear before', () => {
  it('are sealed on their first read, and links signed with them before keep working', async () => {
    const { signUnsubscribeToken } = await import('../../shared/privacy/unsubscribe.ts');
    const { signConsentToken, CONFIRM_TTL_SECONDS } = await import('../../shared/events/consent-token.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const { changeTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    const ORIGIN = 'https://www.legacy.example';
    const privacyClear = 'legacy-privacy-secret-0123456789abcdefghijklmnop';
    const consentClear = 'legacy-consent-secret-0123456789abcdefghijklmnop';
    await env.db.send(new PutCommand({ TableName: env.tableName, Item: { pk: `TENANT#${LEGACY}`, sk: 'SECRET#PRIVACY', entity: 'privacySecret', secret: privacyClear } }));
    await env.db.send(new PutCommand({ TableName: env.tableName, Item: { pk: `TENANT#${LEGACY}`, sk: 'SECRET#CONSENT', entity: 'consentSecret', secret: consentClear } }));
    const leaving = await newCustomer(LEGACY, 'leaving@example.it');
    const joining = (await call('POST', '/v1/customers', { key: sk[LEGACY], body: { email: 'joining@example.it' } })).body as { id: string };
    // The person signs up on the website: the confirmation link is mailed for that sign-up (just after it).
    await changeTenant(stores().tenants, LEGACY, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
    const pk = (await issueKey(stores().tenants, LEGACY, 'publishable')).key;
    const signUp = { eventId: 'nl-joining', type: 'newsletter.subscribed', occurredAt: new Date().toISOString(), customer: { email: 'joining@example.it' }, data: {} };
    expect((await call('POST', '/v1/events', { key: pk, body: signUp, headers: { origin: ORIGIN } })).status).toBe(202);
    const exp = Math.floor(Date.now() / 1000) + CONFIRM_TTL_SECONDS;

    // Links mailed before the change, signed with the clear secrets.
    const unsubscribe = signUnsubscribeToken(privacyClear, { tenantId: LEGACY, customerId: leaving.id, exp });
    const confirm = signConsentToken({ t: LEGACY, c: joining.id, exp }, consentClear);
    expect((await call('POST', `/v1/unsubscribe?token=${unsubscribe}`)).status).toBe(200);
    expect((await call('POST', `/v1/consent/confirm?token=${confirm}`)).status).toBe(200);
    expect((await call('GET', `/v1/customers/${leaving.id}`, { key: sk[LEGACY] })).body.consent).toMatchObject({ newsletter: 'denied' });
    expect((await call('GET', `/v1/customers/${joining.id}`, { key: sk[LEGACY] })).body.consent).toMatchObject({ newsletter: 'granted', source: 'double-opt-in' });

    // Read once: sealed in place, the clear value gone from the table.
    for (const sort of ['SECRET#PRIVACY', 'SECRET#CONSENT']) {
      const item = await rawItem(`TENANT#${LEGACY}`, sort);
      expect(item!.secret, sort).toBeUndefined();
      expect(item!.sealed, sort).toMatch(/^v1\.file\./);
    }
    const dump = await tableDump();
    expect(dump).not.toContain(privacyClear);
    expect(dump).not.toContain(consentClear);

    // A fresh process (no cached secret) opens the sealed one: the same secret, so old links still verify.
    const { dynamoTenantSecrets } = await import('../../shared/store/secret.store.ts');
    const { tenantSecretBox } = await import('../../shared/http/stores/secrets.ts');
    const fresh = dynamoTenantSecrets(env.db, env.tableName, tenantSecretBox());
    expect(await fresh.find(LEGACY, 'privacy')).toBe(privacyClear);
    expect(await fresh.find(LEGACY, 'consent')).toBe(consentClear);
  });
});
