import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS, until } from '../support/timeouts.ts';
import { CHROMIUM, customerListPage, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * The customer card as an Italian restaurant owner reads it (the review of the card page; headless Chromium
 * against `npm start`, as test/e2e/console-pages.test.ts), in Italian and in English: every figure of the
 * card's stats (a guest whose two bookings were both cancelled shows two cancellations, and says there is no
 * visit and no average yet), a history written in sentences with money, dates and order lines, gender and
 * language chosen from translated lists, the RFM group and the consent ledger's source in the console's
 * language with the raw reference kept as proof.
 */
warnIfNoChromium(import.meta.url);

const ORIGIN = 'https://www.trattoria.example';

/** The Italian names of the RFM groups (console/src/i18n.ts), to tell the card shows them and not the API's. */
const RFM_IT: Record<string, string> = {
  Champions: 'Campioni',
  Loyal: 'Fedeli',
  'Potential loyalist': 'Potenziali fedeli',
  New: 'Nuovi',
  Promising: 'Promettenti',
  'Need attention': 'Da seguire',
  'About to sleep': 'Si stanno allontanando',
  'At risk': 'A rischio',
  'Cannot lose them': 'Da non perdere',
  Hibernating: 'Dormienti',
  Lost: 'Persi',
};

describe.skipIf(!hasChromium)(`the customer card, readable by the owner${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-card-readable');
  const { run, pageErrors, mail, call, checkPage } = suite;
  let context: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};


  async function send(type: string, who: string, eventId: string, occurredAt: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const body = { eventId: `${eventId}-${run}`, type, occurredAt, data, ...extra, customer: { email: mail(who), ...((extra.customer as object | undefined) ?? {}) } };
    const sent = await call<{ customerId: string }>('POST', '/v1/events', body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    ids[who] = sent.body.customerId;
  }

  /** The header's language switch (the card has a "Language" field of its own). */
  async function speak(language: 'it' | 'en') {
    await page.locator('#lang').selectOption(language);
    await expect.poll(() => page.evaluate('document.documentElement.lang'), { timeout: WAIT_TIMEOUT_MS }).toBe(language);
  }

  async function openCard(who: string, name: string) {
    await page.evaluate(`location.hash = '#/customers/${ids[who]}'`);
    await page.getByRole('heading', { level: 1, name }).waitFor();
  }

  /** Text as read: Intl writes "88,00 €" and some dates with no-break spaces, which read as spaces. */
  const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');
  /** The figure under `label` on the card, as shown. */
  const figure = (label: string) => {
    const dd = page
      .locator('dl.figures > div')
      .filter({ has: page.locator('dt').getByText(label, { exact: true }) })
      .locator('dd');
    return { textContent: async () => plain(await dd.textContent()) };
  };
  const history = () => page.getByRole('region', { name: /^(History|Cronologia)$/ }).getByRole('listitem');
  const ledger = () => page.getByRole('region', { name: /^(Consent ledger|Registro dei consensi)$/ });

  beforeAll(async () => {

    // Giulia booked twice and cancelled both times.
    const giulia = { customer: { firstName: 'Giulia', lastName: 'Disdetta' } };
    await send('booking.created', 'giulia', 'g-bk1-new', '2026-03-01T10:00:00+01:00', { bookingId: 'bk-g-1', date: '2026-03-07', time: '20:00', partySize: 2 }, giulia);
    await send('booking.cancelled', 'giulia', 'g-bk1-off', '2026-03-02T10:00:00+01:00', { bookingId: 'bk-g-1' }, giulia);
    await send('booking.created', 'giulia', 'g-bk2-new', '2026-03-03T10:00:00+01:00', { bookingId: 'bk-g-2', date: '2026-03-14', time: '21:00', partySize: 4 }, giulia);
    await send('booking.cancelled', 'giulia', 'g-bk2-off', '2026-03-04T10:00:00+01:00', { bookingId: 'bk-g-2' }, giulia);

    // Marco came to dinner, ordered, wrote, answered a survey and signed up for the newsletter.
    const marco = { customer: { firstName: 'Marco', lastName: 'Cliente' } };
    await send('booking.created', 'marco', 'm-bk-new', '2026-03-10T12:00:00+01:00', { bookingId: 'bk-0-18', date: '2026-03-21', time: '20:30', partySize: 3 }, marco);
    await send(
      'booking.completed',
      'marco',
      'm-bk-done',
      '2026-03-21T23:10:00+01:00',
      { bookingId: 'bk-0-18', amount: 8800, currency: 'EUR', partySize: 3, date: '2026-03-21', time: '20:30', tablePreference: 'window' },
      marco,
    );
    await send(
      'order.completed',
      'marco',
      'm-order',
      '2026-03-22T13:00:00+01:00',
      { orderId: 'ord-77', currency: 'EUR', total: 2900, items: [{ sku: 'PIZZA-M', name: 'Pizza', quantity: 2, unitPrice: 1200 }, { sku: 'BIRRA', name: 'Birra', quantity: 1, unitPrice: 500 }] },
      marco,
    );
    await send('message.received', 'marco', 'm-msg', '2026-03-23T09:00:00+01:00', { text: 'Grazie per la serata!', channel: 'whatsapp' }, marco);
    await send('review.submitted', 'marco', 'm-review', '2026-03-23T21:00:00+01:00', { rating: 4, text: 'Ottima pizza', channel: 'google' }, marco);
    await send('custom.survey_completed', 'marco', 'm-survey', '2026-03-24T09:00:00+01:00', { likedMost: 'il tiramisù', answers: { q1: 'sì' } }, marco);
    await send('newsletter.subscribed', 'marco', 'nl-0', '2026-03-25T09:00:00+01:00', { listId: 'nl-0' }, { ...marco, consent: { newsletter: 'granted' } });
    // Withdrawn and granted again by hand, from the console or the API: a "manual change" in the ledger.
    expect((await call('PATCH', `/v1/customers/${ids.marco}`, { consent: { newsletter: 'denied' } })).status).toBe(200);

    // Anna signed up on the restaurant's website (publishable key, from its origin).
    expect((await call('PATCH', '/v1/settings', { allowedOrigins: [ORIGIN] })).status).toBe(200);
    const signUp = await fetch(`${suite.api.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${suite.api.publishableKey}`, 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ eventId: `nl-site-${run}`, type: 'newsletter.subscribed', occurredAt: '2026-03-26T09:00:00+01:00', customer: { email: mail('anna'), firstName: 'Anna' }, consent: { newsletter: 'granted' }, data: {} }),
    });
    expect(signUp.status).toBe(202);
    const anna = await until(async () => (await call<{ items: { id: string }[] }>('GET', `/v1/customers?q=${encodeURIComponent(mail('anna'))}`)).body.items[0]);
    ids.anna = anna.id;

    // Sara's language is Basque, which the console's list does not name: it must stay as it is.
    const sara = await call<{ id: string }>('POST', '/v1/customers', { firstName: 'Sara', lastName: 'Lingua', email: mail('sara'), language: 'eu' });
    expect(sara.status).toBe(201);
    ids.sara = sara.body.id;

    context = await signedInContext(suite.browser, suite.api, pageErrors, { locale: 'it-IT', timezoneId: 'Europe/Rome', viewport: { width: 1280, height: 900 } });
    page = await customerListPage(context, suite.api, 'Clienti', WAIT_TIMEOUT_MS);
  }, E2E_TIMEOUT_MS);


  it('figures: two bookings both cancelled read as 2 cancellations, no visit and no average yet; a diner shows every figure', async () => {
    await speak('it');
    await openCard('giulia', 'Giulia Disdetta');
    await expect.poll(() => figure('Prenotazioni').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('2');
    expect(await figure('Disdette').textContent()).toBe('2');
    expect(await figure('Visite (prenotazioni completate)').textContent()).toBe('0');
    expect(await figure('Mancate presentazioni').textContent()).toBe('0');
    expect(await figure('Spesa totale').textContent()).toBe('0,00 €');
    expect(await figure('Media per acquisto').textContent()).toBe('— nessun acquisto finora');
    expect(await figure('Ultima visita').textContent()).toBe('— nessuna visita completata finora');
    await checkPage(page, 'card-cancelled-it');

    await openCard('marco', 'Marco Cliente');
    await expect.poll(() => figure('Spesa totale').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('117,00 €');
    // 88,00 € at dinner and 29,00 € ordered: two purchases.
    expect(await figure('Media per acquisto').textContent()).toBe('58,50 €');
    // The visit is the booking's own time (20:30), not when its completion arrived (23:10).
    expect(await figure('Ultima visita').textContent()).toBe('21 mar 2026, 20:30');
    expect(await figure('Ordini').textContent()).toBe('1');
    expect(await figure('Disdette').textContent()).toBe('0');

    await speak('en');
    await openCard('giulia', 'Giulia Disdetta');
    await expect.poll(() => figure('Cancellations').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('2');
    expect(await figure('Bookings').textContent()).toBe('2');
    expect(await figure('Average per purchase').textContent()).toBe('— nothing bought yet');
    expect(await figure('Last visit').textContent()).toBe('— no completed visit yet');
    await openCard('marco', 'Marco Cliente');
    await expect.poll(() => figure('Average per purchase').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('€58.50');
    expect(await figure('Last visit').textContent()).toBe('21 Mar 2026, 20:30');
  });

  it('history: each entry a sentence in the language, money and dates formatted, order lines listed, nothing raw', async () => {
    await speak('it');
    await openCard('marco', 'Marco Cliente');
    const entries = history();
    await expect.poll(() => entries.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(7);
    const text = plain((await entries.allTextContents()).join('\n'));
    const entry = async (headline: string) => plain(await entries.filter({ has: page.locator('strong').getByText(headline, { exact: true }) }).textContent());

    const dinner = await entry('Prenotazione completata');
    expect(dinner).toContain('3 persone');
    expect(dinner).toContain('21 mar 2026, 20:30');
    expect(dinner).toContain('88,00 €');
    // A field the contract does not name stays visible, in words.
    expect(dinner).toContain('Table preference: window');
    expect(dinner).toContain('rif. prenotazione bk-0-18');
    expect(await entry('Nuova prenotazione')).toContain('3 persone · 21 mar 2026, 20:30');
    const order = await entry('Ordine');
    expect(order).toContain('29,00 €');
    expect(order).toContain('Pizza ×2, Birra ×1');
    const message = await entry('Messaggio');
    expect(message).toContain('via WhatsApp');
    expect(message).toContain('Grazie per la serata!');
    const review = await entry('Recensione');
    expect(review).toContain('via Google');
    expect(review).toContain('Ottima pizza');
    await page.getByRole('region', { name: 'Cronologia' }).getByRole('img', { name: '4 su 5' }).waitFor();
    const survey = await entry('Altro evento: survey completed');
    expect(survey).toContain('Liked most: il tiramisù');
    expect(survey).toContain('Answers: q1: sì');
    expect(await entry('Iscrizione alla newsletter')).toContain('lista nl-0');
    // Nothing the owner would have to decode: no event types, field names, cents or JSON.
    for (const raw of ['booking.completed', 'order.completed', 'custom.', 'bookingId', 'partySize', 'amount:', '8800', '2900', '{', '"']) expect(text).not.toContain(raw);
    await checkPage(page, 'card-history-it');

    await speak('en');
    await expect.poll(async () => (await entries.allTextContents()).join('\n'), { timeout: WAIT_TIMEOUT_MS }).toContain('Booking completed');
    expect(await entry('Booking completed')).toContain('3 people · 21 Mar 2026, 20:30 · €88.00');
    expect(await entry('Order')).toContain('€29.00 · Pizza ×2, Birra ×1');
    expect(await entry('Message')).toContain('via WhatsApp');
    expect(await entry('Other event: survey completed')).toContain('Liked most: il tiramisù');
  });

  it('gender and language: chosen from translated lists and saved as the API values; an unusual language stays', async () => {
    await speak('it');
    await openCard('giulia', 'Giulia Disdetta');
    const form = page.locator('form.card-fields');
    const gender = form.getByLabel('Genere', { exact: true });
    const language = form.getByLabel('Lingua', { exact: true });
    expect(await gender.locator('option').allTextContents()).toEqual(['— non indicato', 'Donna', 'Uomo', 'Non binario', 'Altro', 'Preferisce non dirlo']);
    const languages = await language.locator('option').allTextContents();
    expect(languages).toEqual(expect.arrayContaining(['Italiano', 'Inglese', 'Tedesco', 'Francese', 'Spagnolo', 'Albanese', 'Cinese']));
    await gender.selectOption({ label: 'Donna' });
    await language.selectOption({ label: 'Tedesco' });
    await page.getByRole('button', { name: 'Salva', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Salvato' }).waitFor();
    expect((await call<{ gender: string; language: string }>('GET', `/v1/customers/${ids.giulia}`)).body).toMatchObject({ gender: 'female', language: 'de' });
    await checkPage(page, 'card-fields-it');

    await speak('en');
    await expect.poll(() => form.getByLabel('Gender', { exact: true }).locator('option:checked').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('Female');
    expect(await form.getByLabel('Language', { exact: true }).locator('option:checked').textContent()).toBe('German');

    // Basque is not in the list: shown by name, selected, and kept when something else is saved.
    await openCard('sara', 'Sara Lingua');
    const saraLanguage = form.getByLabel('Language', { exact: true });
    await expect.poll(() => saraLanguage.inputValue(), { timeout: WAIT_TIMEOUT_MS }).toBe('eu');
    expect(await saraLanguage.locator('option:checked').textContent()).toBe('Basque (eu)');
    await form.getByLabel('City', { exact: true }).fill('Bilbao');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect((await call<{ city: string; language: string }>('GET', `/v1/customers/${ids.sara}`)).body).toMatchObject({ city: 'Bilbao', language: 'eu' });
  });

  it('consent ledger: the source in words of the language, the raw reference kept as proof', async () => {
    await speak('it');
    await openCard('marco', 'Marco Cliente');
    const table = ledger().getByRole('table');
    await table.waitFor();
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Quando', 'Consenso newsletter', 'Stato', 'Origine']);
    const rows = table.getByRole('row');
    await expect.poll(() => rows.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(3);
    const bySource = (label: string) => rows.filter({ has: page.locator('td').last().locator('span', { hasText: new RegExp(`^${label.replace(/[()]/g, '\\$&')}$`) }) });
    const signedUp = bySource('Iscrizione alla newsletter');
    // Proof of where the consent came from: the event and the key in small print, the stored source as tooltip.
    expect(await signedUp.textContent()).toContain(`evento nl-0-${run}`);
    expect(await signedUp.textContent()).toMatch(/chiave \S+/);
    expect(await signedUp.locator('td').last().locator('[title]').getAttribute('title')).toContain('newsletter.subscribed');
    await bySource('Modifica manuale (console o API)').waitFor();
    expect(await ledger().textContent()).not.toContain('newsletter.subscribed');
    await checkPage(page, 'card-ledger-it');

    await openCard('anna', 'Anna');
    const site = ledger().getByRole('row').filter({ hasText: 'Iscrizione alla newsletter dal sito' });
    await site.waitFor();
    expect(await site.textContent()).toContain(ORIGIN);

    await speak('en');
    await ledger().getByRole('columnheader', { name: 'Source', exact: true }).waitFor();
    await ledger().getByRole('row').filter({ hasText: 'Newsletter sign-up from the website' }).waitFor();
    await openCard('marco', 'Marco Cliente');
    await ledger().getByText('Changed by hand (console or API)', { exact: true }).waitFor();
  });

  async function recompute() {
    const started = await call<{ recomputeId: string }>('POST', '/v1/insights/recompute', {});
    expect(started.status).toBe(202);
    await until(async () => {
      const { body } = await call<{ status: string }>('GET', `/v1/insights/recompute/${started.body.recomputeId}`);
      expect(body.status).not.toBe('failed');
      return body.status === 'completed' ? true : undefined;
    });
  }

  it('RFM group: none while Marco is the only customer who bought, and the card says why', async () => {
    await recompute();
    const card = await call<{ insights?: { rfm?: unknown } }>('GET', `/v1/customers/${ids.marco}`);
    expect(card.body.insights).toBeDefined();
    expect(card.body.insights).not.toHaveProperty('rfm');
    await speak('it');
    await openCard('marco', 'Marco Cliente');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Marco Cliente' }).waitFor();
    await expect.poll(() => figure('Gruppo RFM').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('— nessuno per ora: i gruppi RFM richiedono almeno 2 clienti con un acquisto');
    // The insights page says why there is no RFM chart, in the owner's words (the API's rfmReason).
    await page.evaluate(`location.hash = '#/insights'`);
    await page.getByRole('heading', { level: 1, name: 'Analisi' }).waitFor();
    await expect.poll(() => page.locator('[data-rfm=reason]').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('I gruppi RFM richiedono almeno 2 clienti con un acquisto; finora: 1.');
    await speak('en');
    await expect.poll(() => page.locator('[data-rfm=reason]').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('RFM groups need at least 2 customers with a purchase; so far: 1.');
  });

  it('RFM group: in the words of the language after a recompute', async () => {
    // Four more guests who bought: five in all, enough for RFM.
    for (const [k, who] of ['luisa', 'pietro', 'sara', 'tommaso'].entries()) {
      await send('order.completed', who, `rfm-${who}`, `2026-0${k + 4}-10T13:00:00+02:00`, { orderId: `ord-rfm-${k}`, currency: 'EUR', total: 1500, items: [{ sku: 'PIZZA-M', name: 'Pizza', quantity: 1, unitPrice: 1500 }] });
    }
    await recompute();
    const card = await call<{ insights?: { rfm?: { group: string; score: string } } }>('GET', `/v1/customers/${ids.marco}`);
    const group = card.body.insights!.rfm!.group;
    await speak('it');
    await openCard('marco', 'Marco Cliente');
    // The card on screen was loaded before the recompute.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Marco Cliente' }).waitFor();
    await expect.poll(() => figure('Gruppo RFM').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe(`${RFM_IT[group]} (${card.body.insights!.rfm!.score})`);
    await speak('en');
    await expect.poll(() => figure('RFM group').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe(`${group} (${card.body.insights!.rfm!.score})`);
  });
});
