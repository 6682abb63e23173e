import { describe, expect, it } from 'vitest';
import { signConsentToken } from '../../shared/events/consent-token.ts';
import { confirmedPage, confirmPage, invalidLinkPage, noLongerPendingPage, PAGE_HEADERS, postedToken, unsubscribedPage, unsubscribePage } from '../../shared/mail/pages.ts';

const TOKEN = signConsentToken({ t: 'da-mario', c: '01JABCDEFGHJKMNPQRSTVWXYZ0', exp: 1_900_000_000 }, 'secret-of-da-mario');
const BUSINESS = '<Trattoria "Da Mario" & figli>';

/** Undoes the escaping of an attribute value (the five characters the pages escape). */
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

const formPages = [
  { name: 'confirm (it)', html: confirmPage({ businessName: BUSINESS, language: 'it-IT', token: TOKEN }), lang: 'it', button: "Conferma l&#39;iscrizione" },
  { name: 'confirm (en)', html: confirmPage({ language: 'en', token: TOKEN }), lang: 'en', button: 'Confirm my subscription' },
  { name: 'unsubscribe (it)', html: unsubscribePage({ language: 'it', token: TOKEN }), lang: 'it', button: "Annulla l&#39;iscrizione" },
  { name: 'unsubscribe (en)', html: unsubscribePage({ language: 'en-GB', token: TOKEN, businessName: BUSINESS }), lang: 'en', button: 'Unsubscribe' },
];
const otherPages = [
  { name: 'confirmed (it)', html: confirmedPage({ businessName: BUSINESS, language: 'it' }), lang: 'it' },
  { name: 'confirmed (en)', html: confirmedPage({ language: 'en' }), lang: 'en' },
  { name: 'unsubscribed (it)', html: unsubscribedPage({ language: 'it-IT' }), lang: 'it' },
  { name: 'unsubscribed (en)', html: unsubscribedPage({ businessName: BUSINESS, language: 'fr' }), lang: 'en' },
  { name: 'invalid (it)', html: invalidLinkPage('it', 'invalid'), lang: 'it' },
  { name: 'expired (en)', html: invalidLinkPage(undefined, 'expired'), lang: 'en' },
  { name: 'decided since (it)', html: noLongerPendingPage('it', 'decided'), lang: 'it' },
  { name: 'newer request (en)', html: noLongerPendingPage('en', 'newer-request'), lang: 'en' },
];

describe('link pages', () => {
  it.each(formPages)('$name: a form that POSTs the token back to the same path, with a button', ({ html, button }) => {
    const forms = html.match(/<form\b[^>]*>/g) ?? [];
    expect(forms).toHaveLength(1);
    expect(forms[0]).toMatch(/^<form method="post" action="[^"]*">$/);
    const action = unescape(/action="([^"]*)"/.exec(forms[0]!)![1]!);
    // Relative: a query only, so the POST goes to the path the page was opened at, on any host.
    expect(action).toMatch(/^\?token=/);
    expect(new URL(action, 'https://any.host/stage/v1/consent/confirm?token=old&utm_source=x').href).toBe(`https://any.host/stage/v1/consent/confirm?token=${TOKEN}`);
    const hidden = /<input type="hidden" name="token" value="([^"]*)">/.exec(html);
    expect(unescape(hidden![1]!)).toBe(TOKEN);
    expect(html).toContain(`<button type="submit">${button}</button>`);
  });

  it.each([...formPages, ...otherPages])('$name: a small complete document, lang set, no script, nothing loaded from elsewhere', ({ html, lang }) => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="(it|en)">/);
    expect(html).toContain(`<html lang="${lang}">`);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<\/html>\n$/);
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toMatch(/\bon[a-z]+=/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/https?:|\/\//);
  });

  it.each([...formPages, ...otherPages])('$name: shows nothing about the person (no email address anywhere)', ({ html }) => {
    expect(html).not.toContain('@');
    expect(html).not.toContain('01JABCDEFGHJKMNPQRSTVWXYZ0'.toLowerCase());
  });

  it('escapes the business name', () => {
    for (const { html } of [...formPages, ...otherPages].filter((p) => p.html.includes('Trattoria'))) {
      expect(html).toContain('&lt;Trattoria &quot;Da Mario&quot; &amp; figli&gt;');
      expect(html).not.toContain('<Trattoria');
    }
  });

  it('escapes a token someone tampered with, in the action and in the hidden field', () => {
    const evil = 'x"><script>alert(1)</script><form action="https://evil.test">';
    const html = confirmPage({ language: 'en', token: evil });
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html.match(/<form\b/g)).toHaveLength(1);
    expect(html).not.toContain('evil.test"');
    expect(unescape(/<input type="hidden" name="token" value="([^"]*)">/.exec(html)![1]!)).toBe(evil);
  });

  it('words the invalid and the expired link apart, in the tenant language', () => {
    expect(invalidLinkPage('it-IT', 'expired')).toContain('<title>Questo link è scaduto</title>');
    expect(invalidLinkPage('it', 'invalid')).toContain('<title>Questo link non è valido</title>');
    expect(invalidLinkPage('en', 'expired')).toContain('<title>This link has expired</title>');
    expect(invalidLinkPage('de', 'invalid')).toContain('<title>This link is not valid</title>');
  });

  it('says a confirmation link no longer confirms, with no button, why, and what to do, in the tenant language', () => {
    for (const reason of ['decided', 'newer-request'] as const) {
      for (const language of ['it', 'en']) expect(noLongerPendingPage(language, reason)).not.toMatch(/<form|<button/);
    }
    expect(noLongerPendingPage('it', 'decided')).toContain('<title>Questo link non è più valido</title>');
    expect(noLongerPendingPage('it', 'decided')).toMatch(/iscriviti di nuovo/);
    expect(noLongerPendingPage('en', 'decided')).toMatch(/sign up again/);
    expect(noLongerPendingPage(undefined, 'newer-request')).toMatch(/more recent confirmation email/);
    expect(noLongerPendingPage('it', 'newer-request')).toMatch(/più recente/);
  });

  it('come with headers that forbid scripts, caching and referrers', () => {
    expect(PAGE_HEADERS['content-security-policy']).toContain("default-src 'none'");
    expect(PAGE_HEADERS['content-security-policy']).toContain("form-action 'self'");
    expect(PAGE_HEADERS['cache-control']).toBe('no-store');
    expect(PAGE_HEADERS['referrer-policy']).toBe('no-referrer');
  });
});

describe('the token of a POST from a page', () => {
  it('is read from an application/x-www-form-urlencoded body (token=...), as the API layer parses it', () => {
    const body = Object.fromEntries(new URLSearchParams(`token=${encodeURIComponent(TOKEN)}`));
    expect(postedToken({}, body)).toBe(TOKEN);
    expect(postedToken({ token: 'from-query' }, body)).toBe(TOKEN);
  });

  it('falls back to ?token= (the form action, and RFC 8058 one-click posts)', () => {
    expect(postedToken({ token: TOKEN }, { 'List-Unsubscribe': 'One-Click' })).toBe(TOKEN);
    expect(postedToken({ token: TOKEN }, undefined)).toBe(TOKEN);
    expect(postedToken({}, { token: '' })).toBeUndefined();
    expect(postedToken({}, undefined)).toBeUndefined();
  });
});
