import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createApiServer } from '../../local/http-adapter.ts';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';
import { CHROMIUM, hasChromium, warnIfNoChromium } from '../support/chromium.ts';

/**
 * The contract (/work/shared/api.md, "Tenancy and keys") sends keys as `Authorization: Bearer <key>` (or
 * `x-api-key`), and a `pk_` key is "safe to embed in a web page": a page that does exactly that must get past
 * the preflight (report-contract finding 2: it was a 403 "Put the publishable key in the URL"). The POST then
 * decides: a pk_ only from its tenant's allowed origins, a secret key from another site's page never.
 */
const ORIGIN = 'https://www.pizzeria-hdr.example';
let sk: string;
let eventsKey: string;
let pk: string;
let n = 0;
warnIfNoChromium(import.meta.url);

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'pizzeria-hdr');
  await changeTenant(stores().tenants, 'pizzeria-hdr', (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, 'pizzeria-hdr', 'secret')).key;
  eventsKey = (await issueKey(stores().tenants, 'pizzeria-hdr', 'secret', 'events')).key;
  pk = (await issueKey(stores().tenants, 'pizzeria-hdr', 'publishable')).key;
});

const contact = (email = `hdr${n}@example.it`) => ({
  eventId: `hdr-${Date.now()}-${n++}`,
  type: 'contact_form.submitted',
  occurredAt: new Date().toISOString(),
  customer: { email },
  data: { message: 'Un tavolo per due?' },
});

describe('OPTIONS /v1/events without ?key= (the key goes in a header)', () => {
  it('answers 204 offering authorization, x-api-key and content-type, echoing the Origin, short max-age', async () => {
    for (const asked of ['authorization,content-type', 'x-api-key,content-type', 'Authorization']) {
      const res = await call('OPTIONS', '/v1/events', { headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': asked } });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-methods']).toBe('POST');
      expect(res.headers['access-control-allow-headers']!.split(',').map((h) => h.trim())).toEqual(['authorization', 'x-api-key', 'content-type']);
      expect(res.headers.vary).toBe('Origin');
      expect(Number(res.headers['access-control-max-age'])).toBeLessThanOrEqual(60);
    }
  });

  it('refuses another method, another header, or no Origin (403, no CORS headers)', async () => {
    for (const headers of [
      { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' },
      { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-tenant' },
      { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    ] as Record<string, string>[]) {
      const res = await call('OPTIONS', '/v1/events', { headers });
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('POST /v1/events with the key in a header, from a page', () => {
  it('accepts a pk_ key in Authorization or x-api-key from an allowed origin, with CORS headers', async () => {
    for (const headers of [{ authorization: `Bearer ${pk}` }, { 'x-api-key': pk }] as Record<string, string>[]) {
      const res = await call('POST', '/v1/events', { body: contact(), headers: { origin: ORIGIN, 'sec-fetch-site': 'cross-site', ...headers } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: true });
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    }
  });

  it('refuses a pk_ key from another origin: 403 without CORS headers', async () => {
    const res = await call('POST', '/v1/events', { body: contact(), headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', authorization: `Bearer ${pk}` } });
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a secret key sent from another site’s page, even an allowed origin: 401 naming key, nothing recorded', async () => {
    const email = `secret-in-page-${Date.now()}@example.it`;
    for (const key of [sk, eventsKey]) {
      for (const origin of [ORIGIN, 'https://evil.example']) {
        // With Sec-Fetch-Site (every current browser) and without it (an older one: the Origin is not the API's host).
        for (const fetchSite of [{ 'sec-fetch-site': 'cross-site' }, {}] as Record<string, string>[]) {
          for (const keyHeader of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Record<string, string>[]) {
            const res = await call('POST', '/v1/events', { body: contact(email), headers: { origin, ...fetchSite, ...keyHeader } });
            expect(res.status).toBe(401);
            expect(res.headers['content-type']).toBe('application/problem+json');
            expect(res.body.errors).toEqual([expect.objectContaining({ path: 'key' })]);
            expect(res.headers['access-control-allow-origin']).toBeUndefined();
          }
        }
      }
    }
    const list = await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it('still takes a secret key from a server (no Origin) and from the same-origin console', async () => {
    expect((await call('POST', '/v1/events', { key: eventsKey, body: contact() })).status).toBe(200);
    const sameOrigin = await call('POST', '/v1/events', { key: sk, body: contact(), headers: { origin: 'https://d111111abcdef8.cloudfront.net', 'sec-fetch-site': 'same-origin' } });
    expect(sameOrigin.status).toBe(200);
  });

  it('keeps ?key=pk_... working, and still refuses ?key= with a header key', async () => {
    expect((await call('POST', `/v1/events?key=${pk}`, { body: contact(), headers: { origin: ORIGIN } })).status).toBe(202);
    const both = await call('POST', `/v1/events?key=${pk}`, { body: contact(), headers: { origin: ORIGIN, authorization: `Bearer ${pk}` } });
    expect(both.status).toBe(401);
    expect(both.body.errors[0].path).toBe('key');
  });
});

describe('two keys in Authorization and x-api-key (report-attack L6)', () => {
  it('refuses two different keys, even of two tenants, with 401 naming key, whichever header holds which', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    await ensureTenant(stores().tenants, 'pizzeria-hdr-other');
    const other = (await issueKey(stores().tenants, 'pizzeria-hdr-other', 'secret')).key;
    for (const headers of [
      { authorization: `Bearer ${other}`, 'x-api-key': sk },
      { authorization: `Bearer ${sk}`, 'x-api-key': other },
      { authorization: `Bearer ${sk}`, 'x-api-key': eventsKey },
    ]) {
      const res = await call('GET', '/v1/customers?limit=1', { headers });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.detail).toContain('Send one key');
      expect(res.body.errors).toEqual([{ path: 'key', message: expect.stringContaining('send one key') }]);
    }
  });

  it('takes the same key sent in both', async () => {
    expect((await call('GET', '/v1/customers?limit=1', { headers: { authorization: `Bearer ${sk}`, 'x-api-key': sk } })).status).toBe(200);
  });
});

/** A real Chromium: a page on one origin (localhost) fetches the API on another (127.0.0.1), the contract's way. */
describe.skipIf(!hasChromium)('a real browser page sending Authorization: Bearer pk_...', () => {
  let browser: Browser;
  let api: Server;
  let site: Server;
  let apiBase: string;
  let siteOrigin: string;

  beforeAll(async () => {
    api = createApiServer({ log: () => {} });
    await new Promise<void>((ok) => api.listen(0, '127.0.0.1', ok));
    apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>shop</title>'));
    await new Promise<void>((ok) => site.listen(0, '127.0.0.1', ok));
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    const { stores } = await import('../../shared/http/stores.ts');
    const { changeTenant } = await import('../../shared/domain/tenants.ts');
    await changeTenant(stores().tenants, 'pizzeria-hdr', (t) => ({ ...t, allowedOrigins: [ORIGIN, siteOrigin] }));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => api?.close(ok));
    await new Promise((ok) => site?.close(ok));
  });

  /** What the page's `fetch` reads: the status and body, or the browser's network error (a refused preflight). */
  async function sendFromPage(headers: Record<string, string>) {
    const page = await browser.newPage();
    try {
      await page.goto(`${siteOrigin}/`);
      return await page.evaluate(
        async ({ url, headers, body }) => {
          try {
            const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
            return { status: res.status, body: await res.text() };
          } catch (e) {
            return { error: String(e) };
          }
        },
        { url: `${apiBase}/v1/events`, headers, body: contact() },
      );
    } finally {
      await page.close();
    }
  }

  it('gets 202 { accepted: true } with the publishable key in Authorization and in x-api-key', async () => {
    expect(await sendFromPage({ authorization: `Bearer ${pk}` })).toEqual({ status: 202, body: JSON.stringify({ accepted: true }) });
    expect(await sendFromPage({ 'x-api-key': pk })).toEqual({ status: 202, body: JSON.stringify({ accepted: true }) });
  });

  it('cannot use a secret key: the page reads nothing (the 401 carries no CORS headers)', async () => {
    const res = await sendFromPage({ authorization: `Bearer ${sk}` });
    expect(res).toEqual({ error: expect.stringMatching(/Failed to fetch/) });
  });
});
