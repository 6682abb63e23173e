/** The languages mails and link pages are written in. */
export type MailLanguage = 'it' | 'en';

/**
 * From the tenant's `language` setting (a BCP 47 tag): Italian for `it` and its regional forms (`it-IT`,
 * `it-CH`), English for anything else, a missing setting included.
 */
export function mailLanguage(tag: string | undefined): MailLanguage {
  return /^it(-|$)/i.test(tag?.trim() ?? '') ? 'it' : 'en';
}

/** Text for HTML (element content and quoted attribute values): the five characters that matter, escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
