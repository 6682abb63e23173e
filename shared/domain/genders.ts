/**
 * The genders a card can hold (customer-fields.schema.ts): filter vocabulary too (customer-filter.schema.ts),
 * so a value no card has is a 400. In a module of its own, as RFM_GROUPS is: a function that takes a filter
 * does not build the card's field schemas to learn them.
 */
export const GENDERS = ['female', 'male', 'non-binary', 'other', 'unspecified'] as const;
export type Gender = (typeof GENDERS)[number];
