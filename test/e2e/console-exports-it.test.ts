import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';

/**
 * An Italian shop's exports page (headless Chromium against `npm start`): the delimiter starts at `;`, the one its
 * Excel reads (a `,` file opens with every field in column A), and a failed export's reason is in Italian, not an
 * English sentence after "Non riuscito:". (A business whose language writes decimals with a point keeps `,`:
 * test/unit/console-export-words.test.ts.)
 */
if (!hasChromium) console.warn(`test/e2e/console-exports-it.test.ts skipped: ${CHROMIUM} is absent (install it: apt-get install -y chromium)`);

describe.skipIf(!hasChromium)(`the console's exports for an Italian business${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-exports-it');
  const { pageErrors, mail, call } = suite;

  async function exportsPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/exports`);
    await page.getByRole('heading', { level: 1, name: /^(Esportazioni|Exports)$/ }).waitFor();
    return page;
  }

  it("starts at ';' for an Italian business, and the file it exports opens in Italian Excel column by column", async () => {
    expect((await call('PATCH', '/v1/settings', { language: 'it' })).status).toBe(200);
    expect((await call('POST', '/v1/customers', { firstName: 'Giulia', lastName: 'Rossi', email: mail('giulia'), phone: '+39 333 123 4567' })).status).toBe(201);
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'it-IT' });
    const page = await exportsPage(context);
    const delimiter = page.getByLabel('Separatore');
    await expect.poll(() => delimiter.inputValue(), { timeout: WAIT_TIMEOUT_MS }).toBe(';');
    const [started] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Avvia esportazione' }).click(),
    ]);
    expect(started.request().postDataJSON()).toMatchObject({ delimiter: ';' });
    const { exportId } = (await started.json()) as { exportId: string };
    const done = page.locator(`tr[data-export="${exportId}"][data-status=completed]`);
    await done.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), done.getByRole('button', { name: 'Scarica' }).click()]);
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^\ufeffID cliente;Nome;Cognome;Email;Telefono;/);
    // The owner's own choice stands.
    await delimiter.selectOption(',');
    expect(await delimiter.inputValue()).toBe(',');
    await context.close();
  });

  it('says a failed export\'s reason in Italian', async () => {
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'it-IT' });
    const reason = 'The export was interrupted by a momentary fault on our side (a service was busy or briefly unavailable). Nothing was lost: try again in a few minutes.';
    // An export that failed so (a throttled DynamoDB: not something a local run can make happen on purpose).
    await context.route(
      (url) => url.pathname === '/v1/exports',
      async (route) => {
        if (route.request().method() !== 'GET') return route.fallback();
        const item = { id: '01JFAILEDEXPORT0000000000', status: 'failed', format: 'csv', columns: [], delimiter: ';', purpose: null, segmentId: null, filter: {}, createdAt: new Date().toISOString(), completedAt: null, rowCount: null, excludedWithoutConsent: null, bytes: null, reason, fileExpiresAt: null };
        await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [item], nextCursor: null }) });
      },
    );
    const page = await exportsPage(context);
    const row = page.locator('tr[data-export="01JFAILEDEXPORT0000000000"]');
    await row.waitFor();
    const status = await row.locator('td').nth(3).textContent();
    expect(status).toMatch(/^Non riuscit[oa]: L'esportazione è stata interrotta da un guasto momentaneo .*riprova tra qualche minuto\.$/);
    expect(status).not.toContain('try again');
    await context.close();
  });
});
