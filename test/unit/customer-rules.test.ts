import { describe, expect, it } from 'vitest';
import { normaliseFields, normalisePhone, normaliseEmail, fold } from '../../shared/domain/customer-rules.ts';
import { newTenant } from '../../shared/domain/tenant.schema.ts';
import { fieldErrors } from '../helpers/field-errors.ts';

const tenant = newTenant('acme', 'Acme', '2026-01-01T00:00:00.000Z');

const errorsOf = fieldErrors;

describe('customer field rules', () => {
  it('reads a number without country code in the tenant default country (IT) and stores E.164', () => {
    expect(normalisePhone('333 123 4567', 'IT')).toBe('+393331234567');
    expect(normalisePhone('0039 333 1234567', 'IT')).toBe('+393331234567');
    expect(normalisePhone('+44 20 7946 0958', 'IT')).toBe('+442079460958');
  });

  it('refuses numbers that are not phone numbers', () => {
    expect(normalisePhone('12', 'IT')).toBeUndefined();
    expect(normalisePhone('hello', 'IT')).toBeUndefined();
  });

  it('lower-cases and trims emails, refuses non-addresses', () => {
    expect(normaliseEmail('  Mario.Rossi@Example.IT ')).toBe('mario.rossi@example.it');
    expect(normaliseEmail('not-an-email')).toBeUndefined();
  });

  it('keeps names and the city without bidi controls (a right-to-left override made a name read as an email address), keeping direction marks', () => {
    expect(normaliseFields({ firstName: '\u202Emoc.knab-eruces@nimda', lastName: 'Rossi\u2067', city: '\u2066Roma\u2069' }, tenant)).toEqual({ firstName: 'moc.knab-eruces@nimda', lastName: 'Rossi', city: 'Roma' });
    expect(normaliseFields({ firstName: 'דוד\u200F', lastName: '\u202E' }, tenant)).toEqual({ firstName: 'דוד\u200F', lastName: null });
  });

  it('matches tags to the catalogue case-insensitively and keeps the catalogue spelling', () => {
    expect(normaliseFields({ tags: ['vip', 'friends & family', 'VIP'] }, tenant).tags).toEqual(['VIP', 'Friends & Family']);
  });

  it('refuses a tag that is not in the catalogue, naming it', () => {
    expect(errorsOf(() => normaliseFields({ tags: ['Gold'] }, tenant))).toEqual([{ path: 'tags.0', message: expect.stringContaining('"Gold"') }]);
  });

  it('refuses a tenth tag', () => {
    const ten = { ...tenant, tags: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] };
    expect(errorsOf(() => normaliseFields({ tags: ten.tags }, ten))).toEqual([{ path: 'tags', message: 'at most 9 tags per customer' }]);
  });

  it('reports every bad field at once', () => {
    const paths = errorsOf(() => normaliseFields({ email: 'x', phone: '1', language: '!!' }, tenant)).map((e) => e.path);
    expect(paths.sort()).toEqual(['email', 'language', 'phone']);
  });

  it('stores a language as its code: a regional tag reads as its language (?language=en finds it either way)', () => {
    expect(normaliseFields({ language: 'IT' }, tenant).language).toBe('it');
    expect(normaliseFields({ language: 'en-gb' }, tenant).language).toBe('en');
  });

  it('folds case and accents for search', () => {
    expect(fold('Niccolò ÉLODIE')).toBe('niccolo elodie');
  });
});
