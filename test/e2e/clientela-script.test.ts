import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import { WAIT_TIMEOUT_MS } from '../support/timeouts.ts';
import { CHROMIUM, hasChromium, warnIfNoChromium } from '../support/chromium.ts';

/**
 * web/clientela.js in headless Chromium against a stand-in API (playwright routes, no `npm start`): what a
 * visitor reads and what the script sends, for the cases of report-rweb findings 2-7. The page and the API
 * share one made-up origin, so the answers are the test's to choose (a lost answer, a 429, a 400).
 */
const SCRIPT = readFileSync(resolve(import.meta.dirname, '../../web/clientela.js'), 'utf8');
const ORIGIN = 'http://site.clientela.test';
const PK = 'pk_testtesttesttest';
warnIfNoChromium(import.meta.url);

/** The little of the DOM the test touches in the page (the test project has no DOM types). */
interface DomElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  remove(): void;
}
type Doc = { document: { querySelector(selector: string): DomElement | null } };

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'lost' | 'unreachable';

function pageHtml(lang: string, forms: string, endpoint = ORIGIN): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>t</title></head><body>${forms}
<script src="/clientela.js"></script><script>Clientela.init({ endpoint: ${JSON.stringify(endpoint)}, key: ${JSON.stringify(PK)} });</script></body></html>`;
}

const CONTACT = `<form id="contact" data-clientela="contact">
  <input name="firstName"><input name="email"><input name="phone"><input name="website" type="url">
  <textarea name="message"></textarea><label><input name="consent" type="checkbox"> newsletter</label>
  <button type="submit">Send</button></form>`;
const NEWSLETTER = `<form id="newsletter" data-clientela="newsletter"><input name="email"><button type="submit">Go</button></form>`;

describe.skipIf(!hasChromium)('clientela.js: what the visitor reads and what is sent', () => {
  let browser: Browser;
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A page whose POSTs are collected and answered, in order, by `answers` (202 once they run out). */
  async function open(html: string, answers: Answer[] = []) {
    const page: Page = await browser.newPage();
    page.setDefaultTimeout(WAIT_TIMEOUT_MS);
    const posts: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any -- the events as sent
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.route(`${ORIGIN}/**`, async (route: Route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/') return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      if (url.pathname === '/clientela.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: SCRIPT });
      if (url.pathname.endsWith('/v1/events') && route.request().method() === 'POST') {
        posts.push(JSON.parse(route.request().postData() ?? '{}'));
        const answer = answers.shift() ?? { status: 202, body: { accepted: true } };
        // Lost: clientela got the event, the answer never came back (a flaky mobile network).
        if (answer === 'lost') return route.abort('connectionreset');
        if (answer === 'unreachable') return route.abort('connectionrefused');
        return route.fulfill({ status: answer.status, contentType: answer.status < 300 ? 'application/json' : 'application/problem+json', headers: answer.headers, body: JSON.stringify(answer.body ?? {}) });
      }
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/`);
    const message = async (form: string) => {
      await page.waitForSelector(`${form} [data-clientela-message]`);
      await page.waitForFunction((f) => (globalThis as unknown as Doc).document.querySelector(f)?.getAttribute('aria-busy') !== 'true', form);
      return (await page.textContent(`${form} [data-clientela-message]`)) ?? '';
    };
    const submit = async (form: string) => {
      await page.evaluate((f) => (globalThis as unknown as Doc).document.querySelector(f)?.querySelector('[data-clientela-message]')?.remove(), form);
      await page.click(`${form} button[type=submit]`);
      return message(form);
    };
    return { page, posts, warnings, submit };
  }

  it("sends a form that has its own `website` field: the site's field is never taken for the honeypot", async () => {
    const { page, posts, submit } = await open(pageHtml('en', CONTACT));
    await page.fill('#contact [name=email]', 'paola.catering@example.it');
    await page.fill('#contact [name=website]', 'https://azienda.example');
    await page.fill('#contact [name=message]', 'Catering per 80 persone il 12/12?');
    const shown = await submit('#contact');
    expect(posts).toHaveLength(1);
    expect(shown).toContain('Thank you');
    expect(posts[0]).toMatchObject({ type: 'contact_form.submitted', data: { message: 'Catering per 80 persone il 12/12?' } });
    // The honeypot is the script's own element, next to the site's field.
    expect(await page.$$eval('#contact input[data-clientela-honeypot]', (els) => els.map((e) => (e as unknown as { name: string }).name))).toEqual(['clientela-website-confirm']);
    // A bot filling the honeypot is still dropped.
    await page.fill('#contact [name=email]', 'bot@example.com');
    await page.fill('#contact [name=message]', 'cheap watches');
    await page.$eval('#contact [data-clientela-honeypot]', (el) => ((el as unknown as { value: string }).value = 'http://spam.example'));
    await submit('#contact');
    expect(posts).toHaveLength(1);
    await page.close();
  });

  it('keeps one eventId per submission: a retry after a lost answer is a replay, a changed form a new event', async () => {
    const { page, posts, warnings, submit } = await open(pageHtml('it', CONTACT), ['lost']);
    await page.fill('#contact [name=email]', 'dup1@example.it');
    await page.fill('#contact [name=message]', 'persa la risposta');
    const failed = await submit('#contact');
    const retried = await submit('#contact');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.eventId).toBe(posts[0]!.eventId);
    expect(posts[1]!.occurredAt).toBe(posts[0]!.occurredAt);
    // The visitor never reads the browser's "Failed to fetch"; the developer gets a checklist.
    expect(failed).toBe('Non è stato possibile inviare il modulo; riprova.');
    expect(failed).not.toMatch(/fetch/i);
    expect(retried).toContain('Grazie');
    expect(warnings.join('\n')).toContain(ORIGIN);
    // After the success the form is empty; the same words written again are a new message.
    await page.fill('#contact [name=email]', 'dup1@example.it');
    await page.fill('#contact [name=message]', 'persa la risposta');
    await submit('#contact');
    expect(posts[2]!.eventId).not.toBe(posts[0]!.eventId);
    // A failure, then a change of content: a new submission, a new id.
    await page.close();
    const second = await open(pageHtml('en', CONTACT), ['lost']);
    await second.page.fill('#contact [name=email]', 'dup2@example.com');
    await second.page.fill('#contact [name=message]', 'first words');
    await second.submit('#contact');
    await second.page.fill('#contact [name=message]', 'other words');
    await second.submit('#contact');
    expect(second.posts[1]!.eventId).not.toBe(second.posts[0]!.eventId);
    await second.page.close();
  });

  it('asks for an email when the newsletter box is ticked on a phone-only form, and sends nothing', async () => {
    for (const [lang, text] of [['it', 'Per ricevere la newsletter ci serve la tua email'], ['en', 'To get the newsletter we need your email']] as const) {
      const { page, posts, submit } = await open(pageHtml(lang, CONTACT));
      await page.fill('#contact [name=phone]', '347 111 2233');
      await page.fill('#contact [name=message]', 'Tavolo per due');
      await page.check('#contact [name=consent]');
      expect(await submit('#contact')).toContain(text);
      expect(posts).toHaveLength(0);
      expect(await page.getAttribute('#contact', 'data-clientela-state')).toBeNull();
      // Unticked, the message goes, without a promise of a mail.
      await page.uncheck('#contact [name=consent]');
      const sent = await submit('#contact');
      expect(posts).toHaveLength(1);
      expect(posts[0]!.consent).toBeUndefined();
      expect(sent).not.toMatch(/inbox|posta/);
      await page.close();
    }
  });

  it("speaks the page's language in its own checks and tells the one-mail-a-day limit", async () => {
    const it_ = await open(pageHtml('it-IT', CONTACT + NEWSLETTER));
    expect(await it_.submit('#newsletter')).toBe('Inserisci la tua email.');
    expect(await it_.submit('#contact')).toBe('Inserisci la tua email o il tuo numero di telefono.');
    await it_.page.fill('#contact [name=email]', 'a@example.it');
    expect(await it_.submit('#contact')).toBe('Scrivi un messaggio.');
    await it_.page.fill('#newsletter [name=email]', 'lucia.web@example.it');
    expect(await it_.submit('#newsletter')).toMatch(/controlla la posta.*al massimo uno ogni 24 ore/);
    await it_.page.close();
    const en = await open(pageHtml('en-GB', NEWSLETTER));
    expect(await en.submit('#newsletter')).toBe('Please enter your email.');
    await en.page.fill('#newsletter [name=email]', 'lucia.web@example.com');
    expect(await en.submit('#newsletter')).toMatch(/check your inbox.*at most one every 24 hours/);
    await en.page.close();
  });

  it("names the field to correct on a 400, and the wait on a 429 from its Retry-After", async () => {
    const problem = { status: 400, body: { detail: 'customer.phone: is not a valid phone number (read in IT when it has no country code)', errors: [{ path: 'customer.phone', message: 'is not a valid phone number' }] } };
    const tooMany = { status: 429, headers: { 'retry-after': '19' }, body: { detail: 'Too many events from this address; try again shortly' } };
    const { page, submit } = await open(pageHtml('it', CONTACT), [problem, tooMany]);
    await page.fill('#contact [name=phone]', '12');
    await page.fill('#contact [name=message]', 'Ciao');
    expect(await submit('#contact')).toBe('Controlla questo campo: numero di telefono.');
    expect(await page.getAttribute('#contact [name=phone]', 'aria-invalid')).toBe('true');
    expect(await submit('#contact')).toBe('Troppi messaggi in questo momento: riprova tra 19 secondi.');
    await page.close();
  });

  it('warns the developer about an endpoint ending in /v1, and never shows the browser’s error to the visitor', async () => {
    const { page, posts, warnings, submit } = await open(pageHtml('en', CONTACT, `${ORIGIN}/v1`), ['unreachable']);
    expect(warnings.join('\n')).toMatch(/ends in \/v1/);
    await page.fill('#contact [name=email]', 'dev@example.com');
    await page.fill('#contact [name=message]', 'Hello');
    expect(await submit('#contact')).toBe('The form could not be sent; please try again.');
    expect(posts).toHaveLength(1);
    const checklist = warnings.join('\n');
    for (const hint of ['allowedOrigins', 'pk_testtes', 'without /v1', ORIGIN]) expect(checklist).toContain(hint);
    await page.close();
  });
});
