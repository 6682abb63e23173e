import { describe, expect, it } from 'vitest';
import { CARD_ORDER, blankCustomer, publicView } from '../../shared/domain/customer.schema.ts';
import { CustomerSchema } from '../../shared/domain/customer-card.schema.ts';

describe('the card as answered', () => {
  // publicView orders a card by CARD_ORDER, written out so that functions do not build CustomerSchema for it.
  it("lists CustomerSchema's fields, in its order", () => {
    expect([...CARD_ORDER]).toEqual(Object.keys(CustomerSchema.shape));
  });

  it("shows a card's fields in the contract's order, whatever order the table gave them in", () => {
    const card = blankCustomer('c1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
    const shuffled = Object.fromEntries(Object.entries({ ...card, fieldsAt: { email: 'x' }, conflicts: [] }).reverse()) as typeof card;
    const view = publicView(shuffled);
    // Internal bookkeeping stays inside; `provenance` (derived from it) comes last on a card that had none stored.
    expect(Object.keys(view)).toEqual([...CARD_ORDER.filter((k) => k in card), 'conflicts', 'provenance']);
    expect(CustomerSchema.safeParse(view).success).toBe(true);
  });
});
