import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS, until } from '../support/timeouts.ts';
import { CHROMIUM, customerListPage, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * The card's access export and its figures, as the owner uses them (headless Chromium against `npm start`,
 * as test/e2e/console-card-readable.test.ts): the "download everything" button asks the API for a link
 * (`?delivery=link`) and opens it, and what arrives is the person's JSON document, saved as a file, the
 * console still on the card; a card erased meanwhile, or an API that cannot be reached, says so in words.
 * The figures of a card whose total partly came from an import say how much, and the average per purchase
 * is the API's (over the purchases alone).
 */
warnIfNoChromium(import.meta.url);


describe.skipIf(!hasChromium)(`the card's access export and imported spend${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-card-export');
  const { run, pageErrors, mail, call, checkPage } = suite;
  let context: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};


  async function send(type: string, who: string, eventId: string, occurredAt: string, data: Record<string, unknown>, customer: Record<string, unknown> = {}) {
    const body = { eventId: `${eventId}-${run}`, type, occurredAt, data, customer: { email: mail(who), ...customer } };
    const sent = await call<{ customerId: string }>('POST', '/v1/events', body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    ids[who] = sent.body.customerId;
  }

  /** A CSV imported through the API as the console's import page does: the presigned POST, then the import's end. */
  async function importCsv(fileName: string, csv: string, mapping: Record<string, string>) {
    const created = await call<{ importId: string; uploadUrl: string; fields: Record<string, string> }>('POST', '/v1/imports', { fileName, onDuplicate: 'merge', mapping });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const form = new FormData();
    for (const [k, v] of Object.entries(created.body.fields)) form.append(k, v);
    form.append('file', new Blob([csv]), fileName);
    const uploaded = await fetch(created.body.uploadUrl, { method: 'POST', body: form });
    expect(uploaded.status).toBeLessThan(300);
    const done = await until(async () => {
      const { body } = await call<{ status: string; counts: Record<string, number> }>('GET', `/v1/imports/${created.body.importId}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    });
    expect(done).toMatchObject({ status: 'completed', counts: { rejected: 0 } });
  }

  async function speak(language: 'it' | 'en') {
    await page.locator('#lang').selectOption(language);
    await expect.poll(() => page.evaluate('document.documentElement.lang'), { timeout: WAIT_TIMEOUT_MS }).toBe(language);
  }

  async function openCard(who: string, name: string) {
    await page.evaluate(`location.hash = '#/customers/${ids[who]}'`);
    await page.getByRole('heading', { level: 1, name }).waitFor();
  }

  /** Text as read: Intl writes "480,00 €" with a no-break space. */
  const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');
  const figures = () => page.locator('dl.figures > div');
  const figure = (label: string) => {
    const dd = figures()
      .filter({ has: page.locator('dt').getByText(label, { exact: true }) })
      .locator('dd');
    return { textContent: async () => plain(await dd.textContent()) };
  };
  const exportButton = (name: string) => page.getByRole('button', { name, exact: true });

  beforeAll(async () => {

    // Marco dined and ordered: a card with history to download.
    const marco = { firstName: 'Marco', lastName: 'Portabile' };
    await send('booking.completed', 'marco', 'm-bk', '2026-03-21T23:10:00+01:00', { bookingId: 'bk-exp-1', amount: 8800, currency: 'EUR', partySize: 3, date: '2026-03-21', time: '20:30' }, marco);
    await send('order.completed', 'marco', 'm-order', '2026-03-22T13:00:00+01:00', { orderId: 'ord-exp-1', currency: 'EUR', total: 2900, items: [{ sku: 'PIZZA-M', name: 'Pizza', quantity: 2, unitPrice: 1450 }] }, marco);
    // Sofia: a card that will be erased while her card is open.
    await send('message.received', 'sofia', 's-msg', '2026-03-23T09:00:00+01:00', { text: 'Ciao', channel: 'whatsapp' }, { firstName: 'Sofia', lastName: 'Cancellata' });

    // Lucia came from the old till's file with 480,00 € spent, then ordered once here for 20,00 €.
    await importCsv(`vecchia-cassa-${run}.csv`, `Email;Nome;Cognome;Speso\n${mail('lucia')};Lucia;Importata;48000\n${mail('pietro')};Pietro;Soloimport;15000\n`, { Speso: 'totalSpentMinor' });
    await send('order.completed', 'lucia', 'l-order', '2026-03-24T13:00:00+01:00', { orderId: 'ord-exp-2', currency: 'EUR', total: 2000, items: [{ sku: 'CAFFE', name: 'Caffè', quantity: 10, unitPrice: 200 }] });
    // Pietro: the import alone, no purchase seen here.
    ids.pietro = (await call<{ items: { id: string }[] }>('GET', `/v1/customers?q=${encodeURIComponent(mail('pietro'))}`)).body.items[0]!.id;
    // Franco: a free order (a gift voucher used up): an order, but no purchase (nothing paid; docs/insights.md, Refunds).
    await send('order.completed', 'franco', 'f-order', '2026-03-25T13:00:00+01:00', { orderId: 'ord-exp-3', currency: 'EUR', total: 0, items: [{ sku: 'GIFT', name: 'Buono', quantity: 1, unitPrice: 0 }] }, { firstName: 'Franco', lastName: 'Omaggio' });

    context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'it-IT', timezoneId: 'Europe/Rome', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await customerListPage(context, suite.api, 'Clienti', WAIT_TIMEOUT_MS);
  }, E2E_TIMEOUT_MS);


  it('export: the button downloads the JSON document with the email and the history, and the console stays on the card', async () => {
    await speak('it');
    await openCard('marco', 'Marco Portabile');
    const asked: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname.endsWith('/export') && asked.push(new URL(r.url()).search));
    const downloaded = page.waitForEvent('download');
    await exportButton('Scarica tutto ciò che è conservato su questa persona (JSON)').click();
    const download = await downloaded;
    expect(asked).toEqual(['?delivery=link']);
    expect(download.suggestedFilename()).toBe('personal-data.json');
    const document = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      customer: { id: string; email: string };
      history: { type: string; data: Record<string, unknown> }[];
    };
    expect(document.customer).toMatchObject({ id: ids.marco, email: mail('marco') });
    expect(document.history.map((h) => h.type).sort()).toEqual(['booking.completed', 'order.completed']);
    expect(document.history.find((h) => h.type === 'order.completed')!.data).toMatchObject({ orderId: 'ord-exp-1', total: 2900 });
    // Still the card, nothing alarming on it.
    await page.getByRole('heading', { level: 1, name: 'Marco Portabile' }).waitFor();
    expect(await page.locator('.problem').count()).toBe(0);
    await checkPage(page, 'card-export-done-it');
  });

  it('export: a card erased meanwhile says so in the language instead of nothing; so does an API out of reach', async () => {
    await speak('it');
    await openCard('sofia', 'Sofia Cancellata');
    // Someone else erases Sofia while her card is open here.
    expect((await call('DELETE', `/v1/customers/${ids.sofia}`)).status).toBeLessThan(300);
    await until(async () => ((await call('GET', `/v1/customers/${ids.sofia}`)).status === 404 ? true : undefined));
    let downloads = 0;
    page.on('download', () => downloads++);
    await exportButton('Scarica tutto ciò che è conservato su questa persona (JSON)').click();
    const said = page.getByRole('alert').filter({ hasText: 'Niente da scaricare' });
    await said.waitFor();
    expect(plain(await said.textContent())).toBe('Niente da scaricare: questa scheda non esiste più (è stata cancellata o unita a un’altra).');
    await checkPage(page, 'card-export-gone-it');

    await speak('en');
    await page.getByRole('alert').filter({ hasText: 'Nothing to download: this card no longer exists (it was erased or merged into another).' }).waitFor();

    // The API out of reach (the network dropped): a message, not a silent button.
    await openCard('marco', 'Marco Portabile');
    await page.route('**/v1/customers/*/export*', (route) => route.abort('internetdisconnected'));
    await exportButton('Download everything held about this person (JSON)').click();
    const failed = page.getByRole('alert').filter({ hasText: 'The download could not be prepared: clientela could not be reached.' });
    await failed.waitFor();
    await page.unroute('**/v1/customers/*/export*');
    // Asked again once the network is back: the message goes and the file comes.
    const downloaded = page.waitForEvent('download');
    await exportButton('Download everything held about this person (JSON)').click();
    await downloaded;
    await expect.poll(() => failed.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(0);
    expect(downloads).toBe(1);
  });

  it('figures: the part of the total an import brought, and the average per purchase as the API gives it', async () => {
    const lucia = (await call<{ stats: Record<string, number> }>('GET', `/v1/customers/${ids.lucia}`)).body.stats;
    expect(lucia).toMatchObject({ totalSpent: 50000, importedSpent: 48000, purchases: 1, averageOrderValue: 2000 });

    await speak('it');
    await openCard('lucia', 'Lucia Importata');
    await expect.poll(() => figure('Spesa totale').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('500,00 €');
    expect(await figure('di cui da importazione').textContent()).toBe('480,00 €');
    // 20,00 € over one purchase: the imported 480,00 € is no purchase.
    expect(await figure('Media per acquisto').textContent()).toBe('20,00 €');
    // The imported part follows the total it belongs to.
    const labels = (await figures().locator('dt').allTextContents()).map(plain);
    expect(labels.indexOf('di cui da importazione')).toBe(labels.indexOf('Spesa totale') + 1);
    await checkPage(page, 'card-imported-spend-it');

    await openCard('pietro', 'Pietro Soloimport');
    await expect.poll(() => figure('Spesa totale').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('150,00 €');
    expect(await figure('di cui da importazione').textContent()).toBe('150,00 €');
    expect(await figure('Media per acquisto').textContent()).toBe('— nessun acquisto finora');

    // No import: no "of which imported" line at all. A free order (total 0, like an order refunded in full) is an
    // order but no purchase, as the insights count it: no average per purchase.
    await openCard('franco', 'Franco Omaggio');
    await expect.poll(() => figure('Ordini').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('1');
    expect(await figure('Media per acquisto').textContent()).toBe('— nessun acquisto finora');
    expect(await figures().locator('dt').getByText('di cui da importazione', { exact: true }).count()).toBe(0);

    await speak('en');
    await openCard('lucia', 'Lucia Importata');
    await expect.poll(() => figure('of which imported').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('€480.00');
    expect(await figure('Total spent').textContent()).toBe('€500.00');
    expect(await figure('Average per purchase').textContent()).toBe('€20.00');
    await openCard('marco', 'Marco Portabile');
    await expect.poll(() => figure('Total spent').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('€117.00');
    expect(await figures().locator('dt').getByText('of which imported', { exact: true }).count()).toBe(0);
  });
});
