import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, signedInContext, consoleSuite } from '../support/console-browser.ts';

/**
 * The console on a phone and with a keyboard or a screen reader only (report-ra11y; headless Chromium against
 * `npm start`): a long tag widened every card; ticking a tag, saving, choosing "Import" or following a link left
 * the focus on <body>; questions before an undoable action were silent, kept no focus and ignored Escape; a
 * search's result, the import preview and "Saved" were never said; a refused save named its field by code; the
 * focus ring had 2.4:1 contrast; checkboxes were 13 px; every export's button was just "Download"; phone cells
 * read their column's name twice; nothing on the card said where a new tag is added.
 */
if (!hasChromium) console.warn(`test/e2e/console-a11y.test.ts skipped: ${CHROMIUM} is absent (install it: apt-get install -y chromium)`);

describe.skipIf(!hasChromium)(`the console with a keyboard, a screen reader and a phone${hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  const suite = consoleSuite('console-a11y');
  const { pageErrors, mail, call, checkPage, run } = suite;
  const contexts: BrowserContext[] = [];

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  /** A signed-in tab on the customer list: a phone (375 px, touch) unless `width` says otherwise. */
  async function open(locale: 'en-US' | 'it-IT' = 'en-US', width = 375): Promise<Page> {
    const phone = width < 768;
    const context = await signedInContext(suite.browser, suite.api, pageErrors, { locale, viewport: { width, height: phone ? 812 : 900 }, isMobile: phone, hasTouch: phone });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/customers`);
    await page.getByRole('heading', { level: 1, name: locale === 'it-IT' ? 'Clienti' : 'Customers' }).waitFor();
    return page;
  }
  async function customer(firstName: string, lastName: string, who: string, more: Record<string, unknown> = {}): Promise<string> {
    const made = await call<{ id: string }>('POST', '/v1/customers', { firstName, lastName, email: mail(who), ...more });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body.id;
  }
  async function openCard(page: Page, id: string, name: string) {
    await page.evaluate(`location.hash = '#/customers/${id}'`);
    await page.getByRole('heading', { level: 1, name }).waitFor();
  }
  /** What has the focus: tag, and its accessible text (name, label or text). */
  const focused = (page: Page) =>
    page.evaluate(`(() => { const a = document.activeElement; if (!a || a === document.body) return 'BODY'; return a.tagName + ' ' + (a.getAttribute('aria-label') || (a.labels && a.labels[0] && a.labels[0].textContent) || a.textContent || '').trim(); })()`) as Promise<string>;
  const settled = (page: Page, want: RegExp | string) => expect.poll(() => focused(page), { timeout: WAIT_TIMEOUT_MS }).toMatch(want);

  it('a tag that is one long word wraps on the card: a phone never scrolls sideways', async () => {
    const long = `Cliente_storico_dal_millenovecento_${run}`.slice(0, 47).padEnd(47, 'x');
    expect((await call('POST', '/v1/tags', { name: long })).status).toBeLessThan(300);
    const id = await customer('Lunga', 'Etichetta', 'long-tag', { tags: [long] });
    const page = await open('it-IT');
    await openCard(page, id, 'Lunga Etichetta');
    await page.getByRole('group', { name: 'Etichette' }).getByText(long).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await checkPage(page, 'card-long-tag-375');
    expect((await call('DELETE', `/v1/tags/${encodeURIComponent(long)}`)).status).toBeLessThan(300);
  });

  it('ticking a tag and saving keep the focus on the control used, and say what happened', async () => {
    const tag = `Celiaco${run}`;
    expect((await call('POST', '/v1/tags', { name: tag })).status).toBeLessThan(300);
    const id = await customer('Tina', 'Tasti', 'tina');
    const page = await open();
    await openCard(page, id, 'Tina Tasti');
    const box = page.getByRole('checkbox', { name: tag });
    await box.focus();
    await page.keyboard.press('Space');
    await page.getByRole('status').filter({ hasText: `“${tag}” added` }).waitFor();
    await expect.poll(() => box.isChecked(), { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    expect(await focused(page)).toBe(`INPUT ${tag}`);
    expect((await call<{ tags: string[] }>('GET', `/v1/customers/${id}`)).body.tags).toEqual([tag]);

    await page.getByLabel('City', { exact: true }).fill('Torino');
    const save = page.getByRole('button', { name: 'Save', exact: true });
    await save.focus();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('BUTTON Save');
    await page.getByRole('status').filter({ hasText: /^Saved$/ }).waitFor();
    expect(await focused(page)).toBe('BUTTON Save');
    // The card says where a tag that is not there yet is added.
    await page.getByRole('group', { name: 'Tags' }).getByRole('link', { name: /tag catalogue in Settings/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  });

  it('a refused key at sign-in keeps the focus on Sign in', async () => {
    const context = await suite.browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    context.on('weberror', (e) => pageErrors.push(e.error().stack ?? e.error().message));
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    await page.goto(`${suite.api.url}/#/customers`);
    await page.getByLabel('API key').fill(`sk_wrong${run}`);
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'This key was not accepted' }).waitFor();
    expect(await focused(page)).toBe('BUTTON Sign in');
  });

  it('a question before revoking a key or erasing a card is a modal dialog: focused, Tab stays in, Escape closes, focus goes back', async () => {
    const made = await call<{ key: string }>('POST', '/v1/keys', { kind: 'secret', scope: 'read' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const keys = await call<{ items: { prefix: string }[] }>('GET', '/v1/keys');
    const prefix = keys.body.items.find((k) => made.body.key.startsWith(k.prefix))!.prefix;
    const page = await open();
    await page.evaluate(`location.hash = '#/settings'`);
    const revoke = page.getByRole('button', { name: `Revoke ${prefix}…` });
    await revoke.focus();
    await page.keyboard.press('Enter');
    const ask = page.getByRole('alertdialog');
    await ask.waitFor();
    expect(await page.evaluate('document.activeElement?.getAttribute("role")')).toBe('alertdialog');
    expect(await page.evaluate('document.querySelector("[role=alertdialog]").matches(":modal")')).toBe(true);
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate('!!document.activeElement?.closest("[role=alertdialog]")'), `Tab ${i + 1} stays in the question`).toBe(true);
    }
    await checkPage(page, 'settings-revoke-question-375');
    await page.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    await settled(page, `BUTTON Revoke ${prefix}…`);

    const id = await customer('Ernesto', 'Esci', 'ernesto');
    await openCard(page, id, 'Ernesto Esci');
    const erase = page.getByRole('button', { name: 'Erase this customer…' });
    await erase.focus();
    await page.keyboard.press('Enter');
    await ask.waitFor();
    await page.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    await settled(page, 'BUTTON Erase this customer…');
  });

  it('a search says how many customers it found, or that it found none', async () => {
    await customer('Sara', 'Cercata', 'sara', { phone: '+39 333 129 5073' });
    const page = await open('it-IT');
    await page.getByLabel('Cerca', { exact: true }).fill('+39 333 129 5073');
    await page.getByRole('status').filter({ hasText: /^1 cliente trovato$/ }).waitFor();
    await page.getByLabel('Cerca', { exact: true }).fill(`zzzz${run}`);
    await page.getByRole('status').filter({ hasText: /^Nessun cliente in questa pagina\.$/ }).waitFor();
    expect(await focused(page)).toBe('INPUT Cerca');
  });

  it('import: the preview is said and takes the focus; "Import" moves it to the progress, never to <body>', async () => {
    const page = await open();
    await page.evaluate(`location.hash = '#/import'`);
    await page.getByRole('heading', { level: 1, name: 'Import' }).waitFor();
    const csv = ['Nome;Cognome;Email', `Ida;Import;${mail('ida')}`, `Ivo;Import;${mail('ivo')}`, ''].join('\r\n');
    // The file chosen as a person does: from the focused file field.
    await page.getByLabel('CSV file').focus();
    await page.getByLabel('CSV file').setInputFiles({ name: `a11y-${run}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByRole('status').filter({ hasText: /^Preview ready\. The import would do this: Rows 2, Created 2/ }).waitFor();
    await settled(page, `H2 Preview (dry run): a11y-${run}.csv`);
    const start = page.getByRole('button', { name: 'Import', exact: true });
    await start.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    await settled(page, 'H2 Done');
    await page.getByRole('status').filter({ hasText: /^Done$/ }).waitFor();
  });

  it('another page or card moves the focus to its heading; a card names its person in the title; the next page starts at its top', async () => {
    const id = await customer('Paola', 'Titolo', 'paola');
    const page = await open();
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'Import', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Import' }).waitFor();
    await settled(page, 'H1 Import');
    expect(await page.title()).toBe('Import · clientela');

    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'Customers', exact: true }).click();
    await page.getByLabel('Search', { exact: true }).fill(mail('paola'));
    // The search's own answer first: the full list can show her row before it, and that list's link is
    // replaced (focus and all) when the answer comes.
    await page.getByRole('status').filter({ hasText: /^1 customer found$/ }).waitFor();
    const link = page.getByRole('link', { name: 'Paola Titolo' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Paola Titolo' }).waitFor();
    await settled(page, 'H1 Paola Titolo');
    expect(await page.title()).toBe('Paola Titolo · clientela');
    expect(id).toBeTruthy();

    // A list longer than a page: the next page starts at the top, its heading focused.
    expect((await call('POST', '/v1/tags', { name: `pg${run}` })).status).toBeLessThan(300);
    for (let i = 0; i < 26; i++) await customer('Pagina', `P${i}`, `page-${i}`, { tags: [`pg${run}`] });
    await page.evaluate(`location.hash = '#/customers?anyTags=pg${run}'`);
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    const next = page.getByRole('button', { name: 'Next page' });
    await expect.poll(() => next.isEnabled(), { timeout: WAIT_TIMEOUT_MS }).toBe(true);
    await next.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: /^1 customer found$/ }).waitFor();
    await settled(page, 'H1 Customers');
    expect(await page.evaluate('scrollY')).toBe(0);
  });

  it('a refused save names the field by its Italian label, marks it invalid and focuses it', async () => {
    const id = await customer('Bruno', 'Nascita', 'bruno');
    const page = await open('it-IT');
    await openCard(page, id, 'Bruno Nascita');
    const birth = page.getByLabel('Data di nascita', { exact: true });
    await birth.fill('2030-01-01');
    await page.getByRole('button', { name: 'Salva', exact: true }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'Data di nascita:' });
    await refused.waitFor();
    expect(await refused.textContent()).not.toContain('birthDate');
    expect(await birth.getAttribute('aria-invalid')).toBe('true');
    expect(await birth.getAttribute('aria-describedby')).toBe(await refused.getAttribute('id'));
    await settled(page, 'INPUT Data di nascita');
    await checkPage(page, 'card-refused-birth-date-it');
  });

  it('the focus ring has at least 3:1 contrast against what is around it, on white and on panels', async () => {
    const page = await open('en-US', 1280);
    await page.evaluate(`location.hash = '#/settings'`);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    // The ring's colour against the colour it stands on (the nearest background that is not transparent).
    const contrastOf = `(() => {
      const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 4).map(Number);
      const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      const a = document.activeElement;
      let bg = null; for (let el = a.parentElement; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length < 4 || c[3] > 0) { bg = c; break; } }
      bg = bg || [255, 255, 255];
      const ring = rgb(getComputedStyle(a).outlineColor);
      const [l1, l2] = [lum(ring), lum(bg)].sort((x, y) => y - x);
      return Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100;
    })()`;
    // In a panel (the settings form), and on the page's white (the language switch's neighbour: the search box).
    await page.locator('form.panel input').first().focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(contrastOf)).toBeGreaterThanOrEqual(3);
    await page.evaluate(`location.hash = '#/customers'`);
    await page.getByLabel('Search', { exact: true }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(contrastOf)).toBeGreaterThanOrEqual(3);
  });

  it('checkboxes are at least 24 px; each export button has a name of its own', async () => {
    const a = await call<{ exportId: string }>('POST', '/v1/exports', { filter: {}, format: 'csv' });
    const b = await call<{ exportId: string }>('POST', '/v1/exports', { filter: {}, format: 'jsonl' });
    expect([a.status, b.status]).toEqual([202, 202]);
    for (const x of [a, b]) {
      await expect
        .poll(async () => (await call<{ status: string; reason?: string }>('GET', `/v1/exports/${x.body.exportId}`)).body, { timeout: WAIT_TIMEOUT_MS, interval: 1000 })
        .toMatchObject({ status: expect.stringMatching(/^(completed|failed)$/) });
      expect((await call<{ status: string }>('GET', `/v1/exports/${x.body.exportId}`)).body.status).toBe('completed');
    }
    const page = await open('en-US', 1280);
    await page.evaluate(`location.hash = '#/exports'`);
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    const box = await page.getByRole('checkbox', { name: /For marketing/ }).boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(24);
    expect(box!.height).toBeGreaterThanOrEqual(24);
    for (const x of [a, b]) await page.locator(`tr[data-export="${x.body.exportId}"][data-status=completed]`).waitFor();
    const names = await page.getByRole('button', { name: /^Download/ }).evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent));
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(names.every((n) => n!.startsWith('Download export of '))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`tr[data-export="${a.body.exportId}"]`).getByRole('button', { name: /^Download/ }).click()]);
    expect(readFileSync(await download.path(), 'utf8').length).toBeGreaterThan(0);
    await checkPage(page, 'exports-named-downloads');
  });

  it('on a phone a cell says its column name once (the table says it), not again in its own name', async () => {
    await customer('Carla', 'Cella', 'carla', { phone: '+39 333 555 0101' });
    const page = await open();
    await page.getByLabel('Search', { exact: true }).fill(mail('carla'));
    await page.getByRole('link', { name: 'Carla Cella' }).waitFor();
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string } }[] };
    const cells = nodes.filter((n) => n.role?.value === 'cell').map((n) => n.name?.value ?? '');
    expect(cells).toContain('Carla Cella');
    expect(cells).toContain('+393335550101');
    expect(cells.filter((n) => /^(Name|Phone|Email) /.test(n))).toEqual([]);
  });
});
