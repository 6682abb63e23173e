import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, customerListPage, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * The filters a restaurant owner looks for in the console (the booking tool's help page promises "lingua,
 * consenso newsletter, data del primo contatto", birthdays, loyal guests, what they spent), on the customer
 * list, in the segment form and in exports: as the owner meets them in headless Chromium against `npm start`
 * (as test/e2e/console-pages.test.ts). axe-core checks the pages it goes through.
 */
warnIfNoChromium(import.meta.url);


describe.skipIf(!hasChromium)(`the console's customer filters${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-filters');
  const { run, pageErrors, mail, call, checkPage } = suite;
  let context: BrowserContext;
  let page: Page;


  async function openPage(label: string, heading: string) {
    await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /** The guests the list shows now, by name, in alphabetical order. */
  const shown = async () => (await page.getByRole('table').getByRole('row').getByRole('link').allTextContents()).sort();
  const listShows = (names: string[]) => expect.poll(shown, { timeout: WAIT_TIMEOUT_MS }).toEqual([...names].sort());
  const hash = () => page.evaluate('location.hash') as Promise<string>;

  const ANNA = 'Anna Rossi';
  const BEN = 'Ben Smith';
  const CHIARA = 'Chiara Verdi';
  const DIETER = 'Dieter Braun';
  const EVERYONE = [ANNA, BEN, CHIARA, DIETER];

  /** The list page afresh (no filter), the filters and "More filters" open. */
  async function freshList() {
    await page.evaluate(`location.hash = '#/customers?sort=lastName&order=asc'`);
    await listShows(EVERYONE);
    const filters = page.locator('details.filters');
    if ((await filters.getAttribute('open')) === null) await filters.locator('summary').first().click();
    const more = page.locator('details.more-filters');
    if ((await more.getAttribute('open')) === null) await page.getByText('More filters', { exact: true }).click();
  }

  beforeAll(async () => {
    // Four guests, made by what the booking tool sends (so first contact, visits, no-shows and spend are real).
    // Their ages on 30 November 2026: Anna 36, Ben 66, Chiara 25, Dieter 45.
    const guests = {
      anna: { firstName: 'Anna', lastName: 'Rossi', language: 'it', gender: 'female', birthDate: '1990-03-15' },
      ben: { firstName: 'Ben', lastName: 'Smith', language: 'en', gender: 'male', birthDate: '1960-07-02' },
      chiara: { firstName: 'Chiara', lastName: 'Verdi', language: 'it', gender: 'female', birthDate: '2001-07-20' },
      dieter: { firstName: 'Dieter', lastName: 'Braun', language: 'de', gender: 'male', birthDate: '1980-12-05' },
    };
    const order = (total: number) => ({ currency: 'EUR', total, items: [{ sku: 'MENU', name: 'Menu', quantity: 1, unitPrice: total }] });
    const events: [keyof typeof guests, string, string, Record<string, unknown>][] = [
      // Anna: first came in March 2025, two visits, spent €80.
      ['anna', 'booking.completed', '2025-03-10', { bookingId: `a1-${run}` }],
      ['anna', 'booking.completed', '2025-09-01', { bookingId: `a2-${run}` }],
      ['anna', 'order.completed', '2025-09-01', { orderId: `ao-${run}`, ...order(8000) }],
      // Ben: first contact June 2024, a no-show, spent €20.
      ['ben', 'booking.no_show', '2024-06-01', { bookingId: `b1-${run}` }],
      ['ben', 'order.completed', '2024-06-15', { orderId: `bo-${run}`, ...order(2000) }],
      // Chiara: new this year, one visit, spent €5.
      ['chiara', 'booking.completed', '2026-01-10', { bookingId: `c1-${run}` }],
      ['chiara', 'order.completed', '2026-01-10', { orderId: `co-${run}`, ...order(500) }],
      // Dieter: wrote once in May 2025.
      ['dieter', 'contact_form.submitted', '2025-05-05', { message: 'Avete posto per sei?' }],
    ];
    for (const [i, [who, type, day, data]] of events.entries()) {
      const sent = await call('POST', '/v1/events', { eventId: `e${i}-${run}`, type, occurredAt: `${day}T12:00:00.000Z`, customer: { email: mail(who), ...guests[who] }, data });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
    // The data is as meant (the API's own filters), so a failure below is the console's.
    const names = async (qs: string) => (await call<{ items: { firstName: string }[] }>('GET', `/v1/customers?${qs}`)).body.items.map((c) => c.firstName).sort();
    expect(await names('minVisits=2')).toEqual(['Anna']);
    expect(await names('minNoShows=1')).toEqual(['Ben']);
    expect(await names('firstContactTo=2025-12-31&language=it')).toEqual(['Anna']);

    context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await customerListPage(context, suite.api, 'Customers', WAIT_TIMEOUT_MS);
  }, E2E_TIMEOUT_MS);


  it('list: a language and a first-contact date show exactly the matching guests; Back and Forward keep them; "Remove filters" shows everyone', async () => {
    await freshList();
    await page.getByLabel('Customer’s language').selectOption({ label: 'Italian' });
    await listShows([ANNA, CHIARA]);
    expect(await hash()).toContain('language=it');

    await page.getByLabel('First contact until').fill('2025-12-31');
    await listShows([ANNA]);
    expect(await hash()).toContain('firstContactTo=2025-12-31');
    await checkPage(page, 'customers-more-filters');

    await page.goBack();
    await listShows([ANNA, CHIARA]);
    expect(await page.getByLabel('First contact until').inputValue()).toBe('');
    await page.goForward();
    await listShows([ANNA]);
    expect(await page.getByLabel('First contact until').inputValue()).toBe('2025-12-31');
    expect(await page.getByLabel('Customer’s language').inputValue()).toBe('it');

    // The last contact: Anna's was in September 2025.
    await page.getByLabel('Last contact from').fill('2025-08-01');
    await listShows([ANNA]);
    await page.getByLabel('Last contact from').fill('2025-10-01');
    await listShows([]);

    await page.getByRole('button', { name: 'Remove filters' }).click();
    await listShows(EVERYONE);
    expect(await hash()).toBe('#/customers?sort=lastName&order=asc');
    expect(await page.getByLabel('Customer’s language').inputValue()).toBe('');
  });

  it('list: "Remove filters" with a search term clears everything at once, and a filter chosen right after typing a search is kept', async () => {
    // The review: the search box's timer, started by the box emptying, put back the filters of before the click;
    // and a filter chosen within its pause was dropped when it fired. The pauses below outlast that timer (300 ms).
    const settle = () => page.waitForTimeout(1500);
    await page.evaluate(`location.hash = '#/customers?q=Rossi&language=it&gender=female&sort=lastName&order=asc'`);
    await listShows([ANNA]);
    await page.getByRole('button', { name: 'Remove filters' }).click();
    await listShows(EVERYONE);
    await settle();
    expect(await hash()).toBe('#/customers?sort=lastName&order=asc');
    await listShows(EVERYONE);

    await freshList();
    await page.getByLabel('Search', { exact: true }).fill('Anna');
    await page.getByLabel('Customer’s language').selectOption({ label: 'Italian' });
    await settle();
    await listShows([ANNA]);
    expect(await hash()).toContain('language=it');
    expect(await hash()).toContain('q=Anna');
  });

  it('list: spend in euros, visits, no-shows, birthday month, age and gender; an amount that is not one is refused, naming the field', async () => {
    await freshList();
    const minSpent = page.getByLabel('Minimum spent (€)');
    await minSpent.fill('venti');
    await minSpent.press('Tab');
    await page.getByRole('alert').filter({ hasText: 'Minimum spent (€): write an amount such as 12.50.' }).waitFor();
    expect(await hash()).not.toContain('minSpent');
    await listShows(EVERYONE);

    await minSpent.fill('20,00');
    await minSpent.press('Tab');
    await listShows([ANNA, BEN]);
    expect(await hash()).toContain('minSpent=2000');
    expect(await page.getByRole('alert').count()).toBe(0);
    const maxSpent = page.getByLabel('Maximum spent (€)');
    await maxSpent.fill('50');
    await maxSpent.press('Tab');
    await listShows([BEN]);
    expect(await hash()).toContain('maxSpent=5000');
    await page.getByRole('button', { name: 'Remove filters' }).click();
    await listShows(EVERYONE);

    // Loyal guests: at least one visit (a completed booking); at least two.
    const visits = page.getByLabel('Visits (completed bookings), at least');
    await visits.fill('1');
    await visits.press('Tab');
    await listShows([ANNA, CHIARA]);
    await visits.fill('2');
    await visits.press('Tab');
    await listShows([ANNA]);
    await page.getByRole('button', { name: 'Remove filters' }).click();
    await listShows(EVERYONE);

    const noShows = page.getByLabel('No-shows, at least');
    await noShows.fill('1');
    await noShows.press('Tab');
    await listShows([BEN]);
    await page.getByRole('button', { name: 'Remove filters' }).click();
    await listShows(EVERYONE);

    // July birthdays, then only those from 30 years old, then women.
    await page.getByLabel('Birthday in').selectOption({ label: 'July' });
    await listShows([BEN, CHIARA]);
    const ageFrom = page.getByLabel('Age from');
    await ageFrom.fill('30');
    await ageFrom.press('Tab');
    await listShows([BEN]);
    await ageFrom.fill('');
    await ageFrom.press('Tab');
    await listShows([BEN, CHIARA]);
    await page.getByLabel('Gender').selectOption({ label: 'Female' });
    await listShows([CHIARA]);
    expect(await hash()).toContain('gender=female');
    const ageTo = page.getByLabel('Age up to');
    await ageTo.fill('two hundred');
    await ageTo.press('Tab');
    await page.getByRole('alert').filter({ hasText: 'Age up to: write a whole number from 0 to 150.' }).waitFor();
    await listShows([CHIARA]);
    await page.getByRole('button', { name: 'Remove filters' }).click();
    await listShows(EVERYONE);
  });

  it('segments: the form offers the list\'s filters; a segment of July birthdays of Italian guests holds exactly Chiara, described in words', async () => {
    await openPage('Segments', 'Segments');
    const name = `Compleanni di luglio ${run}`;
    await page.getByLabel('Segment name').fill(name);
    await page.getByText('More filters', { exact: true }).click();
    await page.getByLabel('Birthday in').selectOption({ label: 'July' });
    await page.getByLabel('Customer’s language').selectOption({ label: 'Italian' });
    await page.getByLabel('First contact from').fill('2026-01-01');
    await page.getByLabel('Visits (completed bookings), at least').fill('1');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await row.waitFor();
    const described = await row.textContent();
    expect(described).toContain('Birthday in: July');
    expect(described).toContain('Customer’s language: Italian');
    expect(described).toContain('First contact from: 1 Jan 2026');
    const saved = (await call<{ items: { name: string; filter: unknown }[] }>('GET', '/v1/segments?limit=100')).body.items.find((s) => s.name === name);
    expect(saved?.filter).toEqual({ language: ['it'], birthMonth: 7, firstContactFrom: '2026-01-01', minVisits: 1 });
    // The form is empty again for the next segment.
    expect(await page.getByLabel('Birthday in').inputValue()).toBe('');
    await checkPage(page, 'segments-more-filters');

    // A whole number that is not one is refused before anything is saved, naming the field.
    await page.getByLabel('Segment name').fill(`Bad ${run}`);
    await page.getByLabel('Age from').fill('trenta');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Age from: write a whole number from 0 to 150.' }).waitFor();
    expect((await call<{ items: { name: string }[] }>('GET', '/v1/segments?limit=100')).body.items.some((s) => s.name === `Bad ${run}`)).toBe(false);

    await row.getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await listShows([CHIARA]);
  });

  it('exports: "Export these customers" on the filtered list exports exactly them, and the export says which filters it used', async () => {
    await freshList();
    await page.getByLabel('Customer’s language').selectOption({ label: 'Italian' });
    const minSpent = page.getByLabel('Minimum spent (€)');
    await minSpent.fill('10');
    await minSpent.press('Tab');
    await listShows([ANNA]);
    await page.getByRole('button', { name: 'Export these customers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    const who = page.getByLabel('Saved segment').locator('option:checked');
    await expect.poll(() => who.textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('The customer list’s filters: spent at least €10.00 · Customer’s language: Italian');
    await page.getByLabel('Delimiter').selectOption({ label: '; (semicolon, as Excel uses in Italy)' });
    // Without their phone numbers and notes.
    await page.getByText('Columns: all', { exact: true }).click();
    await page.getByRole('checkbox', { name: 'Phone', exact: true }).uncheck();
    await page.getByRole('checkbox', { name: 'Notes', exact: true }).uncheck();
    await page.getByText('Columns: 27 of 29', { exact: true }).waitFor();
    await checkPage(page, 'exports-list-filters');
    const [started] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Start export' }).click(),
    ]);
    expect(started.status()).toBe(202);
    const asked = JSON.parse(started.request().postData() ?? '{}') as { columns: string[] };
    expect(asked).toMatchObject({ filter: { language: ['it'], minSpent: 1000 }, delimiter: ';' });
    expect(asked.columns).toHaveLength(27);
    expect(asked.columns).not.toContain('phone');
    expect(asked.columns).not.toContain('notes');
    const { exportId } = (await started.json()) as { exportId: string };
    const done = page.locator(`tr[data-export="${exportId}"][data-status=completed]`);
    await done.waitFor();
    expect(await done.textContent()).toContain('spent at least €10.00 · Customer’s language: Italian');
    const [download] = await Promise.all([page.waitForEvent('download'), done.getByRole('button', { name: 'Download' }).click()]);
    const text = readFileSync(await download.path(), 'utf8');
    expect(text).toContain(mail('anna'));
    // 26 headings: the 27 columns chosen, of which "Custom fields" spreads over none (no import gave Anna any).
    expect(text.split('\r\n')[0]!.split(';')).toHaveLength(26);
    for (const other of ['ben', 'chiara', 'dieter']) expect(text).not.toContain(mail(other));

    // The menu's link opens the page afresh: everyone, not the list's filters of before.
    await openPage('Exports', 'Exports');
    await expect.poll(() => who.textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('Everyone');
  });

  it('Italian: the export page and the filters speak Italian (separators, labels), the API values unchanged', async () => {
    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('it');
    try {
      await openPage('Esportazioni', 'Esportazioni');
      expect(await page.getByLabel('Separatore').locator('option').allTextContents()).toEqual([', (virgola)', '; (punto e virgola, come Excel in italiano)']);
      await openPage('Clienti', 'Clienti');
      await page.getByText('Filtri', { exact: true }).click();
      await page.getByText('Altri filtri', { exact: true }).click();
      await page.getByLabel('Lingua del cliente').selectOption({ label: 'italiano' });
      await page.getByLabel('Compleanno a').selectOption({ label: 'luglio' });
      await listShows([CHIARA]);
      expect(await hash()).toContain('birthMonth=7');
      const minSpent = page.getByLabel('Spesa minima (€)');
      await minSpent.fill('2,5');
      await minSpent.press('Tab');
      await listShows([CHIARA]);
      expect(await hash()).toContain('minSpent=250');
      await expect.poll(() => minSpent.inputValue(), { timeout: WAIT_TIMEOUT_MS }).toBe('2,50');
      await checkPage(page, 'customers-filters-it');
      await page.getByRole('button', { name: 'Togli i filtri' }).click();
      await listShows(EVERYONE);
    } finally {
      await page.getByRole('combobox', { name: 'Lingua', exact: true }).selectOption('en');
    }
  });
});
