import { describe, expect, it } from 'vitest';
import { eventSchema, eventSchemaFor, customEventSchema, MAX_DATA_DEPTH } from '../../shared/events/event.schema.ts';
import { parseWith } from '../../shared/http/problem.ts';
import { ValidationError } from '../../shared/domain/errors.ts';

/**
 * The events route reads a body with the schema of its own `type` (built on first use), not the whole union
 * of known types: the answer must be exactly what the union answers — parsed data, or the same issues with
 * the same paths and messages — for every type, valid or not, and the union's own answer for a missing or
 * unknown type.
 */
const at = '2026-05-01T19:30:00Z';
const customer = { email: 'ada@example.com' };
const bodies: Record<string, unknown>[] = [];
const typed = (type: string, data: unknown, extra: Record<string, unknown> = {}) => bodies.push({ eventId: `e-${bodies.length}`, type, occurredAt: at, customer, data, ...extra });

const BOOKING = { bookingId: 'b1', date: '2026-05-02', time: '20:00', partySize: 2 };
for (const type of ['booking.created', 'booking.updated', 'booking.cancelled', 'booking.no_show', 'booking.completed']) {
  typed(type, BOOKING);
  typed(type, { bookingId: 'b1' });
  typed(type, { ...BOOKING, partySize: 0, amount: -1, currency: 'euro', status: 'eaten' });
  typed(type, { ...BOOKING, coupon: 'X'.repeat(5000) });
}
typed('contact_form.submitted', { message: ' hello ', subject: 'Hi' });
typed('contact_form.submitted', { message: '   ' });
typed('newsletter.subscribed', undefined);
typed('newsletter.subscribed', { listId: 'main', wording: 'yes', extra: 1 });
typed('newsletter.unsubscribed', { reason: 'x'.repeat(501) });
typed('order.completed', { orderId: 'o1', currency: 'eur', total: 1000, items: [{ sku: 's', name: 'n', quantity: 1, unitPrice: 1000 }] });
typed('order.completed', { orderId: 'o 1', currency: 'EUR', total: 1.5, items: [] });
typed('message.received', { text: 'ciao', channel: 'whatsapp' });
typed('message.received', { text: 'ciao', channel: 'pigeon' });
typed('review.submitted', { rating: 5 });
typed('review.submitted', { rating: 6, channel: 'google' });
typed('booking.created', BOOKING, { customer: { firstName: 'Ada' } });
typed('booking.created', BOOKING, { occurredAt: '2026-05-01', eventId: 'has space', surprise: true });
typed('order.shipped', {});
typed('constructor', {});
typed('__proto__', {});
bodies.push({ eventId: 'e-x', occurredAt: at, customer, data: {} });
bodies.push({ type: 42 });

const answer = (r: ReturnType<ReturnType<typeof eventSchema>['safeParse']>) =>
  r.success ? { data: r.data } : { issues: r.error.issues.map((i) => ({ code: i.code, path: i.path, message: i.message })) };

describe('the events route reads a body with its own type\'s schema', () => {
  it('answers exactly what the union of known types answers, for every type, valid or not', () => {
    for (const body of bodies) {
      expect(answer(eventSchemaFor(body).safeParse(body) as never), JSON.stringify(body).slice(0, 120)).toEqual(answer(eventSchema().safeParse(body)));
    }
    // The bodies above are both accepted and refused.
    const results = bodies.map((b) => eventSchema().safeParse(b).success);
    expect(results.filter(Boolean).length).toBeGreaterThan(8);
    expect(results.filter((ok) => !ok).length).toBeGreaterThan(8);
  });

  it('a missing or unknown type names every type there is, custom ones included', () => {
    for (const body of [{ type: 'order.shipped' }, {}, { type: 42 }, { type: '__proto__' }]) {
      const r = eventSchemaFor(body).safeParse(body);
      expect(r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['type', 'must be one of booking.created, booking.updated, booking.cancelled, booking.no_show, booking.completed, contact_form.submitted, newsletter.subscribed, newsletter.unsubscribed, order.completed, message.received, review.submitted, or custom.<name>'],
      ]);
    }
  });

  it('reads custom events with the custom schema', () => {
    const body = { eventId: 'c1', type: 'custom.survey', occurredAt: at, customer, data: { score: 9 } };
    expect(eventSchemaFor(body)).toBe(customEventSchema());
    expect(eventSchemaFor(body).parse(body)).toMatchObject({ type: 'custom.survey', data: { score: 9 } });
  });

  it('builds a type\'s schema once', () => {
    const body = { type: 'order.completed' };
    expect(eventSchemaFor(body)).toBe(eventSchemaFor({ type: 'order.completed', other: 1 }));
    expect(eventSchemaFor({ type: 'nope' })).toBe(eventSchema());
  });
});

/** A `data` object nested `levels` deep, counting itself: `{ a: [[…[1]…]] }`. */
const dataNested = (levels: number) => {
  let v: unknown = 1;
  for (let i = 1; i < levels; i++) v = [v];
  return { a: v };
};
/** What the route answers for a body: its parsed data, or the problem's errors. */
const route = (body: Record<string, unknown>) => {
  try {
    return { ok: parseWith(eventSchemaFor(body), body) };
  } catch (e) {
    if (e instanceof ValidationError) return { errors: e.errors };
    throw e;
  }
};

describe('how deep data may nest (DynamoDB refuses an item nested over 32 levels)', () => {
  const deepMessage = `may be nested at most ${MAX_DATA_DEPTH} levels deep (objects and arrays, counting data itself)`;
  // Custom data is all extras; a known type (what a publishable key may send) keeps extras beside its own fields.
  const kinds = [
    (data: Record<string, unknown>) => ({ eventId: 'd1', type: 'custom.x', occurredAt: at, customer, data }),
    (data: Record<string, unknown>) => ({ eventId: 'd2', type: 'message.received', occurredAt: at, customer, data: { text: 'ciao', channel: 'website', ...data } }),
  ];

  it('keeps data nested exactly as deep as allowed', () => {
    for (const body of kinds) expect(route(body(dataNested(MAX_DATA_DEPTH)))).toMatchObject({ ok: { data: dataNested(MAX_DATA_DEPTH) } });
  });

  it('refuses data one level deeper with a 400 naming data', () => {
    for (const body of kinds) expect(route(body(dataNested(MAX_DATA_DEPTH + 1)))).toEqual({ errors: [{ path: 'data', message: deepMessage }] });
    // Deep in an object as much as in an array.
    let o: unknown = 'x';
    for (let i = 0; i < MAX_DATA_DEPTH; i++) o = { k: o };
    expect(route(kinds[0]!({ o }))).toEqual({ errors: [{ path: 'data', message: deepMessage }] });
  });

  it('refuses a megabyte of nesting without overflowing the stack', () => {
    const deep = JSON.parse(`{"a":${'['.repeat(400_000)}${']'.repeat(400_000)}}`) as Record<string, unknown>;
    for (const body of kinds) expect(route(body(deep))).toEqual({ errors: [{ path: 'data', message: deepMessage }] });
  });
});
