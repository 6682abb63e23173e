import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { confirmLinkIn, mailsTo } from '../helpers/outbox.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Issue 12, part 7: every link clientela hands out starts with the stage's public base URL (its custom
 * domain; locally the runtime's URL), whatever Host header the request came with. Before, the links were
 * built from that header: a caller choosing it could make clientela mail a customer a link to any site.
 */
const BASE = 'https://api.trattoria.example';
const TENANT = 'links-shop';
const ORIGIN = 'https://www.trattoria.example';
const outbox = mkdtempSync(join(tmpdir(), 'clientela-links-outbox-'));
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;

beforeAll(async () => {
  await useLocalEnv({ PUBLIC_BASE_URL: `${BASE}/`, MAIL_OUTBOX_DIR: outbox, MAIL_FROM: 'no-reply@clientela.example' });
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  pk = (await issueKey(stores().tenants, TENANT, 'publishable')).key;
});

const FOREIGN_HOST = { host: 'attacker.example', 'x-forwarded-proto': 'http' };

describe('links in emails and answers', () => {
  it('the double opt-in mail links to the public base URL, not to the Host the request named', async () => {
    const email = `giulia.${Date.now().toString(36)}@example.it`;
    const sub = await call('POST', '/v1/events', {
      key: pk,
      body: { eventId: `ev-${Date.now().toString(36)}`, type: 'newsletter.subscribed', occurredAt: new Date(Date.now() - 60_000).toISOString(), customer: { email }, data: { wording: 'v1' } },
      headers: { origin: ORIGIN, ...FOREIGN_HOST },
    });
    expect(sub.status).toBe(202);
    const link = confirmLinkIn(mailsTo(outbox, email)[0] ?? '');
    expect(link).toMatch(/^https:\/\/api\.trattoria\.example\/v1\/consent\/confirm\?token=/);
    expect(mailsTo(outbox, email).join('\n')).not.toContain('attacker.example');
  });

  it('an unsubscribe link starts with the public base URL', async () => {
    const customer = (await call('POST', '/v1/customers', { key: sk, body: { email: `marco.${Date.now().toString(36)}@example.it` } })).body;
    const link = await call('POST', `/v1/customers/${customer.id}/unsubscribe-link`, { key: sk, headers: FOREIGN_HOST });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/^https:\/\/api\.trattoria\.example\/v1\/unsubscribe\?token=/);
  });
});
