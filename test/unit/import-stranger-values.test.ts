import { describe, expect, it } from 'vitest';
import { mergeRow } from '../../shared/import/merge.ts';
import { eventSource } from '../../shared/domain/provenance.ts';
import type { Customer } from '../../shared/domain/customer.schema.ts';

/** A card whose city and first name a publishable-key form filled (the verification run's reproduction). */
function strangerFilled(): Customer {
  const from = eventSource('contact_form.submitted', 'ev-1', true);
  return {
    id: 'C1',
    firstName: 'Evil',
    lastName: null,
    email: 'anna@example.it',
    phone: null,
    city: 'Hacktown',
    tags: [],
    attributes: {},
    consent: { newsletter: 'unknown', updatedAt: null, source: null },
    stats: { bookings: 0, noShows: 0, cancellations: 0, orders: 0, totalSpent: 0, averageOrderValue: 0, lastVisitAt: null },
    firstContactAt: '2026-11-01T10:00:00.000Z',
    lastContactAt: '2026-11-01T10:00:00.000Z',
    fieldsAt: { firstName: '2026-11-01T10:00:00.000Z', city: '2026-11-01T10:00:00.000Z' },
    fieldsFrom: { firstName: from, city: from },
  } as unknown as Customer;
}

describe('an import with onDuplicate "merge"', () => {
  it("replaces what a stranger filled with the business's file, without a warning", () => {
    const notApplied: { field: string; reason: string }[] = [];
    const next = mergeRow(strangerFilled(), { email: 'anna@example.it', firstName: 'Maria', city: 'Milano' }, 'merge', '2026-11-30T10:00:00.000Z', 'import:I1', notApplied);
    expect(next).toMatchObject({ firstName: 'Maria', city: 'Milano' });
    expect(notApplied).toEqual([]);
  });
  it("still keeps the card's own values (not a stranger's) and says so", () => {
    const own = { ...strangerFilled(), fieldsFrom: { firstName: 'api:key1', city: 'import:I0' } } as unknown as Customer;
    const notApplied: { field: string; reason: string }[] = [];
    const next = mergeRow(own, { email: 'anna@example.it', firstName: 'Maria', city: 'Milano' }, 'merge', '2026-11-30T10:00:00.000Z', 'import:I1', notApplied);
    expect(next).toMatchObject({ firstName: 'Evil', city: 'Hacktown' });
    expect(notApplied.map((n) => n.field)).toEqual(['firstName', 'city']);
  });
});
