import type { Customer } from './customer.schema.ts';

// Pure text helpers the item layer (shared/store/entities.ts) needs on every write: kept apart from the
// rules and filter modules so that reading a tenant or a key does not load their schemas.

/** Lower-case, accent-free text for case- and accent-insensitive prefix search. */
export function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase('en')
    .trim();
}

type Contact = { email?: string | null; phone?: string | null };

/**
 * The text `q` searches: every word of the names, the email, the phone with and without `+`; and the email
 * and phone of every card merged into this one (`mergedFrom`, internal), which still lead here (events,
 * erasure): searching the address a person used before finds the card that has their history now.
 */
export function searchText(c: Pick<Customer, 'firstName' | 'lastName' | 'email' | 'phone'> & { mergedFrom?: Contact[] }): string {
  const words = [c.firstName, c.lastName]
    .filter((s): s is string => !!s)
    .flatMap((s) => fold(s).split(/[\s'-]+/))
    .filter(Boolean);
  const full = [c.firstName, c.lastName].filter(Boolean).map((s) => fold(s!));
  const contacts: string[] = [];
  for (const x of [c, ...(c.mergedFrom ?? [])]) {
    if (x.email) contacts.push(x.email);
    if (x.phone) contacts.push(x.phone, x.phone.slice(1));
  }
  return ` ${[...words, ...full, ...contacts].join(' ')}`;
}
