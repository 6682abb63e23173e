import fc from 'fast-check';
import stableStringify from 'safe-stable-stringify';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../shared/domain/canonical-json.ts';
import { eventPayloadHash } from '../../shared/events/ingest.ts';
import type { EventInput } from '../../shared/events/event.schema.ts';

/**
 * Event receipts and export idempotency claims store digests of canonicalJson, written before with
 * safe-stable-stringify: a digest that changed would make a retry of a stored event a "payload mismatch" and
 * an export retry a 409. So canonicalJson must write what safe-stable-stringify wrote, for every value a
 * parsed body can hold.
 */
describe('canonicalJson (event and export request digests)', () => {
  const event = {
    type: 'booking',
    eventId: 'bk-17',
    customer: { email: 'anna@example.it', firstName: 'Anna', attributes: { '10': 'x', '9': 'y', b: 'é😀' } },
    booking: { id: 'B1', status: 'confirmed', amount: 12.5, currency: 'EUR', rooms: [2, null, 'a'] },
  };

  it('writes the text and digest an event received before this change was stored with (keys sorted as text: "10" before "9")', () => {
    expect(canonicalJson({ ...event, occurredAt: '2026-11-30T10:00:00.000Z' })).toBe(
      '{"booking":{"amount":12.5,"currency":"EUR","id":"B1","rooms":[2,null,"a"],"status":"confirmed"},"customer":{"attributes":{"10":"x","9":"y","b":"é😀"},"email":"anna@example.it","firstName":"Anna"},"eventId":"bk-17","occurredAt":"2026-11-30T10:00:00.000Z","type":"booking"}',
    );
    // The digest safe-stable-stringify gave it (occurredAt as the instant), kept on its receipt: written out.
    expect(eventPayloadHash(event as unknown as EventInput, '2026-11-30T10:00:00.000Z')).toBe('FKa5dm_c9skzsYpoH5_sr2');
  });

  it('writes what safe-stable-stringify writes for awkward values', () => {
    const cases: unknown[] = [
      {},
      [],
      '',
      0,
      -0,
      1e21,
      1.5e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      true,
      'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f',
      'lone surrogates \ud800 \udfff and a pair 😀, bidi \u202e',
      { b: undefined, a: () => 1, c: Symbol('s'), d: 1 },
      [undefined, () => 1, Symbol('s'), 1],
      { z: { y: { x: [{ b: 1, a: 2 }] } }, '': 0, ' ': 1, A: 2, a: 3, é: 4, '2': 5, '10': 6, '01': 7 },
      { at: new Date('2026-11-30T10:00:00.000Z') },
      { toJSON: () => ({ b: 1, a: 2 }) },
      { nested: { toJSON: (key: string) => `key ${key}` } },
      undefined,
    ];
    for (const value of cases) expect(canonicalJson(value), JSON.stringify(value)).toBe(stableStringify(value));
  });

  it('writes what safe-stable-stringify writes for any JSON value (property test)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => canonicalJson(value) === stableStringify(value)),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.anything({ withDate: true, withNullPrototype: true, withObjectString: false, withBigInt: false }), (value) => canonicalJson(value) === stableStringify(value)),
      { numRuns: 1_000 },
    );
  });
});
