import { createHmac } from 'node:crypto';

/**
 * One secret per tenant (kept in the table, never sent anywhere) serves several purposes; each gets its
 * own derived key, so a value made for one purpose (an unsubscribe token) is worthless for another
 * (a suppression hash), and the double opt-in secret of capture stays separate altogether.
 */
export type Purpose = 'suppression' | 'unsubscribe' | 'erasure' | 'erased-event' | 'report-redaction';

export const derivedKey = (secret: string, purpose: Purpose) => createHmac('sha256', secret).update(`clientela:${purpose}`).digest();

export const hmac = (key: Buffer, value: string) => createHmac('sha256', key).update(value).digest('base64url');

/** How long an erasure mark is kept: far longer than any index lags behind the table (seconds at most). */
export const ERASURE_MARK_DAYS = 2;

/** The mark of an erased customer id: a keyed hash, so the table never holds the erased id itself. */
export const erasureMark = (secret: string) => {
  const key = derivedKey(secret, 'erasure');
  return (customerId: string) => hmac(key, customerId);
};
