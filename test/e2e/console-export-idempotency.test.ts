import { describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';

/**
 * "Start export" and the Idempotency-Key (verify finding 3; docs/api.md, POST /v1/exports): a double click
 * starts one export, and a click again after an answer that was lost on its way back (the gateway's 502, the
 * export started all the same) answers that export rather than starting a second. Headless Chromium against
 * `npm start`.
 */
if (!hasChromium) console.warn(`test/e2e/console-export-idempotency.test.ts skipped: ${CHROMIUM} is absent (install it: apt-get install -y chromium)`);

describe.skipIf(!hasChromium)(`the console's "Start export"${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-export-idempotency');
  const { pageErrors, mail, call } = suite;

  const exportCount = async () => (await call<{ items: unknown[] }>('GET', '/v1/exports?limit=100')).body.items.length;
  const posts = (page: Page) => {
    const seen: Request[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/exports' && r.method() === 'POST') seen.push(r);
    });
    return seen;
  };
  async function exportsPage(context: Awaited<ReturnType<typeof signedInContext>>): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/exports`);
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    return page;
  }

  it('a double click starts one export, sent with an Idempotency-Key', async () => {
    expect((await call('POST', '/v1/customers', { firstName: 'Giulia', email: mail('giulia') })).status).toBe(201);
    const before = await exportCount();
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'en-GB' });
    const page = await exportsPage(context);
    const sent = posts(page);
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).dblclick();
    expect((await answered).status()).toBe(202);
    await page.locator('tr[data-export][data-status=completed]').first().waitFor();
    expect(await exportCount()).toBe(before + 1);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const r of sent) expect(await r.headerValue('idempotency-key')).toMatch(/^[\x21-\x7e]{1,255}$/);
    await context.close();
  });

  it('a click again after a lost answer sends the same key and answers the export the first click started', async () => {
    const before = await exportCount();
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'en-GB' });
    let lost = 0;
    // The first POST reaches the API (the export starts) but its answer is lost at a gateway: a 502.
    await context.route(
      (url) => url.pathname === '/v1/exports',
      async (route) => {
        if (route.request().method() !== 'POST' || lost++ > 0) return route.fallback();
        await route.fetch();
        await route.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad gateway</html>' });
      },
    );
    const page = await exportsPage(context);
    const sent = posts(page);
    const first = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    expect((await first).status()).toBe(502);
    expect(await exportCount()).toBe(before + 1);
    const second = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    const again = await second;
    expect(again.status()).toBe(202);
    expect(await again.headerValue('idempotent-replayed')).toBe('true');
    expect(sent).toHaveLength(2);
    expect(await sent[1]!.headerValue('idempotency-key')).toBe(await sent[0]!.headerValue('idempotency-key'));
    await page.locator('tr[data-export][data-status=completed]').first().waitFor();
    expect(await exportCount()).toBe(before + 1);

    // The answer came: the next click is a new export, with a new key.
    const third = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    expect((await third).status()).toBe(202);
    expect(await sent[2]!.headerValue('idempotency-key')).not.toBe(await sent[0]!.headerValue('idempotency-key'));
    expect(await exportCount()).toBe(before + 2);
    await context.close();
  });

  it('no answer at all (the network fails): says so, and the click again with the same key starts the export once', async () => {
    const before = await exportCount();
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'en-GB' });
    let failed = 0;
    await context.route(
      (url) => url.pathname === '/v1/exports',
      async (route) => (route.request().method() === 'POST' && failed++ === 0 ? route.abort('internetdisconnected') : route.fallback()),
    );
    const page = await exportsPage(context);
    const sent = posts(page);
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.getByText('The export could not be started: clientela could not be reached.', { exact: false }).waitFor();
    expect(await exportCount()).toBe(before);
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    expect((await answered).status()).toBe(202);
    expect(await sent[1]!.headerValue('idempotency-key')).toBe(await sent[0]!.headerValue('idempotency-key'));
    await page.locator('tr[data-export][data-status=completed]').first().waitFor();
    expect(await exportCount()).toBe(before + 1);
    await context.close();
  });
});
