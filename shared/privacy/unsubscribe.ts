import { timingSafeEqual } from 'node:crypto';
import { ulid } from 'ulid';
import * as z from '../domain/zod.ts';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import type { PrivacyStore } from './privacy.ports.ts';
import type { CustomerStore } from '../domain/customer.ports.ts';
import { derivedKey, hmac } from './hmac.ts';
import { stampFields, type Provenance } from '../domain/provenance.ts';
import { TenantIdSchema } from '../domain/tenant.schema.ts';
import { cardFollowingMerges } from './merge-redirects.ts';

/**
 * Unsubscribe links: `{payload}.{HMAC-SHA256}` in base64url. The payload names the tenant (to find whose
 * secret verifies it), the customer, the expiry and the purpose; the MAC uses a key derived from the
 * tenant's privacy secret for this purpose only, so neither a double opt-in token nor a token of another
 * tenant verifies here.
 */
interface UnsubscribeToken {
  t: string;
  c: string;
  exp: number;
  p: 'unsubscribe';
}

export const DEFAULT_LINK_DAYS = 90;
export const UnsubscribeLinkSchema = z.strictObject({ expiresInDays: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(365))) });
export const UnsubscribeLinkAnswerSchema = z.object({ url: z.string(), expiresAt: z.string() });

export class InvalidUnsubscribeLinkError extends DomainError {
  constructor(
    detail: string,
    readonly reason: 'invalid' | 'expired' = 'invalid',
  ) {
    super(400, 'Invalid link', detail);
  }
}

export function signUnsubscribeToken(secret: string, t: { tenantId: string; customerId: string; exp: number }): string {
  const payload = Buffer.from(JSON.stringify({ t: t.tenantId, c: t.customerId, exp: t.exp, p: 'unsubscribe' } satisfies UnsubscribeToken)).toString('base64url');
  return `${payload}.${hmac(derivedKey(secret, 'unsubscribe'), payload)}`;
}

function readPayload(raw: string): UnsubscribeToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(raw.split('.')[0] ?? '', 'base64url').toString('utf8')) as UnsubscribeToken;
    // The tenant id is read before the MAC is checked (it says whose secret verifies it): anything but a
    // well-formed id is not a link of ours, and must not reach a table key.
    return TenantIdSchema.safeParse(t.t).success && typeof t.c === 'string' && typeof t.exp === 'number' && t.p === 'unsubscribe' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** `POST /v1/customers/{id}/unsubscribe-link`: a link to put in a newsletter (and its List-Unsubscribe header). */
export async function createUnsubscribeLink(privacy: PrivacyStore, tenantId: string, customerId: string, baseUrl: string, opts: { expiresInDays?: number; now?: Date } = {}) {
  if (!(await privacy.getCard(tenantId, customerId))) throw new NotFoundError(`Customer ${customerId}`);
  const now = opts.now ?? new Date();
  const exp = Math.floor(now.getTime() / 1000) + (opts.expiresInDays ?? DEFAULT_LINK_DAYS) * 86_400;
  const token = signUnsubscribeToken(await privacy.privacySecret(tenantId), { tenantId, customerId, exp });
  return { url: `${baseUrl}/v1/unsubscribe?token=${token}`, expiresAt: new Date(exp * 1000).toISOString() };
}

/** The tenant a token claims, before it is verified (to word its page); undefined when malformed. */
export const unsubscribeTenant = (raw: string | undefined) => (raw ? readPayload(raw)?.t : undefined);

/**
 * Checks an unsubscribe link without acting on it (its GET page: mail scanners open links). Answers whose
 * it is; an altered, foreign or expired link is an `InvalidUnsubscribeLinkError`.
 */
export async function checkUnsubscribeLink(privacy: Pick<PrivacyStore, 'findPrivacySecret'>, rawToken: string | undefined, now = new Date()): Promise<{ tenantId: string; customerId: string }> {
  const invalidLink = new InvalidUnsubscribeLinkError('The unsubscribe link is not valid');
  const claimed = rawToken ? readPayload(rawToken) : undefined;
  if (!rawToken || !claimed) throw invalidLink;
  const secret = await privacy.findPrivacySecret(claimed.t);
  if (!secret) throw invalidLink;
  const [payload, mac, ...rest] = rawToken.split('.');
  const expected = Buffer.from(hmac(derivedKey(secret, 'unsubscribe'), payload!));
  const given = Buffer.from(mac ?? '');
  if (rest.length || expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidLink;
  if (claimed.exp < Math.floor(now.getTime() / 1000)) throw new InvalidUnsubscribeLinkError('The unsubscribe link has expired; use the link of a more recent newsletter', 'expired');
  return { tenantId: claimed.t, customerId: claimed.c };
}

/**
 * `POST /v1/unsubscribe?token=` (the page's button, or an RFC 8058 one-click POST from a mail client):
 * withdraws newsletter consent (ledger entry with source `link`, card consent `denied`). Again changes nothing.
 * On a card already `denied` it is still recorded when a sign-up awaits its confirmation (the ledger's newest
 * entry a `pending`, read through `ledger`): the "no" given after that sign-up stands, its link no longer confirms.
 */
export async function unsubscribe(privacy: PrivacyStore, rawToken: string | undefined, now = new Date(), ledger?: Pick<CustomerStore, 'newestConsent'>): Promise<void> {
  const claimed = await checkUnsubscribeLink(privacy, rawToken, now);

  for (let attempt = 0; attempt < 8; attempt++) {
    // A customer merged into another since the link was mailed is that other customer now.
    const prev = await cardFollowingMerges(privacy, claimed.tenantId, claimed.customerId, (id) => privacy.getCard(claimed.tenantId, id));
    if (!prev) throw new NotFoundError('The person of this link');
    // Read after the card: an entry written since comes with a new card version, which the update checks.
    if (prev.consent.newsletter === 'denied' && (await ledger?.newestConsent(claimed.tenantId, prev.id))?.status !== 'pending') return;
    const at = new Date(Math.max(now.getTime(), Date.parse(prev.updatedAt) + 1)).toISOString();
    const next = stampFields({ ...prev, consent: { newsletter: 'denied' as const, updatedAt: at, source: 'link' }, updatedAt: at, version: prev.version + 1 } as typeof prev & Provenance, ['consent'], at, 'link');
    if (await privacy.updateConsent(claimed.tenantId, next, prev, { id: ulid(), channel: 'newsletter', status: 'denied', at, source: { type: 'link' } })) return;
  }
  throw new DomainError(409, 'Conflict', 'The customer is being changed right now; open the link again');
}
