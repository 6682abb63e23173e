import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CARD_LIMITS, cardLimitProblems, jsonBytesAtMost } from '../../shared/domain/card-limits.ts';

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('the card size bound used before serialising', () => {
  it('never says "at most" for a value whose JSON is bigger (any JSON value, any limit)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4000 }), (value, limit) => {
        if (jsonBytesAtMost(value, limit)) expect(bytes(value)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000), seed: 11 },
    );
  });

  it('holds for the worst strings: control characters (6-byte escapes) and 3-byte UTF-8', () => {
    for (const s of ['\u0001'.repeat(100), '€'.repeat(100), '"\\'.repeat(50), '😀'.repeat(50)]) {
      const limit = bytes({ s });
      expect(jsonBytesAtMost({ s }, limit - 1)).toBe(false);
    }
  });

  it('holds for the longest numbers JSON writes (25 characters)', () => {
    const value = Array.from({ length: 100 }, () => -1.2345678901234567e-6);
    expect(JSON.stringify(-1.2345678901234567e-6)).toHaveLength(25);
    expect(jsonBytesAtMost(value, bytes(value) - 1)).toBe(false);
  });

  it('holds for NaN and the infinities (JSON writes null) and leaves boxed numbers to the exact check', () => {
    const value = Array.from({ length: 100 }, (_, i) => (i % 2 ? Number.NaN : Number.POSITIVE_INFINITY));
    expect(jsonBytesAtMost(value, bytes(value) - 1)).toBe(false);
    expect(jsonBytesAtMost({ n: new Number(1e21) }, 1000)).toBe(false);
  });

  it('answers "maybe more" for what JSON.stringify converts (a Date), rather than guess', () => {
    expect(jsonBytesAtMost({ at: new Date() }, 10_000)).toBe(false);
  });

  it('a typical card is cleared without serialising, a big one is still measured and refused', () => {
    const card = { id: '01J', firstName: 'Giulia', lastName: 'Rossi', email: 'g@example.it', tags: ['VIP'], attributes: { a: 'b' }, stats: { visits: 3, spent: 120.5 } };
    expect(jsonBytesAtMost(card, CARD_LIMITS.cardBytes)).toBe(true);
    expect(cardLimitProblems(card)).toEqual([]);
    // Within every attribute bound, but the whole card over 64 KB: 50 attributes of 900 characters
    // (45 KB) plus 25 KB of notes.
    const attributes = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`a${i}`, 'x'.repeat(900)]));
    const big = { ...card, attributes, notes: 'n'.repeat(25_000) };
    expect(cardLimitProblems(big)).toEqual([expect.objectContaining({ path: 'attributes', message: expect.stringMatching(/at most 64 KB/) })]);
  });
});
