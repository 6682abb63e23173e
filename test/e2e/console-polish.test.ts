import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS, until } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * The console review's polish (headless Chromium against `npm start`, as console-card-readable.test.ts), in
 * Italian and English: the card's average is over purchases and says how many; the `atRisk` flag (late on the
 * customer's own rhythm) is not called like the RFM group "At risk"; the list's dates are on the business's
 * clock, as its date filters; a filter range the wrong way round is named in the console's language; the
 * amount hint, the basket languages, a cancellation's reason, plurals and lists read right; every bar of a
 * chart on a phone has its label.
 */
warnIfNoChromium(import.meta.url);


/** Records every text a canvas draws (the charts' axes are drawn, not written in the page). */
const RECORD_CANVAS_TEXT = `
  window.__drawn = [];
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) { window.__drawn.push(String(text)); return fill.call(this, text, ...rest); };
`;

describe.skipIf(!hasChromium)(`the console's polish${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-polish');
  const { run, pageErrors, mail, call, checkPage } = suite;
  const contexts: BrowserContext[] = [];
  const ids: Record<string, string> = {};


  async function send(type: string, who: string, eventId: string, occurredAt: string, data: Record<string, unknown>, customer: Record<string, unknown> = {}) {
    const body = { eventId: `${eventId}-${run}`, type, occurredAt, data, customer: { email: mail(who), ...customer } };
    const sent = await call<{ customerId: string }>('POST', '/v1/events', body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    ids[who] = sent.body.customerId;
  }

  /** A signed-in page in a browser of the given language, zone and width. */
  async function open(opts: { locale: string; timezoneId: string; width?: number; lang: 'it' | 'en' }): Promise<Page> {
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: opts.locale, timezoneId: opts.timezoneId, viewport: { width: opts.width ?? 1280, height: 900 } });
    contexts.push(context);
    await context.addInitScript(`if (location.protocol.startsWith('http')) localStorage.setItem('clientela.lang', '${opts.lang}')`);
    await context.addInitScript(RECORD_CANVAS_TEXT);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/customers`);
    await page.getByRole('heading', { level: 1, name: opts.lang === 'it' ? 'Clienti' : 'Customers' }).waitFor();
    return page;
  }

  const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');
  const figure = (page: Page, label: string) =>
    page
      .locator('dl.figures > div')
      .filter({ has: page.locator('dt').getByText(label, { exact: true }) })
      .locator('dd');
  async function openCard(page: Page, who: string, name: string) {
    await page.evaluate(`location.hash = '#/customers/${ids[who]}'`);
    await page.getByRole('heading', { level: 1, name }).waitFor();
  }

  beforeAll(async () => {
    // The business is in Rome: its date filters count Rome's days.
    expect((await call('PATCH', '/v1/settings', { timeZone: 'Europe/Rome', currency: 'EUR' })).status).toBe(200);

    // Marco dined once (a paid visit, 1.200,00 €) and ordered twice (1.080,00 € each): 2 orders, 3 purchases.
    const marco = { firstName: 'Marco', lastName: 'Acquisti' };
    await send('booking.created', 'marco', 'm-bk', '2026-01-10T12:00:00+01:00', { bookingId: 'bk-m-1', date: '2026-01-20', time: '20:30', partySize: 8 }, marco);
    await send('booking.completed', 'marco', 'm-done', '2026-01-20T23:00:00+01:00', { bookingId: 'bk-m-1', amount: 120000, currency: 'EUR' }, marco);
    await send('order.completed', 'marco', 'm-o1', '2026-02-14T13:00:00+01:00', { orderId: 'o-m-1', currency: 'EUR', total: 108000, items: [{ sku: 'CENA', name: 'Cena di gruppo', quantity: 1, unitPrice: 108000 }] }, marco);
    await send('order.completed', 'marco', 'm-o2', '2026-03-14T13:00:00+01:00', { orderId: 'o-m-2', currency: 'EUR', total: 108000, items: [{ sku: 'CENA', name: 'Cena di gruppo', quantity: 1, unitPrice: 108000 }] }, marco);
    // A booking called off because of the weather, and a loyalty programme's list of rewards.
    await send('booking.created', 'marco', 'm-bk2', '2026-04-01T10:00:00+02:00', { bookingId: 'bk-m-2', date: '2026-05-10', time: '13:00', partySize: 2 }, marco);
    await send('booking.cancelled', 'marco', 'm-off', '2026-05-05T10:00:00+02:00', { bookingId: 'bk-m-2', reason: 'maltempo' }, marco);
    await send('custom.loyalty-joined', 'marco', 'm-loyal', '2026-05-06T10:00:00+02:00', { level: 'gold', rewards: [{ name: 'caffè', points: 10 }, { name: 'dolce', points: 20 }] }, marco);

    // Lucia wrote just after midnight on 20 November in Rome: still the 19th in London.
    await send('message.received', 'lucia', 'l-msg', '2026-11-20T00:30:00+01:00', { text: 'Avete posto sabato?', channel: 'whatsapp' }, { firstName: 'Lucia', lastName: 'Mezzanotte' });

    // Guests who ordered in ten different months: ten bars in the monthly charts.
    for (let m = 1; m <= 10; m++) {
      const month = String(m).padStart(2, '0');
      await send('order.completed', `month${m}`, `mo-${m}`, `2026-${month}-15T13:00:00+01:00`, { orderId: `mo-${m}`, currency: 'EUR', total: 1000 * m, items: [{ sku: 'PIZZA', name: 'Pizza', quantity: m, unitPrice: 1000 }] }, { firstName: `Mese${m}` });
    }

    const started = await call<{ recomputeId: string }>('POST', '/v1/insights/recompute', {});
    expect(started.status).toBe(202);
    await until(async () => {
      const { body } = await call<{ status: string }>('GET', `/v1/insights/recompute/${started.body.recomputeId}`);
      expect(body.status).not.toBe('failed');
      return body.status === 'completed' ? true : undefined;
    });
  }, E2E_TIMEOUT_MS);

  // consoleSuite checks the page errors after each test and stops the browser and instance at the end.
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  it("card: the average is over purchases, and the purchases are counted when they are more than the orders", async () => {
    const page = await open({ locale: 'it-IT', timezoneId: 'Europe/Rome', lang: 'it' });
    await openCard(page, 'marco', 'Marco Acquisti');
    await expect.poll(async () => plain(await figure(page, 'Spesa totale').textContent()), { timeout: WAIT_TIMEOUT_MS }).toBe('3.360,00 €');
    expect(plain(await figure(page, 'Ordini').textContent())).toBe('2');
    expect(plain(await figure(page, 'Acquisti (ordini e visite pagate)').textContent())).toBe('3');
    // 3.360,00 € ÷ 3: the sum the owner can do with the figures shown.
    expect(plain(await figure(page, 'Media per acquisto').textContent())).toBe('1.120,00 €');
    expect(await page.locator('dl.figures dt').getByText('Scontrino medio', { exact: true }).count()).toBe(0);
    await checkPage(page, 'card-purchases-it');

    await page.locator('#lang').selectOption('en');
    await expect.poll(async () => plain(await figure(page, 'Purchases (orders and paid visits)').textContent()), { timeout: WAIT_TIMEOUT_MS }).toBe('3');
    expect(plain(await figure(page, 'Average per purchase').textContent())).toBe('€1,120.00');
  });

  it('the atRisk flag has its own words, apart from the RFM group "At risk", on the card, the filters and the insights', async () => {
    const page = await open({ locale: 'it-IT', timezoneId: 'Europe/Rome', lang: 'it' });
    await openCard(page, 'marco', 'Marco Acquisti');
    const flag = figure(page, 'In ritardo sul suo ritmo abituale');
    await expect.poll(async () => plain(await flag.textContent()), { timeout: WAIT_TIMEOUT_MS }).toMatch(/^(Sì|No)$/);
    expect(await page.locator('dl.figures dt').getByText('A rischio', { exact: true }).count()).toBe(0);

    await page.evaluate(`location.hash = '#/customers'`);
    await page.locator('details.filters > summary').click();
    const filters = page.locator('details.filters');
    await filters.getByLabel('In ritardo sul suo ritmo abituale', { exact: true }).waitFor();
    expect(await filters.getByLabel('A rischio', { exact: true }).count()).toBe(0);
    // The RFM group keeps its name.
    expect(await filters.getByLabel('Gruppo RFM', { exact: true }).locator('option').allTextContents()).toContain('A rischio');

    await page.evaluate(`location.hash = '#/insights'`);
    await page.getByRole('heading', { level: 1, name: 'Analisi' }).waitFor();
    await page.locator('dl.figures dt').getByText('In ritardo sul suo ritmo abituale', { exact: true }).waitFor();
    expect(await page.locator('dl.figures dt').getByText('A rischio', { exact: true }).count()).toBe(0);
    await page.getByRole('heading', { level: 2, name: 'Clienti in ritardo sul loro ritmo abituale' }).waitFor();

    await page.locator('#lang').selectOption('en');
    await page.locator('dl.figures dt').getByText('Drifting away (later than their usual rhythm)', { exact: true }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Customers drifting away (later than their usual rhythm)' }).waitFor();
  });

  it("list dates are on the business's clock, as its date filters: a browser in London sees 20 Nov for a contact at 00:30 in Rome", async () => {
    const page = await open({ locale: 'en-GB', timezoneId: 'Europe/London', lang: 'en' });
    await page.evaluate(`location.hash = '#/customers?lastContactFrom=2026-11-20'`);
    const lucia = page.getByRole('row').filter({ hasText: 'Lucia Mezzanotte' });
    await lucia.waitFor();
    await expect.poll(async () => plain(await lucia.locator('td[data-label="Last contact"]').textContent()), { timeout: WAIT_TIMEOUT_MS }).toBe('20 Nov 2026');
    // The card's dates too; the booking's own day and time stay as the restaurant wrote them.
    await page.getByRole('link', { name: 'Lucia Mezzanotte' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lucia Mezzanotte' }).waitFor();
    await expect.poll(async () => plain(await figure(page, 'Last contact').textContent()), { timeout: WAIT_TIMEOUT_MS }).toBe('20 Nov 2026, 00:30');
    await openCard(page, 'marco', 'Marco Acquisti');
    const made = page.getByRole('region', { name: 'History' }).getByRole('listitem').filter({ has: page.locator('strong').getByText('Booking made', { exact: true }) }).filter({ hasText: 'bk-m-1' });
    await expect.poll(async () => plain(await made.textContent()), { timeout: WAIT_TIMEOUT_MS }).toContain('8 people · 20 Jan 2026, 20:30');
  });

  it('a filter range the wrong way round is named in the console’s language, typed or from a link', async () => {
    const page = await open({ locale: 'it-IT', timezoneId: 'Europe/Rome', lang: 'it' });
    // A link with the range reversed: the API's 400, in the form's words.
    await page.evaluate(`location.hash = '#/customers?minAge=50&maxAge=30'`);
    const alert = page.getByRole('alert').filter({ hasText: 'Età da' });
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Età da: non può essere più di «Età fino a».');
    expect(await page.locator('body').textContent()).not.toContain('must not be greater');

    // Typed: refused before anything is sent (the filters are open, one of them being in effect).
    await page.evaluate(`location.hash = '#/customers?lastContactTo=2026-10-01'`);
    await page.getByRole('row').filter({ hasText: 'Marco Acquisti' }).waitFor();
    await page.locator('input[name=lastContactFrom]').fill('2026-11-01');
    await page.getByRole('alert').filter({ hasText: 'Ultimo contatto dal: non può essere più di «Ultimo contatto fino al».' }).waitFor();
    expect(await page.evaluate('location.hash')).not.toContain('lastContactFrom');
    await checkPage(page, 'filters-range-it');
  });

  it('history: the reason of a cancellation labelled in the language, a list of objects set apart', async () => {
    const page = await open({ locale: 'it-IT', timezoneId: 'Europe/Rome', lang: 'it' });
    await openCard(page, 'marco', 'Marco Acquisti');
    const entries = page.getByRole('region', { name: 'Cronologia' }).getByRole('listitem');
    const entry = (headline: string) => entries.filter({ has: page.locator('strong').getByText(headline, { exact: true }) });
    await entry('Prenotazione disdetta').waitFor();
    const cancelled = plain(await entry('Prenotazione disdetta').textContent());
    expect(cancelled).toContain('Motivo: maltempo');
    expect(cancelled).not.toContain('Reason');
    const loyalty = plain(await entry('Altro evento: loyalty joined').textContent());
    expect(loyalty).toContain('Rewards: name: caffè, points: 10; name: dolce, points: 20');
  });

  it('what is typed in a filter stays while the page is still loading (the tags arrive after the typing)', async () => {
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'en-GB', timezoneId: 'Europe/Rome', viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    await context.addInitScript(`if (location.protocol.startsWith('http')) localStorage.setItem('clientela.lang', 'en')`);
    // The tag catalogue is held back until the amount is typed: its arrival re-renders the filters.
    let releaseTags!: () => void;
    const tagsHeld = new Promise<void>((r) => (releaseTags = r));
    await context.route('**/v1/tags*', async (route) => {
      await tagsHeld;
      await route.continue();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/customers`);
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await page.locator('details.filters > summary').click();
    const minSpent = page.locator('input[name=minSpent]');
    await minSpent.fill('twelve');
    releaseTags();
    // The tags are in the filter's list once the catalogue has arrived (and the form has rendered again).
    await page.locator('select[name=anyTags] option', { hasText: 'VIP' }).first().waitFor({ state: 'attached' });
    expect(await minSpent.inputValue()).toBe('twelve');
    await minSpent.press('Tab');
    await page.getByRole('alert').filter({ hasText: 'write an amount such as 12.50.' }).waitFor();
    // A refused value stays where it was typed, beside its message, to be corrected.
    expect(await minSpent.inputValue()).toBe('twelve');
    await minSpent.fill('12.50');
    await minSpent.press('Tab');
    await page.waitForFunction(`location.hash.includes('minSpent=1250')`);
    expect(await minSpent.inputValue()).toBe('12.50');
  });

  it('words: the English amount hint, basket languages in the console’s language, plurals', async () => {
    const page = await open({ locale: 'en-GB', timezoneId: 'Europe/Rome', lang: 'en' });
    await page.locator('details.filters > summary').click();
    await page.locator('input[name=minSpent]').fill('twelve');
    await page.locator('input[name=minSpent]').press('Tab');
    await page.getByRole('alert').filter({ hasText: 'write an amount such as 12.50.' }).waitFor();

    await page.evaluate(`location.hash = '#/insights'`);
    await page.getByRole('heading', { level: 1, name: 'Insights' }).waitFor();
    const textLanguage = page.getByLabel('Language of the texts', { exact: true });
    await expect.poll(() => textLanguage.locator('option').allTextContents(), { timeout: WAIT_TIMEOUT_MS }).toEqual(['All languages', 'Italian', 'English']);
    // One text by one customer (Lucia's) in the words' period: "1 text by 1 customer", not "1 texts by 1 customers".
    const words = await call<{ texts: number; customers: number }>('GET', '/v1/insights/keywords');
    expect(words.body).toMatchObject({ texts: 1, customers: 1 });
    const counted = page.locator('[data-counts="keywords"]');
    await expect.poll(async () => plain(await counted.textContent()), { timeout: WAIT_TIMEOUT_MS }).toContain(': 1 text by 1 customer (');

    await page.locator('#lang').selectOption('it');
    await expect.poll(() => page.getByLabel('Lingua dei testi', { exact: true }).locator('option').allTextContents(), { timeout: WAIT_TIMEOUT_MS }).toEqual([
      'Tutte le lingue',
      'Italiano',
      'Inglese',
    ]);
    await expect.poll(async () => plain(await counted.textContent()), { timeout: WAIT_TIMEOUT_MS }).toContain(': 1 testo di 1 cliente (');
  });

  it('a phone: every bar of the charts is labelled', async () => {
    const page = await open({ locale: 'it-IT', timezoneId: 'Europe/Rome', lang: 'it', width: 390 });
    await page.evaluate(`location.hash = '#/insights'`);
    await page.getByRole('heading', { level: 1, name: 'Analisi' }).waitFor();
    const chart = page.locator('figure.chart').filter({ has: page.locator('figcaption').getByText('Mese per mese: Incasso', { exact: true }) });
    await chart.waitFor();
    const months = (await chart.locator('tbody th[scope=row]').allTextContents()).map(plain);
    expect(months.length).toBeGreaterThanOrEqual(10);
    await expect
      .poll(async () => {
        const drawn = ((await page.evaluate('window.__drawn')) as string[]).map(plain);
        return months.filter((m) => !drawn.includes(m));
      }, { timeout: WAIT_TIMEOUT_MS })
      .toEqual([]);
    await checkPage(page, 'insights-390-it');
  });
});
