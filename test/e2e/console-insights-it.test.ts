import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { E2E_TIMEOUT_MS, WAIT_TIMEOUT_MS, until } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, signedInContext as signedIn, consoleSuite } from '../support/console-browser.ts';
import { warnIfNoChromium } from '../support/chromium.ts';

/**
 * What a restaurant owner reviewing the console in Italian found on the insights, baskets, settings and import
 * pages, as they see it (headless Chromium against `npm start`, as test/e2e/console-pages.test.ts): the
 * expected revenue a bare dash, the models' reasons in English, months as "2026-01", orders mixed into the
 * customers' chart and bookings and no-shows not shown, English breakdown buckets and key kinds, unexplained
 * "Lift", "SKU" and "RFM", "3259,00 €" ungrouped, the import's columns out of the file's order, its new tags
 * not previewed, and an upload never made left "waiting to start" under its id.
 */
warnIfNoChromium(import.meta.url);

const DAY = 86_400_000;

/**
 * 22 guests, each the days ago of their orders (first visit first): six came back, so the purchase model
 * (BG/NBD) fits, but fewer than 10 came back and paid, so the spend model does not (checked in
 * test/unit/console-insights-words.test.ts against the same figures).
 */
const VISITS = [[169, 152], [164], [228], [103], [202], [311, 298, 278], [276], [259, 255, 243, 239, 227], [102], [310], [153], [231], [232, 210], [267, 257], [302, 299], [148], [282], [89], [220], [167], [69], [155]];
const GENDERS = ['female', 'male', undefined] as const;
const MENU = { sku: 'MENU-DEG', name: 'Menu degustazione', quantity: 1, unitPrice: 3000 };
const WINE = { sku: 'WINE-PAIR', name: 'Abbinamento vini', quantity: 1, unitPrice: 1000 };

describe.skipIf(!hasChromium)(`the console in Italian: insights, settings and import${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-insights-it');
  const { run, pageErrors, mail, call, checkPage } = suite;
  let context: BrowserContext;
  let page: Page;


  async function openPage(label: string, heading: string, p = page) {
    await p.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
    await p.getByRole('heading', { level: 1, name: heading }).waitFor();
  }
  /** A chart's figures as its table shows them: the header row, then one row of cells per label. */
  async function chartTable(title: string): Promise<string[][]> {
    const figure = page.getByRole('figure').filter({ has: page.locator('figcaption', { hasText: new RegExp(`^${title}$`) }) });
    const details = figure.locator('details');
    if (!(await details.evaluate((d) => (d as { open: boolean }).open))) await figure.getByText('I numeri in tabella').click();
    // The table in `details` (uPlot's legend is a table too).
    const rows = figure.locator('details table').getByRole('row');
    return Promise.all((await rows.all()).map((r: Locator) => r.locator('th, td').allTextContents()));
  }

  /** A browser tab signed in with the instance's key, in Italian (the browser's language). */
  const signedInContext = (options: Parameters<Browser['newContext']>[0]) => signedIn(suite.browser, suite.api, pageErrors, { locale: 'it-IT', ...options });

  beforeAll(async () => {
    // Noon UTC some days ago: each order on its own calendar day whatever the hour the test runs at.
    const today = new Date();
    const daysAgo = (n: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12) - n * DAY).toISOString();
    for (const [i, visits] of VISITS.entries()) {
      const email = mail(`ospite${i}`);
      const gender = GENDERS[i % 3];
      // Guest 0 is the one VIP, and spent 3.299,00 € (a first dinner for a party of 3.259 €).
      const card = { firstName: `Ospite${i}`, lastName: 'Analisi', email, ...(gender ? { gender } : {}), ...(i === 0 ? { tags: ['VIP'] } : {}) };
      expect((await call('POST', '/v1/customers', card)).status).toBe(201);
      for (const [v, ago] of visits.entries()) {
        const total = i === 0 && v === 0 ? 325_900 : 4000;
        // The first four guests' 40 € orders are the tasting menu with its wine: a pair the baskets show.
        const items = total !== 4000 ? [{ sku: 'CENA-GRUPPO', name: 'Cena di gruppo', quantity: 1, unitPrice: total }] : i < 4 ? [MENU, WINE] : [{ sku: 'PIZZA', name: 'Pizza e bibita', quantity: 1, unitPrice: total }];
        const order = await call('POST', '/v1/events', {
          eventId: `order-${i}-${v}-${run}`,
          type: 'order.completed',
          occurredAt: daysAgo(ago),
          customer: { email },
          data: { orderId: `o-${i}-${v}-${run}`, currency: 'EUR', total, items },
        });
        expect(order.status, JSON.stringify(order.body)).toBe(200);
      }
    }
    // A guest who never bought: no RFM group. Her January table: booked, and she did not come.
    expect((await call('POST', '/v1/customers', { firstName: 'Nadia', lastName: 'Senzaordini', email: mail('nadia') })).status).toBe(201);
    const booking = { bookingId: `b-nadia-${run}`, date: '2026-01-20', time: '20:00', partySize: 2 };
    for (const type of ['booking.created', 'booking.no_show']) {
      const sent = await call('POST', '/v1/events', { eventId: `${type}-nadia-${run}`, type, occurredAt: daysAgo(type === 'booking.created' ? 320 : 314), customer: { email: mail('nadia') }, data: booking });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
    context = await signedInContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/insights`);
    await page.getByRole('heading', { level: 1, name: 'Analisi' }).waitFor();
  }, E2E_TIMEOUT_MS);


  it('insights before any recompute: the forecast says why in Italian', async () => {
    await page.getByText('Nessuna previsione per ora: Non è ancora stato fatto nessun ricalcolo.').waitFor();
  });

  it('insights: expected purchases with no expected revenue say why, in Italian; months read "gen 2026"; bookings and no-shows have their own named series', async () => {
    const { body: started } = await call<{ recomputeId: string }>('POST', '/v1/insights/recompute', {});
    const finished = await until(async () => {
      const { body } = await call<{ status: string }>('GET', `/v1/insights/recompute/${started.recomputeId}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    });
    expect(finished).toMatchObject({ status: 'completed' });
    await openPage('Clienti', 'Clienti');
    await openPage('Analisi', 'Analisi');

    const forecast = page.getByRole('region', { name: 'Previsione' });
    await forecast.getByText('Acquisti attesi').waitFor();
    const why = forecast.locator('[data-forecast=revenue-reason]');
    await expect.poll(() => why.textContent(), { timeout: WAIT_TIMEOUT_MS }).toBe('Nessun incasso atteso: l’incasso atteso richiede almeno 10 clienti tornati che hanno pagato; finora: 6.');
    expect(await forecast.textContent()).not.toMatch(/spend|customers/);

    // Months in words; the customers' chart counts customers, orders and bookings have a chart of their own.
    const customers = await chartTable('Mese per mese: Clienti');
    expect(customers[0]).toEqual(['Mese per mese: Clienti', 'Nuovi clienti', 'Clienti tornati']);
    const visits = await chartTable('Mese per mese: ordini e prenotazioni');
    expect(visits[0]).toEqual(['Mese per mese: ordini e prenotazioni', 'Ordini', 'Prenotazioni', 'Mancate presentazioni']);
    const january = visits.find((r) => r[0] === 'gen 2026');
    expect(january?.slice(2)).toEqual(['1', '1']);
    expect(visits.flat().some((c) => /^\d{4}-\d{2}$/.test(c))).toBe(false);
    // Money grouped also at four digits (it-IT leaves "3259,00 €" ungrouped by default): the month of the 3.259 € dinner.
    const amounts = (await chartTable('Mese per mese: Incasso')).flatMap((r) => r.slice(1));
    expect(amounts.filter((a) => /^\d\.\d{3},\d{2}\u00a0€$/.test(a))).toHaveLength(1);
    expect(amounts.filter((a) => /^\d{4}/.test(a))).toEqual([]);
    await page.getByText('Gruppi RFM: i clienti divisi secondo quanto di recente (R)').waitFor();
    await checkPage(page, 'insights-it');
  });

  it('insights: breakdown buckets and genders in Italian, money always grouped', async () => {
    const by = page.getByLabel('Per', { exact: true });
    await by.selectOption('gender');
    await expect.poll(async () => (await chartTable('Suddivisione: Genere')).slice(1).map((r) => r[0]).sort(), { timeout: WAIT_TIMEOUT_MS }).toEqual(['Donna', 'Non indicato', 'Uomo']);
    await by.selectOption('tag');
    await expect.poll(async () => (await chartTable('Suddivisione: Etichetta')).slice(1).map((r) => r[0]).sort(), { timeout: WAIT_TIMEOUT_MS }).toEqual(['Nessuna etichetta', 'VIP']);
    const vip = (await chartTable('Suddivisione: Etichetta')).find((r) => r[0] === 'VIP');
    expect(vip?.[1]).toBe('3.299,00\u00a0€');
    await by.selectOption('rfmGroup');
    await expect.poll(async () => (await chartTable('Suddivisione: Gruppo RFM')).slice(1).map((r) => r[0]), { timeout: WAIT_TIMEOUT_MS }).toContain('Nessun acquisto ancora');
    expect((await chartTable('Suddivisione: Gruppo RFM')).flat()).not.toContain('none');
  });

  it('baskets: "Affidabilità", and lift and SKU explained in plain words', async () => {
    const together = page.getByRole('region', { name: 'Comprati insieme' });
    const pairs = together.getByRole('table', { name: 'Le coppie più forti' });
    await pairs.waitFor();
    expect(await pairs.getByRole('columnheader').allTextContents()).toEqual(expect.arrayContaining(['Affidabilità', 'Quanto più spesso (lift)']));
    await together.getByText('Affidabilità: su 100 ordini con il primo articolo, quanti avevano anche il secondo.').waitFor();
    await together.getByText('Quanto più spesso (lift): quante volte più spesso del caso').waitFor();
    await together.getByText('Codice articolo (SKU): il codice che la cassa o il negozio online dà all’articolo').waitFor();
    expect(await together.textContent()).not.toContain('Confidenza');
  });

  it('settings: key kinds and scopes in Italian, each with one line on what it may do', async () => {
    await openPage('Impostazioni', 'Impostazioni');
    const kind = page.getByLabel('Tipo', { exact: true });
    expect(await kind.locator('option').allTextContents()).toEqual(['Segreta (sk_…)', 'Pubblicabile (pk_…)']);
    const scope = page.getByLabel('Ambito', { exact: true });
    expect(await scope.locator('option').allTextContents()).toEqual(['Tutto', 'Solo lettura', 'Solo eventi']);
    await page.getByText('Segreta: per i tuoi sistemi').waitFor();
    await page.getByText('Tutto: legge e modifica tutto, come questa console.').waitFor();
    await scope.selectOption('read');
    await page.getByText('Solo lettura: legge clienti, segmenti e analisi; non cambia nulla.').waitFor();
    await scope.selectOption('events');
    await page.getByText('Solo eventi: invia prenotazioni, ordini e messaggi').waitFor();
    await kind.selectOption('publishable');
    await page.getByText('Pubblicabile: per i moduli del tuo sito; può solo inviare eventi').waitFor();
    // The instance's own keys in the table: a secret key with every scope and a publishable one.
    const table = page.getByRole('table', { name: 'Chiavi API' });
    await table.getByRole('cell', { name: 'Segreta (sk_…)', exact: true }).first().waitFor();
    await table.getByRole('cell', { name: 'Pubblicabile (pk_…)', exact: true }).first().waitFor();
    const cells = await table.getByRole('cell').allTextContents();
    expect(cells).toContain('Tutto');
    expect(cells.filter((c) => ['secret', 'publishable', 'all', 'read', 'events'].includes(c))).toEqual([]);
    await checkPage(page, 'settings-it');
  });

  it('import: the columns in the file’s order, and the new tags the import would create', async () => {
    await openPage('Importa', 'Importa');
    const header = ['nome', 'cognome', 'email', 'telefono', 'lingua', 'newsletter', 'tag'];
    const csv = [header.join(';'), `Giulia;Rossi;${mail('giulia')};;it;sì;Regolare`, `Piero;Neri;${mail('piero')};;it;no;Fedele|VIP`, ''].join('\r\n');
    await page.getByLabel('File CSV').setInputFiles({ name: `clienti-${run}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByRole('heading', { name: 'Cosa è stato rilevato' }).waitFor();
    const mapping = page.getByRole('table', { name: 'Corrispondenza delle colonne' });
    expect(await mapping.getByRole('rowheader').allTextContents()).toEqual(header);
    // "Regolare" is the default "Regular" (no new tag); "Fedele" is new.
    const fresh = page.getByRole('list', { name: 'Nuove etichette che questa importazione creerà' });
    await fresh.waitFor();
    expect(await fresh.getByRole('listitem').allTextContents()).toEqual(['Fedele']);
    await checkPage(page, 'import-preview-it');
  });

  it('import: an upload asked for and never made is "waiting for the file", then plainly not started, never the id as file name', async () => {
    const { body: created } = await call<{ importId: string }>('POST', '/v1/imports', { dryRun: false });
    await openPage('Clienti', 'Clienti');
    await openPage('Importa', 'Importa');
    const recent = page.getByRole('region', { name: 'Importazioni recenti' });
    const row = recent.getByRole('row').filter({ hasText: '(senza nome)' });
    await row.getByRole('cell', { name: 'In attesa del file', exact: true }).waitFor();
    expect(await recent.textContent()).not.toContain(created.importId);

    // Two hours on (the browser's clock): the upload link has expired, and no file came.
    const later = await signedInContext({ viewport: { width: 1280, height: 800 } });
    try {
      await later.clock.setFixedTime(new Date(Date.now() + 2 * 3600_000));
      const p = await later.newPage();
      p.setDefaultTimeout(WAIT_TIMEOUT_MS);
      await p.goto(`${suite.api.url}/#/import`);
      const r = p.getByRole('region', { name: 'Importazioni recenti' }).getByRole('row').filter({ hasText: '(senza nome)' });
      await r.getByRole('cell', { name: 'Non avviata: nessun file è stato caricato prima che scadesse il link per caricarlo', exact: true }).waitFor();
      expect(await r.textContent()).not.toContain('In attesa');
    } finally {
      await later.close();
    }
  });
});
