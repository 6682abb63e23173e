import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * The card's history says which email or phone an event replaced (the entry's `changes`), under the entry
 * that did it (headless Chromium against `npm start`, as test/e2e/console-card-readable.test.ts): a booking
 * made with a mistyped address and one number, then updated by the business with the right address and a new
 * number, reads "Email cambiata: … → …" and "Telefono cambiato: … → …" in Italian, "Email changed" and
 * "Phone changed" in English; the entry that changed nothing says nothing of the kind.
 */
warnIfNoChromium(import.meta.url);


describe.skipIf(!hasChromium)(`identity changes in the card's history${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-card-history');
  const { run, pageErrors, call, checkPage } = suite;
  let context: BrowserContext;
  let page: Page;
  const typo = `rita.${run}@gmial.com`;
  const right = `rita.${run}@gmail.com`;
  let customerId = '';
  /** The phones as the card stores them (normalised by the API), read back from the history's `changes`. */
  let phones = { from: '', to: '' };


  async function send(type: string, eventId: string, occurredAt: string, customer: Record<string, unknown>) {
    const data = { bookingId: `bk-hist-${run}`, date: '2026-04-18', time: '20:00', partySize: 2 };
    const body = { eventId: `${eventId}-${run}`, type, occurredAt, data, customer: { firstName: 'Rita', lastName: 'Corretta', ...customer } };
    const sent = await call<{ customerId: string }>('POST', '/v1/events', body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    return sent.body.customerId;
  }

  async function speak(language: 'it' | 'en') {
    await page.locator('#lang').selectOption(language);
    await expect.poll(() => page.evaluate('document.documentElement.lang'), { timeout: WAIT_TIMEOUT_MS }).toBe(language);
  }

  /** Text as read: Intl writes some dates with no-break spaces, which read as spaces. */
  const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');
  const history = () => page.getByRole('region', { name: /^(History|Cronologia)$/ }).getByRole('listitem');
  const entry = async (headline: string) => plain(await history().filter({ has: page.locator('strong').getByText(headline, { exact: true }) }).textContent());

  beforeAll(async () => {

    // Rita booked with a typo in her address; the business then fixed it, and she gave a new number.
    customerId = await send('booking.created', 'r-created', '2026-04-10T10:00:00+02:00', { email: typo, phone: '+39 333 111 2222' });
    const updated = await send('booking.updated', 'r-updated', '2026-04-11T10:00:00+02:00', { email: right, phone: '+39 333 444 5555' });
    // The same booking joins the same card, whatever the email (docs/api.md): the premise of what follows.
    expect(updated).toBe(customerId);
    const { body } = await call<{ items: { type: string; changes?: { field: string; from: string; to: string }[] }[] }>('GET', `/v1/customers/${customerId}/history`);
    const changes = body.items.find((h) => h.type === 'booking.updated')?.changes ?? [];
    expect(changes.find((c) => c.field === 'email')).toEqual({ field: 'email', from: typo, to: right });
    phones = changes.find((c) => c.field === 'phone')!;
    expect(phones.from).toMatch(/3331112222$/);
    expect(phones.to).toMatch(/3334445555$/);

    context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'it-IT', timezoneId: 'Europe/Rome', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/customers/${customerId}`);
    await page.getByRole('heading', { level: 1, name: 'Rita Corretta' }).waitFor();
  }, E2E_TIMEOUT_MS);


  it('in Italian: the update says the email and the phone it changed, old then new; the booking it updated says no change', async () => {
    await speak('it');
    await expect.poll(() => history().count(), { timeout: WAIT_TIMEOUT_MS }).toBe(2);
    const update = await entry('Prenotazione modificata');
    expect(update).toContain(`Email cambiata: ${typo} → ${right}`);
    expect(update).toContain(`Telefono cambiato: ${phones.from} → ${phones.to}`);
    const created = await entry('Nuova prenotazione');
    expect(created).not.toMatch(/cambiat/i);
    // Each value on its own, isolated from its neighbours as the history's other values are.
    const isolated = await history()
      .filter({ has: page.locator('strong').getByText('Prenotazione modificata', { exact: true }) })
      .locator('bdi')
      .allTextContents();
    expect(isolated).toEqual(expect.arrayContaining([typo, right, phones.from, phones.to]));
    await checkPage(page, 'card-history-changes-it');
  });

  it('in English: "Email changed" and "Phone changed", the same values', async () => {
    await speak('en');
    await expect.poll(() => history().count(), { timeout: WAIT_TIMEOUT_MS }).toBe(2);
    const update = await entry('Booking changed');
    expect(update).toContain(`Email changed: ${typo} → ${right}`);
    expect(update).toContain(`Phone changed: ${phones.from} → ${phones.to}`);
    expect(await entry('Booking made')).not.toMatch(/changed/i);
    await checkPage(page, 'card-history-changes-en');
  });
});
