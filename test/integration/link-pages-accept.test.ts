import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import { confirmLinkIn, mailsTo } from '../helpers/outbox.ts';
import { documentedStatuses } from '../helpers/documented.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * The GET of a link mailed to a person (double opt-in, unsubscribe) answers its errors as a page to a browser,
 * and as problem+json (RFC 9457, the field named) to a client whose Accept prefers JSON, with the same status.
 * Through the route table's handlers against DynamoDB Local, the mails read from the local outbox.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const T = 'link-pages-accept';
const ORIGIN = 'https://www.osteria.example';
const outbox = mkdtempSync(join(tmpdir(), 'clientela-link-accept-outbox-'));
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const PROGRAMS = ['application/problem+json', 'application/json'];

beforeAll(async () => {
  await useLocalEnv({ MAIL_OUTBOX_DIR: outbox });
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T, { allowedOrigins: [ORIGIN] });
  pk = await publishableKey(T);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

async function unsubscribeToken(id: string, body: Record<string, unknown> = {}) {
  const link = await call('POST', `/v1/customers/${id}/unsubscribe-link`, { key: sk, body });
  expect(link.status, JSON.stringify(link.body)).toBe(200);
  return tokenOf(link.body.url as string);
}

/** A sign-up on the website: the card's id and the token of the confirmation link mailed to the person. */
async function signUp() {
  const email = `g.${uniq()}@example.it`;
  const res = await call('POST', '/v1/events', {
    key: pk,
    body: { eventId: `nl-${uniq()}`, type: 'newsletter.subscribed', occurredAt: new Date(Date.now() - 60_000).toISOString(), customer: { email }, data: {} },
    headers: { origin: ORIGIN, host: 'api.test', 'x-forwarded-proto': 'https' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const link = confirmLinkIn(mailsTo(outbox, email).at(-1) ?? '');
  expect(link, 'the confirmation mail').toBeTruthy();
  const id = (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items[0].id as string;
  return { id, token: tokenOf(link!) };
}

/** The same request as a browser and as programs: one status, a page for the first, problem+json for the others. */
async function expectPageOrProblem(url: string, status: number) {
  const page = await call('GET', url, { headers: { accept: BROWSER } });
  expect(page.status, url).toBe(status);
  expect(page.headers['content-type'], url).toBe('text/html; charset=utf-8');
  expect(page.body, url).toMatch(/^<!doctype html>/i);
  // No Accept at all (a mail scanner, `curl` by default): the page too.
  const bare = await call('GET', url);
  expect([bare.status, bare.headers['content-type']], url).toEqual([status, 'text/html; charset=utf-8']);
  const problems: Reply[] = [];
  for (const accept of PROGRAMS) {
    const res = await call('GET', url, { headers: { accept } });
    expect(res.status, `${accept} ${url}`).toBe(status);
    expect(res.headers['content-type'], `${accept} ${url}`).toBe('application/problem+json');
    expect(res.body, `${accept} ${url}`).toMatchObject({ type: 'about:blank', status, title: expect.any(String), detail: expect.any(String) });
    problems.push(res);
  }
  expect(problems[1]!.body, url).toEqual(problems[0]!.body);
  expect(documentedStatuses('GET', url), url).toContain(status);
  return problems[0]!.body as { detail: string; errors?: { path: string; message: string }[]; reason?: string };
}

describe('GET /v1/unsubscribe', () => {
  it('a missing, altered or expired token: 400, a page to a browser, problem+json naming `token` to a program', async () => {
    const id = (await call('POST', '/v1/customers', { key: sk, body: { email: `u.${uniq()}@example.it`, consent: { newsletter: 'granted' } } })).body.id as string;
    const token = await unsubscribeToken(id);
    const { privacyStores } = await import('../../shared/http/stores.ts');
    const { signUnsubscribeToken } = await import('../../shared/privacy/unsubscribe.ts');
    const expired = signUnsubscribeToken(await privacyStores().privacy.privacySecret(T), { tenantId: T, customerId: id, exp: Math.floor(Date.now() / 1000) - 60 });

    for (const url of ['/v1/unsubscribe', '/v1/unsubscribe?token=garbage', `/v1/unsubscribe?token=${token.slice(0, -2)}xx`]) {
      const problem = await expectPageOrProblem(url, 400);
      expect(problem.errors, url).toEqual([{ path: 'token', message: expect.stringMatching(/altered/) }]);
    }
    const problem = await expectPageOrProblem(`/v1/unsubscribe?token=${expired}`, 400);
    expect(problem.errors).toEqual([{ path: 'token', message: 'has expired' }]);
    expect(problem.detail).toMatch(/expired/);

    // A valid link is a page whoever asks (it is a page route), and opening it changes nothing.
    const open = await call('GET', `/v1/unsubscribe?token=${token}`, { headers: { accept: 'application/json' } });
    expect([open.status, open.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.consent.newsletter).toBe('granted');
  });
});

describe('the POSTs of both links', () => {
  it('answer a link that is not valid with problem+json naming `token` too (a program; the page button gets a page)', async () => {
    for (const url of ['/v1/unsubscribe?token=garbage', '/v1/consent/confirm?token=garbage', '/v1/unsubscribe', '/v1/consent/confirm']) {
      const res = await call('POST', url);
      expect([res.status, res.headers['content-type']], url).toEqual([400, 'application/problem+json']);
      expect(res.body.errors, url).toEqual([{ path: 'token', message: expect.stringMatching(/altered/) }]);
      const page = await call('POST', url, { headers: { accept: BROWSER } });
      expect([page.status, page.headers['content-type']], url).toEqual([400, 'text/html; charset=utf-8']);
    }
  });
});

describe('GET /v1/consent/confirm', () => {
  it('a missing or altered token: 400, a page to a browser, problem+json naming `token` to a program', async () => {
    const { token } = await signUp();
    for (const url of ['/v1/consent/confirm', '/v1/consent/confirm?token=garbage', `/v1/consent/confirm?token=${token.slice(0, -2)}xx`]) {
      const problem = await expectPageOrProblem(url, 400);
      expect(problem.errors, url).toEqual([{ path: 'token', message: expect.stringMatching(/altered/) }]);
    }
  });

  it('a sign-up answered otherwise since: 409, a page to a browser, problem+json with `reason` to a program; nothing written', async () => {
    const { id, token } = await signUp();
    await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { consent: { newsletter: 'denied' } } });
    const problem = await expectPageOrProblem(`/v1/consent/confirm?token=${token}`, 409);
    expect(problem.reason).toBe('decided');
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.consent.newsletter).toBe('denied');
  });

  it('the person erased since: 404, a page to a browser, problem+json to a program', async () => {
    const { id, token } = await signUp();
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    await expectPageOrProblem(`/v1/consent/confirm?token=${token}`, 404);
  });
});
