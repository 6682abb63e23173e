import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startLocal, type LocalInstance } from '../../bench/local-instance.ts';
import { mailsTo } from '../helpers/outbox.ts';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, warnIfNoChromium } from '../support/chromium.ts';

/**
 * web/clientela.js in a real browser (headless Chromium, the Debian package) against `npm start`:
 * the example page, served from its own origin, sends its contact form to the API with the publishable
 * key; the business then finds the person, with the history entry, using its secret key.
 */
const WEB = resolve(import.meta.dirname, '../../web');
warnIfNoChromium(import.meta.url);

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** A tiny static server for web/ on a free loopback port: the website's origin. */
async function serveWeb(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = join(WEB, new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(WEB) || !existsSync(path) || !TYPES[extname(path)]) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)]! }).end(readFileSync(path));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe.skipIf(!hasChromium)(`the browser script in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  let api: LocalInstance;
  let site: { server: Server; origin: string };
  let foreign: { server: Server; origin: string };
  let browser: Browser;
  const eventRequests: string[] = [];
  const outboxMailsTo = (to: string) => mailsTo(api.outboxDir, to);

  const asBusiness = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.secretKey}` } });
    return (await res.json()) as { items: { id: string; email: string; consent: { newsletter: string } }[] } & Record<string, unknown>;
  };

  async function openExample(origin: string): Promise<Page> {
    const page = await browser.newPage();
    // Navigation and every wait for an answer on the page (playwright's default is 30 s).
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    page.on('request', (r) => {
      if (r.url().includes('/v1/events')) eventRequests.push(`${r.method()} ${origin}`);
    });
    await page.goto(`${origin}/example.html?key=${api.publishableKey}&endpoint=${encodeURIComponent(api.url)}`);
    return page;
  }

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    [api, site, foreign, browser] = await Promise.all([
      startLocal(E2E_TIMEOUT_MS, { keepWorkflowCache: true }),
      serveWeb(),
      serveWeb(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
    const patched = await fetch(`${api.url}/v1/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${api.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowedOrigins: [site.origin] }),
    });
    expect(patched.status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    site?.server.close();
    foreign?.server.close();
  });

  it('sends the contact form, and the business finds the person with the message in the history', async () => {
    const email = `anna.${Date.now()}@example.com`;
    const page = await openExample(site.origin);
    await page.fill('#contact [name=firstName]', 'Anna');
    await page.fill('#contact [name=lastName]', 'Verdi');
    await page.fill('#contact [name=email]', email);
    await page.fill('#contact [name=message]', 'A table for four on Friday?');
    await page.check('#contact [name=consent]');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/events' && r.request().method() === 'POST'),
      page.click('#contact button[type=submit]'),
    ]);
    await page.waitForSelector('#contact .clientela-success');
    // A publishable key's answer tells the page nothing about the list.
    expect(answer.status()).toBe(202);
    expect(await answer.json()).toEqual({ accepted: true });
    // The example page is Italian (<html lang="it">): so are the script's texts.
    expect(await page.textContent('#contact [data-clientela-message]')).toContain('Grazie');
    // The consent box was ticked: the page asks the person to confirm from the mail (double opt-in).
    expect(await page.textContent('#contact [data-clientela-message]')).toContain('controlla la posta');
    expect(await page.getAttribute('#contact', 'data-clientela-state')).toBe('check-inbox');

    const found = await asBusiness(`/v1/customers?q=${encodeURIComponent(email)}`);
    expect(found.items).toHaveLength(1);
    const person = await asBusiness(`/v1/customers/${found.items[0]!.id}`);
    expect(person).toMatchObject({ firstName: 'Anna', lastName: 'Verdi', email, language: 'it' });
    // Ticked in a page with a publishable key: pending until the person confirms (double opt-in).
    expect(person.consent).toMatchObject({ newsletter: 'pending' });
    expect(person.history).toEqual([expect.objectContaining({ type: 'contact_form.submitted', data: expect.objectContaining({ message: 'A table for four on Friday?', formId: 'contact' }) })]);
    await page.close();
  });

  it('subscribes from the newsletter box', async () => {
    const email = `nl.${Date.now()}@example.com`;
    const page = await openExample(site.origin);
    await page.fill('#newsletter [name=email]', email);
    // This sign-up's own answer, read before the check: answers collected by a listener and read
    // asynchronously may not have arrived yet, and every() over none is true.
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/events' && r.request().method() === 'POST'),
      page.click('#newsletter button[type=submit]'),
    ]);
    await page.waitForSelector('#newsletter .clientela-success');
    expect(await page.textContent('#newsletter [data-clientela-message]')).toContain('controlla la posta');
    expect(await page.getAttribute('#newsletter', 'data-clientela-state')).toBe('check-inbox');
    const found = await asBusiness(`/v1/customers?q=${encodeURIComponent(email)}`);
    expect(found.items.map((c) => c.consent.newsletter)).toEqual(['pending']);
    // The confirmation went to the person's own inbox (the local outbox), not to the page.
    expect(answer.status()).toBe(202);
    expect(await answer.json()).toEqual({ accepted: true });
    await expect.poll(() => outboxMailsTo(email).length, { timeout: WAIT_TIMEOUT_MS }).toBe(1);
    await page.close();
  });

  it('drops a form whose hidden honeypot was filled in, without sending anything', async () => {
    const email = `bot.${Date.now()}@example.com`;
    const page = await openExample(site.origin);
    const before = eventRequests.length;
    await page.fill('#contact [name=email]', email);
    await page.fill('#contact [name=message]', 'cheap watches');
    // A naive bot fills every input, the invisible one included.
    await page.$eval('#contact [data-clientela-honeypot]', (el) => ((el as unknown as { value: string }).value = 'http://spam.example'));
    await page.click('#contact button[type=submit]');
    await page.waitForSelector('#contact .clientela-success');
    expect(eventRequests.length).toBe(before);
    expect((await asBusiness(`/v1/customers?q=${encodeURIComponent(email)}`)).items).toHaveLength(0);
    await page.close();
  });

  it('refuses a secret key added to the page next to ?key=pk_: the browser cannot send it, a server gets a 401 naming key', async () => {
    const page = await openExample(site.origin);
    // What a developer tries after the 403 "send booking.created from your server": the secret key in the page.
    const outcome = await page.evaluate(
      async ({ url, pk, sk }) => {
        try {
          const res = await fetch(`${url}/v1/events?key=${pk}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${sk}` },
            body: JSON.stringify({ eventId: `probe-${Date.now()}`, type: 'booking.created', occurredAt: new Date().toISOString(), customer: { email: 'guest.vip@example.it' }, data: { bookingId: 'probe-1', date: '2026-12-20' } }),
          });
          return { status: res.status, body: await res.text() };
        } catch (e) {
          return { error: String(e) };
        }
      },
      { url: api.url, pk: api.publishableKey, sk: api.secretKey },
    );
    // The preflight offers no authorization header: the browser never sends the POST, the page reads nothing.
    expect(outcome).toEqual({ error: expect.stringContaining('TypeError') });
    expect((await asBusiness('/v1/customers?q=guest.vip')).items).toHaveLength(0);
    // The same pair from outside a browser is refused too.
    const direct = await fetch(`${api.url}/v1/events?key=${api.publishableKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.secretKey}`, origin: site.origin },
      body: JSON.stringify({ eventId: 'probe-direct', type: 'booking.created', occurredAt: new Date().toISOString(), customer: { email: 'guest.vip@example.it' }, data: { bookingId: 'probe-2', date: '2026-12-20' } }),
    });
    expect(direct.status).toBe(401);
    expect(((await direct.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('key');
    await page.close();
  });

  it('cannot send from an origin the tenant did not allow: the browser refuses and the page says so', async () => {
    const email = `foreign.${Date.now()}@example.com`;
    const page = await openExample(foreign.origin);
    await page.fill('#contact [name=email]', email);
    await page.fill('#contact [name=message]', 'Hello from elsewhere');
    await page.click('#contact button[type=submit]');
    await page.waitForSelector('#contact .clientela-error');
    expect((await asBusiness(`/v1/customers?q=${encodeURIComponent(email)}`)).items).toHaveLength(0);
    await page.close();
  });
});
