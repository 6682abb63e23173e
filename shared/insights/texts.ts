/**
 * What customers wrote, as the keywords read it (issue 14): one record per message, contact form or review,
 * written by capture in the event's own transaction into the tenant's sharded text collection
 * (shared/store/keys.ts, basketKeys.text). Pure rules, no I/O.
 */
import type { EventInput } from '../events/event.schema.ts';

export interface CustomerTextRecord {
  /** The history entry's id: a text is one accepted event. */
  id: string;
  /** When it was written (the event's occurredAt). */
  at: string;
  /** The subject (when one was given) and the body, as the customer wrote them. */
  text: string;
  /** The writer's language when known (BCP 47): the text is stemmed in it. */
  language?: string;
}

/** The event types whose words become keywords, and where their text is. */
const TEXT_FIELDS: Record<string, readonly string[]> = {
  'message.received': ['subject', 'text'],
  'contact_form.submitted': ['subject', 'message'],
  'review.submitted': ['text'],
};

/** The text record of an event (none for other types, or a review without text). */
export function customerTextOf(input: EventInput, entryId: string, occurredAt: string, language: string | null | undefined): CustomerTextRecord | undefined {
  const fields = TEXT_FIELDS[input.type];
  if (!fields) return undefined;
  const data = (input.data ?? {}) as Record<string, unknown>;
  // The subject and the body stay apart (a line break ends a phrase): "Prenotazione" + "Vorrei..." is no phrase.
  const text = fields
    .map((f) => data[f])
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .join('\n');
  if (!text) return undefined;
  return { id: entryId, at: occurredAt, text, ...(language ? { language } : {}) };
}
