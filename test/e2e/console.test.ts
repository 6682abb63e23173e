import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { WAIT_TIMEOUT_MS, until } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, consoleSuite, tenantOn } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * The admin console in a real browser (headless Chromium, the Debian package) against `npm start`: the
 * owner signs in, finds a guest, edits the card, imports a spreadsheet through the dry run, exports a
 * segment and downloads it, erases a person. axe-core checks every page (no serious or critical
 * violation); screenshots are kept in test-results/console/ (CONSOLE_SCREENSHOT=1 also refreshes
 * docs/console.png, the README's picture).
 */
warnIfNoChromium(import.meta.url);

const ROOT = resolve(import.meta.dirname, '../..');

interface Card {
  id: string;
  email: string;
  city?: string | null;
  firstName?: string;
  tags: string[];
}

describe.skipIf(!hasChromium)(`the admin console in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console', { demo: true });
  const { run, pageErrors, mail, call, checkPage } = suite;
  let context: BrowserContext;
  let page: Page;
  /** Uncaught errors in any page of the run: a console that throws is broken, whatever it shows. */

  const findByEmail = async (email: string) => (await call<{ items: Card[] }>('GET', `/v1/customers?q=${encodeURIComponent(email)}`)).body.items;

  /** Every page: no serious or critical accessibility violation, and a screenshot as an artefact. */

  /** A new tenant's secret key, made with `npm run keys -- create` against the running instance. */
  const newTenantKey = async (tenant: string) => (await tenantOn(suite.api, tenant, WAIT_TIMEOUT_MS)).secretKey;

  async function openPage(label: string, heading: string) {
    await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /**
   * Types into the customers' "Search" box and waits until the list shows the one match. The search applies
   * 300 ms after the last key, by moving the page to #/customers?q=... (console/src/pages/customers.tsx), and
   * the list is drawn again when its answer comes: a click aimed at a row of the list from before can land
   * while it is redrawn, or open the card just before that move takes the page back to the list (seen on a
   * loaded machine: the card's heading never showed, and the test waited out its whole limit).
   */
  async function searchCustomers(text: string) {
    await page.getByLabel('Search', { exact: true }).fill(text);
    await expect.poll(() => page.evaluate('location.hash'), { timeout: WAIT_TIMEOUT_MS }).toContain(`q=${encodeURIComponent(text)}`);
    await expect.poll(() => page.getByRole('table').getByRole('row').count(), { timeout: WAIT_TIMEOUT_MS }).toBe(1 + 1);
  }

  beforeAll(async () => {
    // A few guests with orders and bookings, as a trattoria would have them. The tasting menu and the wine
    // pairing go together (Maria's and Giulia's orders); Luca took the menu alone, so the wine is his suggestion.
    const TIRAMISU = { sku: 'tiramisu', name: 'Tiramisù', quantity: 1, unitPrice: 700 };
    const MENU = { sku: 'MENU-DEG', name: 'Menu degustazione', quantity: 2, unitPrice: 4500 };
    const WINE = { sku: 'WINE-PAIR', name: 'Abbinamento vini', quantity: 2, unitPrice: 2500 };
    const guests = [
      ['Maria', 'Rossi', 'Milano', ['VIP', 'Regular'], 14700, [TIRAMISU, MENU, WINE]],
      ['Giulia', 'Bianchi', 'Roma', ['Local'], 14700, [TIRAMISU, MENU, WINE]],
      ['Luca', 'Ferrari', 'Torino', ['Business'], 9700, [TIRAMISU, MENU]],
      ['Sofia', 'Esposito', 'Napoli', [], 700, [TIRAMISU]],
      ['Marco', 'Romano', 'Bologna', ['Friends & Family'], 700, [TIRAMISU]],
    ] as const;
    for (const [firstName, lastName, city, tags, total, items] of guests) {
      const email = mail(firstName.toLowerCase());
      const created = await call('POST', '/v1/customers', { firstName, lastName, email, city, tags, language: 'it', consent: { newsletter: firstName === 'Sofia' ? 'denied' : 'granted' } });
      expect(created.status).toBe(201);
      const order = await call('POST', '/v1/events', {
        eventId: `order-${firstName}-${run}`,
        type: 'order.completed',
        occurredAt: new Date(Date.now() - 86_400_000).toISOString(),
        customer: { email },
        data: { orderId: `o-${firstName}-${run}`, currency: 'EUR', total, items },
      });
      expect(order.status).toBe(200);
    }
    // What guests wrote: "senza glutine" is new this month (three texts of three guests), "tavolo" was there before.
    const texts = [
      ['Maria', 3, 'Avete un menu senza glutine? Vorrei un tavolo per sabato.'],
      ['Giulia', 5, 'Senza glutine anche i dolci? Un tavolo per due, grazie.'],
      ['Luca', 7, 'Il menu senza glutine è disponibile a pranzo? Un tavolo vicino alla finestra.'],
      ['Marco', 40, 'Un tavolo per stasera, grazie.'],
      ['Giulia', 45, 'Avete un tavolo all’aperto?'],
    ] as const;
    for (const [i, [firstName, ago, text]] of texts.entries()) {
      const sent = await call('POST', '/v1/events', {
        eventId: `msg-${i}-${run}`,
        type: 'message.received',
        occurredAt: new Date(Date.now() - ago * 86_400_000).toISOString(),
        customer: { email: mail(firstName.toLowerCase()) },
        data: { text, channel: 'email' },
      });
      expect(sent.status).toBe(200);
    }
    context = await suite.browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.on('weberror', (e) => pageErrors.push(e.error().stack ?? e.error().message));
    // What the Content-Security-Policy blocks (as CloudFront's would on AWS) is reported on the browser console.
    context.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });
    // The console declares its own icon: a browser asking for /favicon.ico gets a 404, logged on every page load.
    context.on('request', (r) => {
      if (new URL(r.url()).pathname === '/favicon.ico') pageErrors.push(`asked for /favicon.ico: ${r.url()}`);
    });
    page = await context.newPage();
    // Navigation and every wait for an answer on the page (playwright's default is 30 s).
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
  });


  it('signs in with a key typed into the "API key" field, and lists the customers in a table', async () => {
    await page.goto(suite.api.url);
    await checkPage(page, 'sign-in');
    await page.getByLabel('API key').fill('sk_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: WAIT_TIMEOUT_MS }).toContain('not accepted');

    await page.getByLabel('API key').fill(suite.api.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const table = page.getByRole('table');
    await table.getByRole('link', { name: 'Maria Rossi' }).waitFor();
    expect(await table.getByRole('row').count()).toBe(1 + 5);
    // The key lives in the tab's session storage, and in no URL.
    expect(await page.evaluate(`sessionStorage.getItem('clientela.key')`)).toBe(suite.api.secretKey);
    expect(page.url()).not.toContain(suite.api.secretKey);
    await checkPage(page, 'customers');
    // The README's picture (docs/console.png), refreshed on request.
    if (process.env.CONSOLE_SCREENSHOT) await page.screenshot({ path: join(ROOT, 'docs', 'console.png') });
  });

  it('a #key=... link names the business and signs in only when confirmed; the key leaves the address bar at once', async () => {
    const other = await suite.browser.newContext({ locale: 'en-GB' });
    const p = await other.newPage();
    p.setDefaultTimeout(WAIT_TIMEOUT_MS);
    const requested: string[] = [];
    p.on('request', (r) => requested.push(r.url()));
    await p.goto(`${suite.api.url}/#key=${suite.api.secretKey}`);
    await p.getByRole('heading', { level: 1, name: 'Sign in from a link?' }).waitFor();
    // Asked, not yet used: the business is named, nothing of it is shown, the key is in no URL and not kept.
    await p.getByText('This link signs the console in to the business “Demo” (Id demo)').waitFor();
    expect(await p.evaluate('location.href')).toBe(`${suite.api.url}/#/customers`);
    expect(await p.evaluate(`sessionStorage.getItem('clientela.key')`)).toBeNull();
    expect(await p.getByRole('table').count()).toBe(0);
    await checkPage(p, 'sign-in-link');
    await p.getByRole('button', { name: 'Sign in to “Demo”' }).click();
    await p.getByRole('table').getByRole('link', { name: 'Giulia Bianchi' }).waitFor();
    expect(await p.evaluate(`sessionStorage.getItem('clientela.key')`)).toBe(suite.api.secretKey);
    expect(p.url()).not.toContain(suite.api.secretKey);
    expect(requested.filter((u) => u.includes(suite.api.secretKey))).toEqual([]);
    await other.close();
  });

  it('a phishing link with another business’s key changes nothing unless confirmed: declined, the owner stays in their own business', async () => {
    const phishingKey = await newTenantKey(`bottega-${run}`);
    // A name with what String.replace reads as patterns ($& the match, $' the rest): shown as written.
    const FAKE = "Bottega $& Truffa $'";
    const renamed = await fetch(`${suite.api.url}/v1/settings`, { method: 'PATCH', headers: { authorization: `Bearer ${phishingKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: FAKE }) });
    expect(renamed.status).toBe(200);
    /** What the page sent with the phishing key: only the question of whose business it is. */
    const sentWith = (p: Page) => {
      const calls: string[] = [];
      p.on('request', (r) => {
        if (r.headers()['authorization'] === `Bearer ${phishingKey}`) calls.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
      return calls;
    };

    // The owner, signed in to their own business, opens the link in the same tab (only the fragment changes).
    const calls = sentWith(page);
    await page.evaluate(`location.hash = '#key=${phishingKey}'`);
    await page.getByRole('heading', { level: 1, name: 'Sign in from a link?' }).waitFor();
    await page.getByText(`the business “${FAKE}” (Id bottega-${run})`).waitFor();
    await page.getByText('This is not the business you are signed in to now, “Demo” (Id demo)').waitFor();
    expect(await page.evaluate('location.hash')).toBe('#/customers');
    expect(await page.evaluate(`sessionStorage.getItem('clientela.key')`)).toBe(suite.api.secretKey);
    await page.getByRole('button', { name: 'Do not use this link' }).click();
    await page.getByRole('table').getByRole('link', { name: 'Maria Rossi' }).waitFor();
    expect(await page.evaluate(`sessionStorage.getItem('clientela.key')`)).toBe(suite.api.secretKey);
    expect(calls).toEqual(['GET /v1/settings']);

    // A new tab opened from the link: declined, it asks for a key like any first visit.
    const fresh = await suite.browser.newContext({ locale: 'en-GB' });
    const p = await fresh.newPage();
    p.setDefaultTimeout(WAIT_TIMEOUT_MS);
    const freshCalls = sentWith(p);
    await p.goto(`${suite.api.url}/#key=${phishingKey}`);
    await p.getByRole('button', { name: `Sign in to “${FAKE}”` }).waitFor();
    expect(p.url()).not.toContain(phishingKey);
    await p.getByRole('button', { name: 'Do not use this link' }).click();
    await p.getByLabel('API key').waitFor();
    expect(await p.evaluate(`sessionStorage.getItem('clientela.key')`)).toBeNull();
    expect(freshCalls).toEqual(['GET /v1/settings']);
    // A link whose key is refused says so, and uses nothing.
    await p.goto(`${suite.api.url}/#key=sk_not_a_real_key`);
    await p.getByRole('alert').filter({ hasText: 'The key in this link was not accepted' }).waitFor();
    expect(await p.getByRole('button', { name: /^Sign in to/ }).count()).toBe(0);
    await fresh.close();
  });

  it('finds a customer with the "Search" box, opens the card from the row, and edits a field', async () => {
    await searchCustomers('ross');
    const rows = page.getByRole('table').getByRole('row');
    await rows.nth(1).getByRole('cell').nth(2).click(); // the row, not the link in it
    await page.getByRole('heading', { level: 1, name: 'Maria Rossi' }).waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('region', { name: 'History' }).getByText('Order', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Consent ledger' }).waitFor();
    await page.getByRole('cell', { name: 'newsletter' }).first().waitFor();
    // No recompute yet: the card says when suggestions will come, in words.
    await page.getByRole('region', { name: 'Suggestions' }).getByText('Suggestions appear after the next recompute.').waitFor();
    await checkPage(page, 'card');

    await page.getByLabel('City').fill('Bergamo');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const [maria] = await findByEmail(mail('maria'));
    expect(maria!.city).toBe('Bergamo');
  });

  it('makes an unsubscribe link and downloads everything held about the person', async () => {
    await page.getByRole('button', { name: 'Create an unsubscribe link' }).click();
    const link = page.getByRole('link', { name: /\/v1\/unsubscribe\?token=/ });
    await link.waitFor();
    // The link works without a key: it opens the confirmation page (mail scanners change nothing).
    const opened = await fetch((await link.getAttribute('href'))!);
    expect(opened.status).toBe(200);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download everything held/ }).click()]);
    const data = JSON.parse(readFileSync(await download.path(), 'utf8')) as { customer: { email: string; city: string } };
    expect(data.customer).toMatchObject({ email: mail('maria'), city: 'Bergamo' });
  });

  it('does not overwrite a card someone else changed meanwhile: 412 is shown as "changed by someone else, reload"', async () => {
    const [maria] = await findByEmail(mail('maria'));
    // The card on screen is now one version behind.
    expect((await call('PATCH', `/v1/customers/${maria!.id}`, { notes: 'Allergic to nuts' })).status).toBe(200);
    await page.getByLabel('City').fill('Como');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'changed by someone else' });
    await alert.waitFor();
    const [unchanged] = await findByEmail(mail('maria'));
    expect(unchanged).toMatchObject({ city: 'Bergamo', notes: 'Allergic to nuts' });
    await alert.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => page.getByLabel('Notes').inputValue(), { timeout: WAIT_TIMEOUT_MS }).toBe('Allergic to nuts');
  });

  it('shows a likely duplicate on the card and merges it after saying what a merge does', async () => {
    // Marco wrote from another address once: a second card, same name and the same address at another domain.
    const [marco] = await findByEmail(mail('marco'));
    const other = await call<Card>('POST', '/v1/customers', {
      firstName: 'Marco',
      lastName: 'Romano',
      email: `marco.${run}@example.org`,
      tags: ['Local'],
      attributes: { Tavolo: 'vicino alla finestra' },
    });
    expect(other.status).toBe(201);
    const booked = await call('POST', '/v1/events', {
      eventId: `booking-other-marco-${run}`,
      type: 'booking.created',
      occurredAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
      customer: { email: `marco.${run}@example.org` },
      data: { bookingId: `b-other-marco-${run}`, date: '2026-12-24', time: '20:00', partySize: 4 },
    });
    expect(booked.status).toBe(200);

    await page.evaluate(`location.hash = '#/customers/${marco!.id}'`);
    await page.getByRole('heading', { level: 1, name: 'Marco Romano' }).waitFor();
    // Straight from Maria's card: nothing of hers stays on his (her unsubscribe link, her "Saved").
    expect(await page.getByRole('link', { name: /\/v1\/unsubscribe\?token=/ }).count()).toBe(0);
    expect(await page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(0);
    const dupes = page.getByRole('region', { name: 'Possibly the same person' });
    await dupes.getByText('same name, similar email').waitFor();
    await expect.poll(() => dupes.getByRole('link', { name: 'Marco Romano' }).getAttribute('href'), { timeout: WAIT_TIMEOUT_MS }).toBe(`#/customers/${other.body.id}`);
    // Not a click away from losing a card: the merge asks first, and says it cannot be undone.
    await dupes.getByRole('button', { name: 'Merge into this card…' }).click();
    const ask = page.getByRole('alertdialog');
    await ask.getByText('A merge cannot be undone.', { exact: false }).waitFor();
    await checkPage(page, 'card-duplicate');
    await ask.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Marco Romano was merged into this card.' }).waitFor();
    await expect.poll(() => dupes.getByRole('link', { name: 'Marco Romano' }).count(), { timeout: WAIT_TIMEOUT_MS }).toBe(0);
    // The other card's tag, detail and booking are now on Marco's card, and the card shows them.
    await expect.poll(() => page.getByRole('checkbox', { name: 'Local' }).isChecked(), { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    await page.getByRole('region', { name: 'Other details' }).getByText('vicino alla finestra').waitFor();
    await page.getByRole('region', { name: 'History' }).getByText('Booking made', { exact: true }).waitFor();
    const merged = await call<Card & { attributes: Record<string, string>; stats: { bookings: number } }>('GET', `/v1/customers/${marco!.id}`);
    expect(merged.body).toMatchObject({ email: mail('marco'), tags: expect.arrayContaining(['Friends & Family', 'Local']), attributes: { Tavolo: 'vicino alla finestra' }, stats: { bookings: 1 } });
    const gone = await fetch(`${suite.api.url}/v1/customers/${other.body.id}`, { headers: { authorization: `Bearer ${suite.api.secretKey}` }, redirect: 'manual' });
    expect(gone.status).toBe(301);
    expect(gone.headers.get('location')).toBe(`/v1/customers/${marco!.id}`);
  });

  it('refuses a new customer whose email another card has, and links to that card', async () => {
    await openPage('Customers', 'Customers');
    await page.getByText('New customer', { exact: true }).click();
    const form = page.locator('details.new-customer');
    await form.getByLabel('First name').fill('Giulia');
    await form.getByLabel('Email').fill(mail('giulia'));
    await form.getByRole('button', { name: 'Create' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'already belongs to customer' });
    await refused.waitFor();
    // Said once: the problem's detail already names the field (it was followed by the same words again).
    const said = (await refused.textContent())!;
    expect(said.split('already belongs to customer').length).toBe(2);
    await refused.getByRole('link', { name: 'Open the card that has it' }).click();
    await page.getByRole('heading', { level: 1, name: 'Giulia Bianchi' }).waitFor();
    expect(await findByEmail(mail('giulia'))).toHaveLength(1);
  });

  it('keeps what is being typed when a tag is ticked, and takes two quick ticks without a false "changed by someone else"', async () => {
    // On Giulia's card, from the previous test.
    await page.getByLabel('Notes').fill('Tavolo all’aperto, se c’è sole');
    await page.getByRole('checkbox', { name: 'VIP' }).click();
    await page.getByRole('checkbox', { name: 'Regular' }).click();
    await expect.poll(() => page.getByRole('checkbox', { name: 'Regular' }).isChecked(), { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    await expect.poll(() => page.getByRole('checkbox', { name: 'VIP' }).isChecked(), { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    expect(await page.getByRole('alert').filter({ hasText: 'changed by someone else' }).count()).toBe(0);
    expect(await page.getByLabel('Notes').inputValue()).toBe('Tavolo all’aperto, se c’è sole');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const [giulia] = await findByEmail(mail('giulia'));
    expect(giulia).toMatchObject({ notes: 'Tavolo all’aperto, se c’è sole', tags: expect.arrayContaining(['Local', 'VIP', 'Regular']) });
  });

  it('loads more history, and after a change starts again from the newest without repeating entries', async () => {
    const [luca] = await findByEmail(mail('luca'));
    for (let i = 0; i < 22; i++) {
      const logged = await call('POST', '/v1/events', {
        eventId: `visit-luca-${i}-${run}`,
        type: 'custom.visit_logged',
        occurredAt: new Date(Date.now() - (30 + i) * 3_600_000).toISOString(),
        customer: { email: mail('luca') },
        data: { note: `visit ${i}` },
      });
      expect(logged.status).toBe(200);
    }
    await page.evaluate(`location.hash = '#/customers/${luca!.id}'`);
    await page.getByRole('heading', { level: 1, name: 'Luca Ferrari' }).waitFor();
    const entries = page.getByRole('region', { name: 'History' }).getByRole('listitem');
    await expect.poll(() => entries.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(20);
    await page.getByRole('button', { name: 'Show more' }).click();
    await expect.poll(() => entries.count(), { timeout: WAIT_TIMEOUT_MS }).toBeGreaterThan(20);
    await page.getByLabel('City').fill('Ivrea');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    // The new version starts from the newest page again (24 before the save; the old code then showed 28, four twice).
    await expect.poll(() => entries.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(20);
    const texts = await entries.allTextContents();
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('merges the other way when the card on screen is the one to fold in: "Keep that card instead"; Escape cancels', async () => {
    // A second Giulia Bianchi, as a sign-up with her address at another domain makes: this is the card to fold.
    const [giulia] = await findByEmail(mail('giulia'));
    const extra = await call<Card>('POST', '/v1/customers', { firstName: 'Giulia', lastName: 'Bianchi', email: `giulia.${run}@example.net` });
    expect(extra.status).toBe(201);
    await page.evaluate(`location.hash = '#/customers/${extra.body.id}'`);
    const dupes = page.getByRole('region', { name: 'Possibly the same person' });
    await dupes.getByRole('link', { name: 'Giulia Bianchi' }).waitFor();
    // The question takes the focus, and Escape answers "cancel".
    await dupes.getByRole('button', { name: 'Keep that card instead…' }).click();
    const ask = page.getByRole('alertdialog');
    await ask.getByText('This card will be folded into the card of', { exact: false }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement?.getAttribute("role")'), { timeout: WAIT_TIMEOUT_MS }).toBe('alertdialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => ask.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(0);
    await dupes.getByRole('button', { name: 'Keep that card instead…' }).click();
    await ask.getByRole('button', { name: 'Merge', exact: true }).click();
    // The console moves to the card that stayed: Giulia's own, with her own email.
    await expect.poll(() => page.evaluate('location.hash'), { timeout: WAIT_TIMEOUT_MS }).toBe(`#/customers/${giulia!.id}`);
    await page.getByRole('heading', { level: 1, name: 'Giulia Bianchi' }).waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(mail('giulia'));
    const gone = await fetch(`${suite.api.url}/v1/customers/${extra.body.id}`, { headers: { authorization: `Bearer ${suite.api.secretKey}` }, redirect: 'manual' });
    expect(gone.status).toBe(301);
  });

  it('follows a long merge to the end: while the API answers 202 (history still moving) it says so and sends the merge again', async () => {
    const [luca] = await findByEmail(mail('luca'));
    const other = await call<Card>('POST', '/v1/customers', { firstName: 'Luca', lastName: 'Ferrari', email: `luca.${run}@example.org`, tags: ['Local'] });
    expect(other.status).toBe(201);
    await page.evaluate(`location.hash = '#/customers/${luca!.id}'`);
    await page.getByRole('heading', { level: 1, name: 'Luca Ferrari' }).waitFor();
    const dupes = page.getByRole('region', { name: 'Possibly the same person' });
    await dupes.getByRole('link', { name: 'Luca Ferrari' }).waitFor();
    // A history this short moves in one request; the first answer is the one a long history gets (the
    // time of one request ran out: 202, send it again), and the merges after it reach the API.
    const merges: number[] = [];
    let answered202 = false;
    // The merge sent again is held until the test has seen what the console says meanwhile.
    let release = () => {};
    const seen = new Promise<void>((r) => (release = r));
    await page.route('**/v1/customers/*/merge', async (route) => {
      if (answered202) {
        await seen;
        const res = await route.fetch();
        merges.push(res.status());
        await route.fulfill({ response: res });
        return;
      }
      answered202 = true;
      merges.push(202);
      await route.fulfill({
        status: 202,
        headers: { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' },
        body: JSON.stringify({ status: 'moving', customerId: luca!.id, otherId: other.body.id, moved: 49 }),
      });
    });
    await dupes.getByRole('button', { name: 'Merge into this card…' }).click();
    const ask = page.getByRole('alertdialog');
    await ask.getByRole('button', { name: 'Merge', exact: true }).click();
    await ask.getByRole('status').filter({ hasText: 'Cards merged; moving the history: 49 entries so far…' }).waitFor();
    expect(await ask.getByRole('button', { name: 'Merge', exact: true }).isDisabled()).toBe(true);
    release();
    await page.getByRole('status').filter({ hasText: 'Luca Ferrari was merged into this card.' }).waitFor();
    await page.unroute('**/v1/customers/*/merge');
    expect(merges).toEqual([202, 200]);
    await expect.poll(() => page.getByRole('checkbox', { name: 'Local' }).isChecked(), { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    const gone = await fetch(`${suite.api.url}/v1/customers/${other.body.id}`, { headers: { authorization: `Bearer ${suite.api.secretKey}` }, redirect: 'manual' });
    expect(gone.status).toBe(301);
  });

  it('imports a CSV through the dry run: detected layout, editable mapping, progress, counts, undo', async () => {
    await openPage('Import', 'Import');
    await checkPage(page, 'import');
    // An Italian spreadsheet: semicolons, Italian headers, one row without email or phone.
    const csv = ['Nome;Cognome;Email;Telefono;Città;Codice cliente', `Anna;Verdi;${mail('anna')};;Verona;A1`, `Paolo;Neri;${mail('paolo')};;Padova;A2`, 'Nessuno;Contatto;;;Pisa;A3', ''].join('\r\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'ospiti.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });

    await page.getByRole('heading', { name: 'What was detected' }).waitFor();
    expect(await page.locator('[data-detected=encoding]').textContent()).toMatch(/utf-?8/i);
    expect(await page.locator('[data-detected=delimiter]').textContent()).toContain(';');
    expect(await page.getByLabel('Field: Email').inputValue()).toBe('email');
    expect(await page.getByLabel('Field: Città').inputValue()).toBe('city');
    const preview = page.getByRole('group', { name: 'The import would do this' });
    expect(await preview.locator('[data-count=rows]').textContent()).toBe('3');
    expect(await preview.locator('[data-count=created]').textContent()).toBe('2');
    expect(await preview.locator('[data-count=rejected]').textContent()).toBe('1');
    // Nothing was written by the dry run.
    expect(await findByEmail(mail('anna'))).toEqual([]);
    await checkPage(page, 'import-preview');

    // The mapping is editable: the city column is left out of this import.
    await page.getByLabel('Field: Città').selectOption('ignore');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    const result = page.getByRole('group', { name: 'Progress' });
    expect(await page.locator('#import-progress').getAttribute('value')).toBe('3');
    expect(await result.locator('[data-count=created]').textContent()).toBe('2');
    expect(await result.locator('[data-count=rejected]').textContent()).toBe('1');
    await page.getByRole('link', { name: 'Error report (CSV)' }).last().waitFor();
    const [anna] = await findByEmail(mail('anna'));
    expect(anna).toMatchObject({ firstName: 'Anna' });
    expect(anna!.city ?? null).toBeNull();
    await checkPage(page, 'import-done');

    await page.getByRole('button', { name: 'Undo this import…' }).click();
    await page.getByRole('alertdialog').getByText('The customers it created are removed', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Undo now' }).click();
    await page.getByRole('heading', { name: 'Undone' }).waitFor();
    expect(await findByEmail(mail('anna'))).toEqual([]);
  });

  it('saves a segment, exports it and downloads the file', async () => {
    await openPage('Segments', 'Segments');
    await page.getByLabel('Segment name').fill('Newsletter');
    await page.getByLabel('Newsletter consent').selectOption('granted');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('table').getByRole('link', { name: 'Newsletter' }).waitFor();
    await checkPage(page, 'segments');

    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    await expect.poll(() => page.getByLabel('Saved segment').locator('option:checked').textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('Newsletter');
    const [started] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Start export' }).click(),
    ]);
    expect(started.status()).toBe(202);
    const { exportId } = (await started.json()) as { exportId: string };
    // The row of this export, whatever else the list holds.
    const done = page.locator(`tr[data-export="${exportId}"][data-status=completed]`);
    await done.waitFor();
    await checkPage(page, 'exports');
    const [download] = await Promise.all([page.waitForEvent('download'), done.getByRole('button', { name: 'Download' }).click()]);
    const file = await download.path();
    const text = readFileSync(file, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff); // opens in Excel as UTF-8
    expect(text).toContain(mail('maria'));
    expect(text).toContain(mail('giulia'));
    // Sofia denied consent: not in the segment.
    expect(text).not.toContain(mail('sofia'));

    // Two more, one right after the other: the second is followed too (polling stayed on the first).
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [again] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Start export' }).click(),
      ]);
      expect(again.status()).toBe(202);
      ids.push(((await again.json()) as { exportId: string }).exportId);
    }
    for (const id of ids) await page.locator(`tr[data-export="${id}"][data-status=completed]`).waitFor();
  });

  it('waits as long as a 429 says (Retry-After) before polling or loading a list again, says so, and then carries on', async () => {
    // The page's clock is the test's: time moves only when the test moves it, so "not before 30 s" is exact.
    const busy = await suite.browser.newContext({ locale: 'en-GB' });
    const p = await busy.newPage();
    p.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await p.clock.install();
    // The API's own 429 (fair use, test/integration/fair-use.test.ts) at the moment the test needs it: the
    // first progress poll of the export is answered so (Retry-After 300 s); the others reach the API. Long
    // waits, because the page's clock runs in real time until the test pauses it: on a busy machine tens of
    // seconds can pass between the refusal and the pause, and the wait must still be on then.
    const polls: string[] = [];
    let pollRefused = false;
    await p.route(
      (url) => url.pathname.startsWith('/v1/exports/'),
      async (route) => {
        polls.push(route.request().url());
        if (polls.length > 1) return route.continue();
        await route.fulfill({
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '300' },
          body: JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, detail: 'Fair use: try again later' }),
        });
        pollRefused = true;
      },
    );
    // The list of exports, which loads again when one starts: refused once too.
    const lists: string[] = [];
    let armed = false;
    let refusingLists = true;
    await p.route(
      (url) => url.pathname === '/v1/exports',
      async (route) => {
        if (route.request().method() !== 'GET' || !armed) return route.continue();
        lists.push(route.request().url());
        // Every load of the list is refused until the wait is over: loads can race (the export's start and
        // its first progress both reload it), and one answered would leave nothing to load again after it.
        if (!refusingLists) return route.continue();
        await route.fulfill({
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '200' },
          body: JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, detail: 'Fair use: try again later' }),
        });
      },
    );
    await p.goto(suite.api.url);
    await p.getByLabel('API key').fill(suite.api.secretKey);
    await p.getByRole('button', { name: 'Sign in' }).click();
    // Armed only once the page's own first load of the list is answered: the heading shows a frame before
    // that load leaves, and a first load refused (200 s) would hold the export's first poll for 200 s of
    // real time, before the test pauses the clock (seen on a loaded CI machine: the test timed out).
    const firstList = p.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'GET');
    await p.getByRole('navigation').getByRole('link', { name: 'Exports', exact: true }).click();
    await p.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    expect((await firstList).status()).toBe(200);
    armed = true;
    const [started] = await Promise.all([
      p.waitForResponse((r) => new URL(r.url()).pathname === '/v1/exports' && r.request().method() === 'POST'),
      p.getByRole('button', { name: 'Start export' }).click(),
    ]);
    expect(started.status()).toBe(202);
    const { exportId } = (await started.json()) as { exportId: string };
    // Bounded: a promise resolved by the route would wait for ever (up to the test's limit) for a poll that never comes.
    await expect.poll(() => pollRefused, { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    // The list may have asked more than once before the first refusal arrived (each refused); what matters
    // is that nothing asks again while the wait is on.
    await expect.poll(() => lists.length, { timeout: WAIT_TIMEOUT_MS }).toBeGreaterThanOrEqual(1);
    // From here no timer of the page fires unless the test runs the clock (pauseAt moves it a little on, as
    // it cannot move back: 5 s of the 300 s wait).
    await p.clock.pauseAt(((await p.evaluate('Date.now()')) as number) + 5_000);
    const wait = p.getByRole('status').filter({ hasText: 'Too many requests from your business just now (fair use)' });
    await wait.waitFor();
    expect(await wait.textContent()).toMatch(/the console waits \d+ s before asking again, then carries on/);
    const left = Number(await wait.getAttribute('data-wait-until')) - ((await p.evaluate('Date.now()')) as number);
    expect(left).toBeGreaterThan(1_000);
    expect(left).toBeLessThanOrEqual(300_000);
    const [pollsAtWait, listsAtWait] = [polls.length, lists.length];
    expect(pollsAtWait).toBe(1);
    // Up to the last millisecond of the wait no poll (the usual pace is one a second), no list, and the notice stays.
    await p.clock.runFor(left - 1);
    expect(polls).toHaveLength(pollsAtWait);
    expect(lists).toHaveLength(listsAtWait);
    expect(await wait.textContent()).toContain('the console waits 1 s before asking again');
    // The wait over: the notice goes, the poll and the list ask again, and the export finishes as usual. (The
    // clock runs by itself again: a page's effects run on timers too.)
    refusingLists = false;
    await p.clock.runFor(1);
    await p.clock.resume();
    await expect.poll(() => polls.length, { timeout: WAIT_TIMEOUT_MS }).toBeGreaterThan(pollsAtWait);
    await expect.poll(() => lists.length, { timeout: WAIT_TIMEOUT_MS }).toBeGreaterThan(listsAtWait);
    await expect.poll(() => wait.count(), { timeout: WAIT_TIMEOUT_MS }).toBe(0);
    // This export's own row: the list also holds the segment export of the test before, completed long ago.
    await p.locator(`tr[data-export="${exportId}"][data-status=completed]`).waitFor();
    await checkPage(p, 'exports-after-wait');
    await busy.close();
  });

  it('erases a customer after a typed confirmation', async () => {
    await openPage('Customers', 'Customers');
    await searchCustomers('Esposito');
    await page.getByRole('table').getByRole('link', { name: 'Sofia Esposito' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sofia Esposito' }).waitFor();
    const [sofia] = await findByEmail(mail('sofia'));
    await page.getByRole('button', { name: 'Erase this customer…' }).click();
    const erase = page.getByRole('button', { name: 'Erase for good' });
    expect(await erase.isDisabled()).toBe(true);
    await page.getByLabel('Type to confirm').fill(mail('sofia'));
    await checkPage(page, 'erase-confirmation');
    await erase.click();
    await page.getByRole('status').filter({ hasText: 'The customer was erased.' }).waitFor();
    expect((await call('GET', `/v1/customers/${sofia!.id}`)).status).toBe(404);
  });

  it('shows insights after a recompute, with the figures also as tables', async () => {
    // Four guests have bought since Sofia was erased, and RFM groups need five: Chiara's paid dinner (a
    // purchase, with no order lines for the baskets) makes the fifth.
    const chiara = { email: mail('chiara'), firstName: 'Chiara', lastName: 'Neri' };
    // Booked in the morning, paid at 22:00 UTC: the day before, whatever the hour the test runs at.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const booking = { bookingId: `b-chiara-${run}`, date: yesterday, time: '20:00', partySize: 2 };
    const steps = [
      ['booking.created', `${yesterday}T08:00:00Z`, booking],
      ['booking.completed', `${yesterday}T22:00:00Z`, { ...booking, amount: 6400, currency: 'EUR' }],
    ] as const;
    for (const [type, occurredAt, data] of steps) {
      const sent = await call('POST', '/v1/events', { eventId: `${type}-chiara-${run}`, type, occurredAt, customer: chiara, data });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
    await openPage('Insights', 'Insights');
    // Before the first recompute the baskets and words say so, and how to get them.
    await page.getByRole('region', { name: 'Bought together' }).getByText('Nothing computed yet: press “Recompute now” above').waitFor();
    await page.getByRole('region', { name: 'What customers write about' }).getByText('Nothing computed yet').waitFor();
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/insights/recompute') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Recompute now' }).click(),
    ]);
    const { recomputeId } = (await started.json()) as { recomputeId: string };
    const finished = await until(async () => {
      const { body } = await call<{ status: string }>('GET', `/v1/insights/recompute/${recomputeId}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    });
    expect(finished).toMatchObject({ status: 'completed' });
    await page.getByText('As of').waitFor();
    // Every guest who bought something is in an RFM group, as the chart's table says.
    const { body: summary } = await call<{ purchasers: number }>('GET', '/v1/insights/summary');
    expect(summary.purchasers).toBeGreaterThan(0);
    const rfm = page.getByRole('figure').filter({ hasText: 'RFM groups' });
    await rfm.getByText('The figures as a table').click();
    const cells = await rfm.getByRole('table').locator('tbody td').allTextContents();
    expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(summary.purchasers);
    await page.getByRole('heading', { name: 'Forecast' }).waitFor();
    await checkPage(page, 'insights');
  });

  it('shows what sells together, what customers write about, and a suggestion on the card', async () => {
    // The recompute of the previous test counted the orders and the texts.
    const together = page.getByRole('region', { name: 'Bought together' });
    const pairs = together.getByRole('table', { name: 'The strongest pairs' });
    const wineAfterMenu = pairs.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Menu degustazione (MENU-DEG)' }) }).filter({ hasText: 'Abbinamento vini (WINE-PAIR)' });
    await wineAfterMenu.waitFor();
    // The counts behind the figures: 2 of Luca's, Maria's and Giulia's 3 menu orders had the wine (Sofia was erased).
    expect(await wineAfterMenu.getByRole('cell').allTextContents()).toEqual(['Abbinamento vini (WINE-PAIR)', '2 / 3', '66.7%', '1.33', '50%']);
    expect(await together.locator('[data-counts=rules]').textContent()).toBe('From 4 orders of 4 customers.');

    await together.getByLabel('Also bought with (item code)').fill('WINE-PAIR');
    await together.getByRole('button', { name: 'Show' }).click();
    const also = together.getByRole('table', { name: 'Also bought with (item code): WINE-PAIR' });
    await also.getByRole('cell', { name: 'Menu degustazione (MENU-DEG)' }).waitFor();
    await together.getByLabel('Also bought with (item code)').fill('NOPE');
    await together.getByRole('button', { name: 'Show' }).click();
    await together.getByText('Nothing is bought together with NOPE often enough yet').waitFor();

    const words = page.getByRole('region', { name: 'What customers write about' });
    const keywords = words.getByRole('table', { name: 'What customers write about' });
    const glutine = keywords.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'senza glutine', exact: true }) });
    await glutine.waitFor();
    // 3 texts this period, none before, 3 writers.
    expect(await glutine.getByRole('cell').allTextContents()).toEqual(['3', '0', '×4', '3']);
    await words.getByRole('figure').filter({ hasText: 'Mentions this period' }).waitFor();
    // English texts only: none was written, and the page says so in words.
    await words.getByLabel('Language of the texts').selectOption('en');
    await words.getByText('Not enough written yet in this period').waitFor();
    await words.getByLabel('Language of the texts').selectOption('');
    await glutine.waitFor();
    await checkPage(page, 'insights-baskets');

    await openPage('Customers', 'Customers');
    await searchCustomers('Ferrari');
    await page.getByRole('table').getByRole('link', { name: 'Luca Ferrari' }).click();
    await page.getByRole('heading', { level: 1, name: 'Luca Ferrari' }).waitFor();
    const suggestions = page.getByRole('region', { name: 'Suggestions' });
    await suggestions.getByRole('listitem').filter({ hasText: 'Abbinamento vini (WINE-PAIR)' }).filter({ hasText: 'because they bought Menu degustazione (MENU-DEG)' }).waitFor();
    // His favourites: what he bought, by quantity.
    await suggestions.getByRole('listitem').filter({ hasText: 'Menu degustazione (MENU-DEG) — 2' }).waitFor();
    await checkPage(page, 'card-suggestions');
  });

  it("keeps a stranger's long, unbroken text inside the page: the card and the list do not widen", async () => {
    const email = mail('lunghissimo');
    const sent = await call('POST', '/v1/events', {
      eventId: `long-${run}`,
      type: 'message.received',
      occurredAt: new Date().toISOString(),
      customer: { email, firstName: 'N'.repeat(100), lastName: 'Lungo' },
      data: { text: 'M'.repeat(3000), channel: 'email', [`k${'e'.repeat(90)}`]: 'V'.repeat(2000) },
    });
    expect(sent.status).toBe(200);
    const width = () => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      // By the address (on a phone the menu is folded): the list searched for the one guest.
      await page.evaluate(`location.hash = '#/customers?q=Lungo'`);
      const row = page.getByRole('table').getByRole('link', { name: `${'N'.repeat(100)} Lungo` });
      await row.waitFor();
      expect(await width()).toBeLessThanOrEqual(viewport.width);
      await row.click();
      await page.getByText('M'.repeat(50), { exact: false }).first().waitFor();
      expect(await width()).toBeLessThanOrEqual(viewport.width);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows settings and keys', async () => {
    await openPage('Settings', 'Settings');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByRole('cell', { name: 'publishable' }).first().waitFor();
    await checkPage(page, 'settings');
  });

  it("shows amounts in the business's currency", async () => {
    expect((await call('PATCH', '/v1/settings', { currency: 'USD' })).status).toBe(200);
    try {
      await page.reload();
      await page.evaluate(`location.hash = '#/customers?q=Rossi'`);
      await page.getByRole('table').getByRole('link', { name: 'Maria Rossi' }).waitFor();
      await expect.poll(() => page.getByRole('table').textContent(), { timeout: WAIT_TIMEOUT_MS }).toContain('US$147.00');
    } finally {
      expect((await call('PATCH', '/v1/settings', { currency: 'EUR' })).status).toBe(200);
      await page.reload();
    }
    await expect.poll(() => page.getByRole('table').textContent(), { timeout: WAIT_TIMEOUT_MS }).toContain('€147.00');
  });

  it('speaks Italian when asked, and remembers it', async () => {
    await page.getByRole('combobox', { name: 'Language' }).selectOption('it');
    await openPage('Clienti', 'Clienti');
    await page.getByLabel('Cerca', { exact: true }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('it');
    await checkPage(page, 'customers-it');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Clienti' }).waitFor();
  });

  it('works on a phone: the menu folds, the table reads as cards', async () => {
    const phone = await suite.browser.newContext({ locale: 'it-IT', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    p.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await p.goto(`${suite.api.url}/#key=${suite.api.secretKey}`);
    await p.getByRole('button', { name: 'Accedi a «Demo»' }).click();
    await p.getByRole('table').getByRole('link', { name: 'Maria Rossi' }).waitFor();
    // Italian by default: the phone's language.
    await p.getByRole('heading', { level: 1, name: 'Clienti' }).waitFor();
    expect(await p.getByRole('navigation').isVisible()).toBe(false);
    await p.getByRole('button', { name: 'Menu' }).click();
    await p.getByRole('navigation').getByRole('link', { name: 'Importa' }).waitFor();
    await p.getByRole('button', { name: 'Menu' }).click();
    await checkPage(p, 'customers-phone');
    await phone.close();
  });
});
