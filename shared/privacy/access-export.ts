import { publicView, type Customer } from '../domain/customer.schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { PrivacyStore } from './privacy.ports.ts';

/**
 * `GET /v1/customers/{id}/export` (GDPR access and portability): everything held about the person, from
 * one read of their partition: the card (custom attributes included, and all its insights), the full
 * history, the consent ledger and the booking and order records their statistics come from.
 */
export async function exportPersonalData(privacy: PrivacyStore, tenantId: string, customerId: string, now = new Date()) {
  const held = await privacy.partition(tenantId, customerId);
  if (!held.card) throw new NotFoundError(`Customer ${customerId}`);
  const byNewest = <T extends Record<string, unknown>>(key: string) => (a: T, b: T) => String(b[key]).localeCompare(String(a[key]));
  const history = held.history
    .map((h) => ({ id: h.id as string, type: h.type as string, occurredAt: h.occurredAt as string, data: (h.data as Record<string, unknown>) ?? {}, ...(h.origin ? { origin: h.origin as string } : {}) }))
    .sort(byNewest('occurredAt'));
  const records = (kind: string) => held.states.filter((s) => s.kind === kind).map(({ kind: _kind, ...rest }) => rest);
  return {
    exportedAt: now.toISOString(),
    customer: withHeldInsights(publicView(held.card), held.card),
    customAttributes: held.card.attributes,
    history,
    consents: [...held.consents].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id)),
    bookings: records('booking'),
    orders: records('order'),
  };
}

/**
 * The card's `insights` as shown, plus what the recompute keeps there that the card does not show: the
 * suggestions made for the person (`recommendations`, with the SKUs that led to each) and the SKUs they
 * bought (`bought`, behind the list filter). Held about the person, so part of what they may see.
 */
function withHeldInsights(view: Customer, card: Customer): Customer {
  const held = card.insights as { recommendations?: unknown; bought?: unknown } | undefined;
  if (!view.insights || !held) return view;
  const extra = { ...(held.recommendations !== undefined ? { recommendations: held.recommendations } : {}), ...(held.bought !== undefined ? { bought: held.bought } : {}) };
  return { ...view, insights: { ...view.insights, ...extra } } as Customer;
}
