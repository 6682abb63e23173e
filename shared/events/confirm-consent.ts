import { ulid } from 'ulid';
import type { CustomerStore } from '../domain/customer.ports.ts';
import type { EventStore } from './event.ports.ts';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import { tokenTenant, verifyConsentToken } from './consent-token.ts';
import { stampFields, type Provenance } from '../domain/provenance.ts';
import { cardFollowingMerges, type MergeRedirects } from '../privacy/merge-redirects.ts';

export class InvalidLinkError extends DomainError {
  constructor(
    detail: string,
    readonly reason: 'invalid' | 'expired' | 'forged' = 'invalid',
  ) {
    super(400, 'Invalid link', detail);
  }
}

/**
 * Checks a double opt-in link without acting on it (what its GET page does: mail scanners open links).
 * Answers whose it is; an altered, foreign or expired link is an `InvalidLinkError`.
 */
export async function checkConsentLink(deps: { events: EventStore; now?: () => Date }, rawToken: string | undefined): Promise<{ tenantId: string; customerId: string }> {
  const tenantId = rawToken ? tokenTenant(rawToken) : undefined;
  if (!rawToken || !tenantId) throw new InvalidLinkError('The confirmation link is not valid');
  const secret = await deps.events.findConsentSecret(tenantId);
  if (!secret) throw new InvalidLinkError('The confirmation link is not valid');
  const now = deps.now?.() ?? new Date();
  const verified = verifyConsentToken(rawToken, secret, Math.floor(now.getTime() / 1000));
  if (!verified.ok) throw new InvalidLinkError(verified.reason === 'expired' ? 'The confirmation link has expired; sign up again' : 'The confirmation link is not valid', verified.reason);
  return { tenantId, customerId: verified.token.c };
}

/**
 * `POST /v1/consent/confirm?token=...`: the person pressed the button of the double opt-in page, which
 * grants newsletter consent (source `double-opt-in`) and appends it to the ledger. Again changes nothing.
 */
export async function confirmConsent(
  deps: { events: EventStore; customers: CustomerStore; redirects: MergeRedirects; now?: () => Date },
  rawToken: string | undefined,
): Promise<{ customerId: string; newsletter: 'granted' }> {
  const { tenantId, customerId: linked } = await checkConsentLink(deps, rawToken);

  for (let attempt = 0; attempt < 8; attempt++) {
    // A customer merged into another since the link was mailed is that other customer now.
    const current = await cardFollowingMerges(deps.redirects, tenantId, linked, (id) => deps.customers.getCard(tenantId, id, 0));
    if (!current) throw new NotFoundError('The person of this link');
    const prev = current.customer;
    const customerId = prev.id;
    if (prev.consent.newsletter === 'granted') return { customerId, newsletter: 'granted' };
    const at = (deps.now?.() ?? new Date()).toISOString();
    const next = stampFields(
      { ...prev, consent: { newsletter: 'granted' as const, updatedAt: at, source: 'double-opt-in' }, updatedAt: at, version: prev.version + 1 } as typeof prev & Provenance,
      ['consent'],
      at,
      'double-opt-in',
    );
    const result = await deps.customers.update(tenantId, next, prev, { id: ulid(), channel: 'newsletter', status: 'granted', at, source: { type: 'double-opt-in' } });
    if (result.ok) return { customerId, newsletter: 'granted' };
  }
  throw new DomainError(409, 'Conflict', 'The customer is being changed right now; open the link again');
}
