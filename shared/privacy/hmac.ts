import { createHmac } from 'node:crypto';

/**
 * One secret per tenant (kept in the table, never sent anywhere) serves several purposes; each gets its
 * own derived key, so a value made for one purpose (an unsubscribe token) is worthless for another
 * (a suppression hash), and the double opt-in secret of capture stays separate altogether.
 */
export type Purpose = 'suppression' | 'unsubscribe';

export const derivedKey = (secret: string, purpose: Purpose) => createHmac('sha256', secret).update(`clientela:${purpose}`).digest();

export const hmac = (key: Buffer, value: string) => createHmac('sha256', key).update(value).digest('base64url');
