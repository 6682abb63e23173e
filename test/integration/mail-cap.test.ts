import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useLocalEnv } from '../support/aws.ts';
import { mailsTo } from '../helpers/outbox.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Report rtenant 3: the SES sender, quota and reputation are the deployment's, shared by every tenant, so
 * one tenant's confirmation mails are capped per UTC day (CONFIRMATION_MAILS_PER_DAY, 3 here). Over the cap a
 * newsletter sign-up is still recorded `pending`, no mail goes out, the site's answer is the contract's
 * (`202 { accepted: true }`), the owner sees one audit entry for the day, and other tenants still mail.
 * The clock (Date only) is pinned.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string>; sourceIp?: string }) => Promise<Reply>;
const outbox = mkdtempSync(join(tmpdir(), 'clientela-mail-cap-'));
const ORIGIN = 'https://www.mail-cap.example';
const keys: Record<string, { sk: string; pk: string }> = {};
const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);

beforeAll(async () => {
  await useLocalEnv({ MAIL_OUTBOX_DIR: outbox, CONFIRMATION_MAILS_PER_DAY: '3' });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  for (const t of ['flooded-shop', 'other-shop']) {
    await ensureTenant(stores().tenants, t);
    await changeTenant(stores().tenants, t, (x) => ({ ...x, allowedOrigins: [ORIGIN] }));
    keys[t] = { sk: (await issueKey(stores().tenants, t, 'secret')).key, pk: (await issueKey(stores().tenants, t, 'publishable')).key };
  }
});

afterAll(() => {
  vi.useRealTimers();
  rmSync(outbox, { recursive: true, force: true });
});

let n = 0;
const signUp = (t: string, email: string) =>
  call('POST', '/v1/events', {
    key: keys[t]!.pk,
    // One address each: the per-address limit is not what is tested here.
    sourceIp: `192.0.2.${++n}`,
    headers: { origin: ORIGIN },
    body: { eventId: `cap-${n}`, type: 'newsletter.subscribed', occurredAt: new Date(T0 - 60_000).toISOString(), customer: { email }, data: {} },
  });
const mailCount = () => readdirSync(outbox).length;

describe('confirmation mails per tenant and day', () => {
  it('stops mailing past the cap, still records the sign-up pending and answers the site as always', async () => {
    for (let i = 0; i < 3; i++) expect((await signUp('flooded-shop', `ghost${i}@flood.example`)).status).toBe(202);
    expect(mailCount()).toBe(3);
    const over = await signUp('flooded-shop', 'real.person@example.com');
    expect(over.status).toBe(202);
    expect(over.body).toEqual({ accepted: true });
    expect(mailsTo(outbox, 'real.person@example.com')).toHaveLength(0);
    expect(mailCount()).toBe(3);
    const found = await call('GET', '/v1/customers?q=real.person', { key: keys['flooded-shop']!.sk });
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0].consent.newsletter).toBe('pending');
  });

  it('tells the owner once a day, in the audit log', async () => {
    await signUp('flooded-shop', 'another.person@example.com');
    const audit = await call('GET', '/v1/audit', { key: keys['flooded-shop']!.sk });
    const capped = (audit.body.items as { action: string; detail?: string }[]).filter((e) => e.action === 'mail.confirmations-capped');
    expect(capped).toHaveLength(1);
    expect(capped[0]!.detail).toContain('3 confirmation mails');
    expect(JSON.stringify(capped)).not.toContain('@');
  });

  it('leaves other tenants’ mails alone, and mails the flooded tenant again the next day', async () => {
    expect((await signUp('other-shop', 'guest@other.example')).status).toBe(202);
    expect(mailsTo(outbox, 'guest@other.example')).toHaveLength(1);
    vi.setSystemTime(T0 + 15 * 3600 * 1000);
    expect((await signUp('flooded-shop', 'tomorrow@example.com')).status).toBe(202);
    expect(mailsTo(outbox, 'tomorrow@example.com')).toHaveLength(1);
  });
});
