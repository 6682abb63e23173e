import { ulid } from 'ulid';
import type { CustomerStore } from '../domain/customer.ports.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import type { Customer } from '../domain/customer.schema.ts';
import type { EventStore } from './event.ports.ts';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import { tokenIssuedAt, tokenTenant, verifyConsentToken, type ConsentToken } from './consent-token.ts';
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
 * A valid link whose sign-up is no longer the one awaiting an answer: the person withdrew or the business
 * decided after it (`decided`), or a newer sign-up was mailed its own link (`newer-request`). Nothing is
 * written: a later "no" stands, and a link confirms only the request it was sent for.
 */
export class LinkNoLongerPendingError extends DomainError {
  constructor(readonly reason: 'decided' | 'newer-request') {
    super(
      409,
      'Link no longer valid',
      reason === 'decided'
        ? 'The newsletter consent was decided after this sign-up (withdrawn, or set by the business): this link no longer confirms it; to subscribe, sign up again'
        : 'A newer confirmation mail was sent for this sign-up: use the link in the most recent email',
      { reason },
    );
  }
}

interface ConfirmDeps {
  events: EventStore;
  customers: CustomerStore;
  redirects: MergeRedirects;
  now?: () => Date;
}

/** A sign-up awaiting confirmation: the `pending` ledger entry (or, on a card from before it was kept, the card's `pending`). */
interface Request {
  id?: string;
  at: string;
  source: Record<string, string>;
  wording?: string;
}

/**
 * Whether a link was mailed for this request. A link names its request (`r`); one mailed before links did
 * is matched by time: it was issued when its request was recorded (the same second or just after), and the
 * next request of the address is at least a day later (one mail a day).
 */
function answers(token: ConsentToken, request: Pick<Request, 'id' | 'at'>): boolean {
  if (token.r) return token.r === request.id;
  return Math.floor(Date.parse(request.at) / 1000) <= tokenIssuedAt(token);
}

/** The request the card awaits an answer to: its newest ledger entry when that is a `pending`. */
function openRequest(card: Customer, newest: ConsentLedgerEntry | undefined): Request | undefined {
  if (newest?.status === 'pending') return newest;
  if (!newest && card.consent.newsletter === 'pending' && card.consent.updatedAt) return { at: card.consent.updatedAt, source: { type: card.consent.source ?? 'unknown' } };
  return undefined;
}

/** Whether the newest decision is the confirmation of this link's request (a second press of the button). */
function confirmedBy(token: ConsentToken, newest: ConsentLedgerEntry | undefined): boolean {
  if (newest?.status !== 'granted' || newest.source.type !== 'double-opt-in') return false;
  // Confirmations recorded before they named their request: nothing tells which link it was; nothing is written either way.
  if (!newest.source.requestedAt) return true;
  return answers(token, { id: newest.source.requestId, at: newest.source.requestedAt });
}

type LinkState =
  | { state: 'open'; card: Customer; request: Request }
  | { state: 'confirmed'; card: Customer }
  | { state: 'closed'; reason: 'decided' | 'newer-request' };

async function verified(deps: { events: EventStore; now?: () => Date }, rawToken: string | undefined): Promise<{ tenantId: string; token: ConsentToken }> {
  const tenantId = rawToken ? tokenTenant(rawToken) : undefined;
  if (!rawToken || !tenantId) throw new InvalidLinkError('The confirmation link is not valid');
  const secret = await deps.events.findConsentSecret(tenantId);
  if (!secret) throw new InvalidLinkError('The confirmation link is not valid');
  const now = deps.now?.() ?? new Date();
  const result = verifyConsentToken(rawToken, secret, Math.floor(now.getTime() / 1000));
  if (!result.ok) throw new InvalidLinkError(result.reason === 'expired' ? 'The confirmation link has expired; sign up again' : 'The confirmation link is not valid', result.reason);
  return { tenantId, token: result.token };
}

/** Where the link's request stands on the card (read first: its version guards the decision), after its ledger. */
async function linkState(deps: ConfirmDeps, tenantId: string, token: ConsentToken): Promise<LinkState> {
  // A customer merged into another since the link was mailed is that other customer now.
  const current = await cardFollowingMerges(deps.redirects, tenantId, token.c, (id) => deps.customers.getCard(tenantId, id, 0));
  if (!current) throw new NotFoundError('The person of this link');
  const card = current.customer;
  const newest = await deps.customers.newestConsent(tenantId, card.id);
  const request = openRequest(card, newest);
  if (request) return answers(token, request) ? { state: 'open', card, request } : { state: 'closed', reason: 'newer-request' };
  if (confirmedBy(token, newest)) return { state: 'confirmed', card };
  return { state: 'closed', reason: 'decided' };
}

/**
 * Checks a double opt-in link without acting on it (what its GET page does: mail scanners open links).
 * Answers whose it is and whether it still awaits the button (`open`) or was confirmed already; an
 * altered, foreign or expired link is an `InvalidLinkError`, one whose sign-up was answered otherwise since
 * (or replaced by a newer one) a `LinkNoLongerPendingError`.
 */
export async function checkConsentLink(deps: ConfirmDeps, rawToken: string | undefined): Promise<{ tenantId: string; customerId: string; state: 'open' | 'confirmed' }> {
  const { tenantId, token } = await verified(deps, rawToken);
  const link = await linkState(deps, tenantId, token);
  if (link.state === 'closed') throw new LinkNoLongerPendingError(link.reason);
  return { tenantId, customerId: link.card.id, state: link.state };
}

/**
 * `POST /v1/consent/confirm?token=...`: the person pressed the button of the double opt-in page. While the
 * sign-up the link was mailed for is the card's open request (its newest ledger entry), this grants
 * newsletter consent (source `double-opt-in`, naming that request: its id, date and source, with its
 * wording) and appends it to the ledger. Again changes nothing. A withdrawal or a business decision made
 * after the sign-up stands: the link then answers `LinkNoLongerPendingError` and writes nothing.
 */
export async function confirmConsent(deps: ConfirmDeps, rawToken: string | undefined): Promise<{ customerId: string; newsletter: 'granted' }> {
  const { tenantId, token } = await verified(deps, rawToken);

  for (let attempt = 0; attempt < 8; attempt++) {
    const link = await linkState(deps, tenantId, token);
    if (link.state === 'closed') throw new LinkNoLongerPendingError(link.reason);
    const prev = link.card;
    const customerId = prev.id;
    if (link.state === 'confirmed') return { customerId, newsletter: 'granted' };
    const { request } = link;
    // After the request it answers, in the ledger's order too (the request was dated by another clock).
    const at = new Date(Math.max((deps.now?.() ?? new Date()).getTime(), Date.parse(request.at) + 1)).toISOString();
    const next = stampFields(
      { ...prev, consent: { newsletter: 'granted' as const, updatedAt: at, source: 'double-opt-in' }, updatedAt: at, version: prev.version + 1 } as typeof prev & Provenance,
      ['consent'],
      at,
      'double-opt-in',
    );
    const entry: ConsentLedgerEntry = {
      id: ulid(),
      channel: 'newsletter',
      status: 'granted',
      at,
      source: {
        type: 'double-opt-in',
        ...(request.id ? { requestId: request.id } : {}),
        requestedAt: request.at,
        requestSource: request.source.type ?? 'unknown',
        ...(request.source.eventId ? { requestEventId: request.source.eventId } : {}),
        ...(request.source.origin ? { requestOrigin: request.source.origin } : {}),
      },
      ...(request.wording ? { wording: request.wording } : {}),
    };
    const result = await deps.customers.update(tenantId, next, prev, entry);
    if (result.ok) return { customerId, newsletter: 'granted' };
  }
  throw new DomainError(409, 'Conflict', 'The customer is being changed right now; open the link again');
}
