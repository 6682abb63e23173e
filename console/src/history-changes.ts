/**
 * The identities an event replaced on the card (a history entry's `changes`: the email of a corrected typo,
 * a customer's new phone), in the owner's words: "Email changed: rita@gmial.com → rita@gmail.com". The
 * history entry (console/src/history-entry.tsx) shows each value on its own, isolated from its neighbours;
 * the whole sentence here is what it reads as, for the unit test (test/unit/console-history-changes.test.ts).
 */
import { t, type Key } from './i18n.ts';

/** One entry of `changes` (the HistoryEntry schema: shared/domain/customer-card.schema.ts). */
export interface IdentityChange {
  field: string;
  from: string;
  to: string;
}

const LABELS: Record<string, Key> = { email: 'histChangedEmail', phone: 'histChangedPhone' };

/** What changed, in words, and the old and new values as sent (an empty one shown as a dash, not as nothing). */
export function changeParts(change: IdentityChange): { label: string; from: string; to: string } {
  const key = LABELS[change.field];
  // A field a later API version may add is still named, in the console's wording for "changed".
  const label = key ? t(key) : t('histChangedOther').replace('{field}', () => change.field);
  const shown = (v: string) => (v.trim() ? v : '—');
  return { label, from: shown(change.from), to: shown(change.to) };
}

/** The sentence as the history entry reads it: "Email cambiata: rita@gmial.com → rita@gmail.com". */
export function changeText(change: IdentityChange): string {
  const { label, from, to } = changeParts(change);
  return `${label}: ${from} → ${to}`;
}
