import { provenanceView, type Provenance } from './provenance.ts';
import type { Customer, Stats } from './customer-card.schema.ts';

/**
 * The customer card's rules that every function shares (its public view, a blank card). The schemas live
 * apart, so that a function builds only those it validates with: the editable fields in
 * customer-fields.schema.ts (create, update), the card as answered in customer-card.schema.ts (OpenAPI only).
 */
export type { ConsentStatus } from './consent-status.schema.ts';
export type { CustomerFields } from './customer-fields.schema.ts';
export type { Customer, HistoryEntry, Stats } from './customer-card.schema.ts';

export const emptyStats = (): Stats => ({
  bookings: 0,
  noShows: 0,
  cancellations: 0,
  visits: 0,
  orders: 0,
  totalSpent: 0,
  averageOrderValue: 0,
  purchases: 0,
  importedSpent: 0,
  lastVisitAt: null,
});

/**
 * The card's stats in the contract's order, with the figures cards stored before them lack (`purchases`,
 * `importedSpent`: 0), so every answer carries the same fields whatever the card's age.
 */
export function statsView(s: Partial<Stats> | undefined): Stats {
  const stats = { ...emptyStats(), ...s };
  return {
    bookings: stats.bookings,
    noShows: stats.noShows,
    cancellations: stats.cancellations,
    visits: stats.visits,
    orders: stats.orders,
    totalSpent: stats.totalSpent,
    averageOrderValue: stats.averageOrderValue,
    purchases: stats.purchases ?? 0,
    importedSpent: stats.importedSpent ?? 0,
    lastVisitAt: stats.lastVisitAt ?? null,
  };
}

/**
 * What a card shows. Internal bookkeeping kept on the card item (`fieldsAt`/`fieldsFrom`: when and by what
 * each field was last set, shown as `provenance`; `confirmSentAt`: when a double opt-in mail last went out)
 * stays inside.
 */
export function publicView<C extends Customer>(c: C): Customer {
  // The card's fields in the contract's order, then any others (e.g. `conflicts`) except internal ones.
  const out: Record<string, unknown> = {};
  for (const key of CARD_ORDER) if (key in c) out[key] = (c as Record<string, unknown>)[key];
  for (const [key, value] of Object.entries(c)) if (!(key in out) && !INTERNAL_FIELDS.has(key)) out[key] = value;
  if (out.stats) out.stats = statsView(out.stats as Partial<Stats>);
  out.provenance = provenanceView(c as Provenance);
  if (out.insights) out.insights = insightsInOrder(out.insights as Record<string, unknown>);
  return out as Customer;
}

/**
 * The card's `insights` with its keys in the contract's order (DynamoDB gives maps back in any order), and
 * only the contract's: what the recompute keeps there for its routes and filters (`recommendations`,
 * `bought`) is not shown. Exports show the same object.
 */
export function insightsInOrder(i: Record<string, unknown>): Record<string, unknown> {
  const pick = (o: unknown, keys: string[]) => {
    const src = (o ?? {}) as Record<string, unknown>;
    return Object.fromEntries(keys.filter((k) => k in src).map((k) => [k, src[k]]));
  };
  const favourites = Array.isArray(i.favouriteItems) ? i.favouriteItems.map((f) => pick(f, ['sku', 'name', 'quantity'])) : i.favouriteItems;
  return {
    ...pick(i, ['asOf']),
    // No rfm (too few purchasers for quintiles) stays absent rather than an empty object.
    ...(i.rfm ? { rfm: pick(i.rfm, ['recency', 'frequency', 'monetary', 'score', 'group', 'days', 'occasions', 'spent']) } : {}),
    purchases: pick(i.purchases, ['x', 'tx', 'T']),
    ...pick(i, ['pAlive', 'expectedPurchases90d', 'expectedAverageSpend', 'clv12m', 'atRisk']),
    favouriteItems: favourites,
  };
}
/** The card's fields in the contract's order: CustomerSchema's keys (test/unit/customer-schema.test.ts holds them equal). */
export const CARD_ORDER = [
  'id',
  'firstName',
  'lastName',
  'email',
  'phone',
  'language',
  'consent',
  'tags',
  'birthDate',
  'gender',
  'city',
  'postalCode',
  'country',
  'notes',
  'attributes',
  'firstContactAt',
  'lastContactAt',
  'stats',
  'insights',
  'createdAt',
  'updatedAt',
  'version',
  'provenance',
] as const satisfies readonly (keyof Customer)[];
const INTERNAL_FIELDS = new Set(['fieldsAt', 'fieldsFrom', 'confirmSentAt', 'purchaseMonths', 'newIn', 'autoTagged', 'autoTagDeclined']);

/** A card with nothing known yet: every field empty, first and last contact at `contactAt`. */
export function blankCustomer(id: string, contactAt: string, at: string): Customer {
  return {
    id,
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    language: null,
    consent: { newsletter: 'unknown', updatedAt: null, source: null },
    tags: [],
    birthDate: null,
    gender: null,
    city: null,
    postalCode: null,
    country: null,
    notes: null,
    attributes: {},
    firstContactAt: contactAt,
    lastContactAt: contactAt,
    stats: emptyStats(),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}
