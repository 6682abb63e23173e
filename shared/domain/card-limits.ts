import type { Customer } from './customer.schema.ts';

/**
 * How large one customer card may be, in bytes of its fields as stored (UTF-8). DynamoDB refuses an item
 * over 400 KB and a transaction over 4 MB: an import writes 19 cards per transaction, each with its undo
 * record (the fields before and after), so a card must stay far below the item limit for a window of
 * them to fit in one transaction. 64 KiB is still room for 60 custom attributes of 1,000 characters.
 */
export const MAX_CARD_BYTES = 64 * 1024;

/** The size of a would-be card: its fields as JSON, which is within a few percent of DynamoDB's count. */
export function cardBytes(customer: Customer): number {
  return Buffer.byteLength(JSON.stringify(customer), 'utf8');
}

/** Why this card is too large to store, in words for the person who sent it; undefined when it fits. */
export function cardTooLarge(customer: Customer): string | undefined {
  const bytes = cardBytes(customer);
  if (bytes <= MAX_CARD_BYTES) return undefined;
  const attributes = Object.keys(customer.attributes ?? {}).length;
  return `the customer card would be ${Math.ceil(bytes / 1024)} KB, over the ${MAX_CARD_BYTES / 1024} KB a card may hold${attributes > 20 ? ` (${attributes} custom attributes: map the columns you need and ignore the others)` : ''}`;
}
