import { describe, expect, it } from 'vitest';
import { noLongerPendingPage, unsubscribedPage } from '../../shared/mail/pages.ts';

/**
 * The pages shown after a "no" tell the person how to sign up again. A person gets at most one confirmation
 * mail every 24 hours (shared/events/ingest.ts), so a sign-up right after unsubscribing mails nothing: the
 * pages must not promise that "a new link will arrive" (report-rweb finding 5).
 */
describe('pages after a decision do not promise a mail the one-a-day rule will not send', () => {
  const pages = [
    ['unsubscribed (it)', unsubscribedPage({ language: 'it' }), /al massimo uno ogni 24 ore/],
    ['unsubscribed (en)', unsubscribedPage({ language: 'en' }), /at most one every 24 hours/],
    ['decided (it)', noLongerPendingPage('it', 'decided'), /al massimo uno ogni 24 ore/],
    ['decided (en)', noLongerPendingPage('en', 'decided'), /at most one every 24 hours/],
  ] as const;

  it.each(pages)('%s states the limit and what to do when no mail comes', (_name, html, limit) => {
    expect(html).toMatch(limit);
    expect(html).toMatch(/se non arriva|if none arrives/);
    expect(html).not.toMatch(/ti arriverà un nuovo link|will be mailed to you\./);
    expect(html).not.toMatch(/quando vuoi|at any time/);
  });
});
