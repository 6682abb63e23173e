/**
 * A history entry (one event of the contract's `POST /v1/events`, see shared/events/event.schema.ts) as a
 * shop owner reads it, in the console's language: what happened ("Booking completed"), then its details in
 * words ("3 people · 21 Mar 2026, 20:30 · €88.00", "Pizza ×2, Beer ×1"), money from minor units, dates
 * localised. Fields the contract does not name (sites send more) stay visible, with their names turned into
 * words and their values into text, never JSON. The ids of bookings and orders go in small print: the
 * booking tool's or the till's reference, not what the owner reads first. The email or phone the event
 * replaced on the card (the entry's `changes`) is said under it, old value then new, so a corrected typo or a
 * new number on the card can be traced to the event that brought it.
 */
import type { ComponentChildren } from 'preact';
import { fmtDate, fmtMoney, lang, t, type Key } from './i18n.ts';
import type { HistoryEntry } from './types.ts';
import { count } from './counted.ts';
import { changeParts } from './history-changes.ts';

const locale = () => (lang.value === 'it' ? 'it-IT' : 'en-GB');

const EVENT_LABELS: Record<string, Key> = {
  'booking.created': 'histBookingCreated',
  'booking.updated': 'histBookingUpdated',
  'booking.cancelled': 'histBookingCancelled',
  'booking.no_show': 'histBookingNoShow',
  'booking.completed': 'histBookingCompleted',
  'contact_form.submitted': 'histContactForm',
  'newsletter.subscribed': 'histNewsletterSubscribed',
  'newsletter.unsubscribed': 'histNewsletterUnsubscribed',
  'order.completed': 'histOrder',
  'message.received': 'histMessage',
  'review.submitted': 'histReview',
};

/** `survey_completed`, `tablePreference`, `loyalty-joined` → "survey completed", "table preference", "loyalty joined". */
export const words = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._-]+/g, ' ')
    .trim()
    .toLowerCase();
const capitalised = (s: string) => (s ? s[0]!.toLocaleUpperCase() + s.slice(1) : s);

/** What an event type means, in words: the contract's types translated, `custom.*` and others spelled out. */
export function eventLabel(type: string): string {
  const key = EVENT_LABELS[type];
  if (key) return t(key);
  if (type.startsWith('custom.')) return t('histCustom').replace('{name}', words(type.slice('custom.'.length)));
  return capitalised(words(type));
}

const CHANNELS: Record<string, Key | string> = {
  email: 'chanEmail',
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  instagram: 'Instagram',
  facebook: 'Facebook',
  phone: 'chanPhone',
  website: 'chanWebsite',
  google: 'Google',
  tripadvisor: 'Tripadvisor',
  other: 'chanOther',
};
const channelName = (c: string) => {
  const v = CHANNELS[c];
  if (!v) return c;
  return v.startsWith('chan') ? t(v as Key) : v;
};

const BOOKING_STATUS: Record<string, Key> = { pending: 'pending', confirmed: 'bkConfirmed', cancelled: 'bkCancelled', no_show: 'bkNoShow', completed: 'bkCompleted' };

const people = (n: number) => count(n, 'histPeopleOne', 'histPeopleOther');

/** A booking's own day and time (`2026-03-21`, `20:30`: the restaurant's wall clock, no time zone) in the language's format. */
function bookingWhen(date: unknown, time: unknown): string | undefined {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const hm = typeof time === 'string' && /^\d{2}:\d{2}$/.test(time) ? (time.split(':').map(Number) as [number, number]) : undefined;
  // Read and written in UTC, so the browser's own zone cannot move the guest's 20:30 to another hour or day.
  const at = new Date(Date.UTC(y, m - 1, d, hm?.[0] ?? 0, hm?.[1] ?? 0));
  return at.toLocaleString(locale(), { timeZone: 'UTC', dateStyle: 'medium', ...(hm ? { timeStyle: 'short' } : {}) });
}

/** Minor units in the entry's currency (or the business's), or undefined when it is not an amount. */
function money(minor: unknown, currency: unknown): string | undefined {
  if (typeof minor !== 'number' || !Number.isFinite(minor)) return undefined;
  try {
    return fmtMoney(minor, typeof currency === 'string' && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : undefined);
  } catch {
    return fmtMoney(minor);
  }
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Any value a site sent, as text: yes/no, dates localised, lists joined, objects as "name: value" pairs. */
export function plainValue(v: unknown, depth = 0): string {
  if (v == null || v === '') return '—';
  if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
  if (typeof v === 'number') return v.toLocaleString(locale());
  if (typeof v === 'string') return ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)) ? fmtDate(v) : v;
  // Deep nesting is cut short rather than spelled out to the last level (the API allows 16).
  if (depth >= 3) return '…';
  // Objects in a list are set apart by semicolons: "name: caffè, points: 10; name: dolce, points: 20".
  if (Array.isArray(v)) return v.map((x) => plainValue(x, depth + 1)).join(v.some((x) => x !== null && typeof x === 'object') ? '; ' : ', ');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${words(k)}: ${plainValue(x, depth + 1)}`).join(', ');
  return String(v);
}

/** What the entry says, in pieces: phrases on one line, labelled texts (a message, notes) below it, references in small print. */
interface Reading {
  phrases: ComponentChildren[];
  texts: [string, unknown][];
  refs: string[];
}

/** The fields of each type this file reads itself; anything else is shown as "Name: value". */
const READ: Record<string, string[]> = {
  booking: ['bookingId', 'date', 'time', 'partySize', 'status', 'amount', 'currency', 'notes', 'reason'],
  'order.completed': ['orderId', 'currency', 'total', 'items'],
  'contact_form.submitted': ['message', 'subject', 'formId'],
  'newsletter.subscribed': ['listId', 'wording'],
  'newsletter.unsubscribed': ['listId', 'reason'],
  'message.received': ['text', 'channel', 'subject'],
  'review.submitted': ['rating', 'text', 'channel'],
};

const STATUS_OF_TYPE: Record<string, string> = { 'booking.created': 'confirmed', 'booking.cancelled': 'cancelled', 'booking.no_show': 'no_show', 'booking.completed': 'completed' };

function read(type: string, d: Record<string, unknown>): Reading {
  const r: Reading = { phrases: [], texts: [], refs: [] };
  const str = (k: string) => (typeof d[k] === 'string' && (d[k] as string).trim() ? (d[k] as string) : undefined);
  if (type.startsWith('booking.')) {
    if (typeof d.partySize === 'number') r.phrases.push(people(d.partySize));
    const when = bookingWhen(d.date, d.time);
    if (when) r.phrases.push(when);
    else if (str('time')) r.phrases.push(str('time'));
    const paid = money(d.amount, d.currency);
    if (paid) r.phrases.push(paid);
    // A status that says more than the type does (an update that confirms, a creation still pending).
    const status = str('status');
    if (status && status !== STATUS_OF_TYPE[type]) r.phrases.push(`${t('histStatus')}: ${BOOKING_STATUS[status] ? t(BOOKING_STATUS[status]) : words(status)}`);
    if (str('notes')) r.texts.push([t('notes'), d.notes]);
    // A cancellation's reason, labelled in the console's language (the site's own words stay as written).
    if (str('reason')) r.texts.push([t('histReason'), d.reason]);
    if (str('bookingId')) r.refs.push(t('histBookingRef').replace('{id}', str('bookingId')!));
  } else if (type === 'order.completed') {
    const total = money(d.total, d.currency);
    if (total) r.phrases.push(total);
    if (Array.isArray(d.items) && d.items.length) {
      r.phrases.push(
        d.items
          .map((item: unknown) => {
            const i = (item ?? {}) as { name?: unknown; sku?: unknown; quantity?: unknown };
            const name = typeof i.name === 'string' && i.name.trim() ? i.name : typeof i.sku === 'string' ? i.sku : '?';
            return typeof i.quantity === 'number' ? `${name} ×${i.quantity.toLocaleString(locale())}` : name;
          })
          .join(', '),
      );
    }
    if (str('orderId')) r.refs.push(t('histOrderRef').replace('{id}', str('orderId')!));
  } else if (type === 'contact_form.submitted' || type === 'message.received' || type === 'review.submitted') {
    if (typeof d.rating === 'number') r.phrases.push(<span role="img" aria-label={t('histRating').replace('{n}', String(d.rating))}>{'★'.repeat(Math.max(0, Math.min(5, d.rating))) + '☆'.repeat(Math.max(0, 5 - d.rating))}</span>);
    if (str('channel')) r.phrases.push(t('histVia').replace('{channel}', channelName(str('channel')!)));
    if (str('subject')) r.texts.push([t('histSubject'), d.subject]);
    if (str('message')) r.texts.push([t('histText'), d.message]);
    if (str('text')) r.texts.push([t('histText'), d.text]);
    if (str('formId')) r.refs.push(t('histFormRef').replace('{id}', str('formId')!));
  } else if (type === 'newsletter.subscribed' || type === 'newsletter.unsubscribed') {
    if (str('listId')) r.phrases.push(t('histList').replace('{id}', str('listId')!));
    if (str('wording')) r.texts.push([t('histWording'), d.wording]);
    if (str('reason')) r.texts.push([t('histReason'), d.reason]);
  }
  const known = READ[type.startsWith('booking.') ? 'booking' : type] ?? [];
  for (const [k, v] of Object.entries(d)) if (!known.includes(k)) r.texts.push([capitalised(words(k)), v]);
  return r;
}

/** One history entry: when, what happened, its details. */
export function HistoryText({ entry }: { entry: HistoryEntry }) {
  const { phrases, texts, refs } = read(entry.type, entry.data ?? {});
  return (
    <>
      <time dateTime={entry.occurredAt}>{fmtDate(entry.occurredAt)}</time> <strong title={entry.type}>{eventLabel(entry.type)}</strong>
      {phrases.map((p, i) => (
        // Each piece isolated: a stranger's bidi controls in one cannot reorder the others.
        <span key={i}>
          {' · '}
          <bdi>{p}</bdi>
        </span>
      ))}
      {entry.changes && entry.changes.length > 0 && (
        <div class="summary">
          {entry.changes.map((c, i) => {
            const { label, from, to } = changeParts(c);
            // Old and new value each isolated, as the other values: a stranger's bidi controls cannot swap them.
            return (
              <div key={i}>
                <span class="muted">{label}:</span> <bdi>{from}</bdi> → <bdi>{to}</bdi>
              </div>
            );
          })}
        </div>
      )}
      {texts.length > 0 && (
        <div class="summary">
          {texts.map(([label, v], i) => (
            <div key={i}>
              <span class="muted">{label}:</span> <bdi>{plainValue(v)}</bdi>
            </div>
          ))}
        </div>
      )}
      {refs.length > 0 && <div class="muted small">{refs.join(' · ')}</div>}
    </>
  );
}
