/**
 * Field provenance: for every card field, when it was last set and by what (`api:{keyId}`,
 * `import:{importId}`, `event:{type}:{eventId}`). Capture compares the stored time with an event's own
 * time, so an older event arriving late never overwrites a newer value, whoever set it.
 *
 * `fieldsAt` holds comparable stamps: an ISO time, followed for events by `#{eventId}` so that two events
 * of the same millisecond still have an order. `fieldsFrom` holds the source.
 */
export interface Provenance {
  fieldsAt?: Record<string, string>;
  fieldsFrom?: Record<string, string>;
}

/** Stamps `fields` of `card` as set at `stamp` by `source` (a new object; the card's maps are not mutated). */
export function stampFields<C extends Provenance>(card: C, fields: Iterable<string>, stamp: string, source: string): C {
  const fieldsAt = { ...card.fieldsAt };
  const fieldsFrom = { ...card.fieldsFrom };
  for (const f of fields) {
    fieldsAt[f] = stamp;
    fieldsFrom[f] = source;
  }
  return { ...card, fieldsAt, fieldsFrom };
}

/** The card's provenance as shown to the business: `{ field: { at, source } }`. */
export function provenanceView(card: Provenance): Record<string, { at: string; source: string | null }> {
  const out: Record<string, { at: string; source: string | null }> = {};
  for (const [field, stamp] of Object.entries(card.fieldsAt ?? {})) out[field] = { at: stamp.split('#')[0]!, source: card.fieldsFrom?.[field] ?? null };
  return out;
}

/** Card fields that carry provenance (the editable fields; stats and contact dates are derived). */
export const PROVENANCE_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'language', 'birthDate', 'gender', 'city', 'postalCode', 'country', 'notes', 'tags', 'consent'] as const;

/**
 * The provenance source of what an event sets: `event:{type}:{eventId}`, and for a publishable-key event
 * `event:{type}:P#{eventId}` (its receipt id: `#` never occurs in an eventId). What a publishable key sent is
 * a stranger's words, and the mark lets the business's own data outrank it whatever the dates.
 */
export const eventSource = (type: string, eventId: string, publishable: boolean) => `event:${type}:${publishable ? 'P#' : ''}${eventId}`;

/** Whether a provenance source is a publishable-key event's (a stranger's words, `eventSource`). */
export const isPublicSource = (source: string | undefined): boolean => !!source && /^event:[^:]+:P#/.test(source);

/**
 * Whether the card's value of `field` is a stranger's (a publishable-key event filled it): the business's own
 * data (its events, imports, merges, the console) replaces such a value wherever it would only fill an empty one.
 */
export const strangersValue = (card: Provenance, field: string): boolean => isPublicSource(card.fieldsFrom?.[field]);
