import { describe, expect, it } from 'vitest';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';
import type { Provenance } from '../../shared/domain/provenance.ts';
import { changedFields, planUndo, withStampsBefore, type UndoRecord } from '../../shared/import/undo.ts';

/** Undo gives back a field's provenance with its value: the card stops naming the undone import. */
const T0 = '2026-01-10T09:00:00.000Z';
const AT = '2026-11-30T12:00:00.000Z';
const base: Customer & Provenance = {
  ...blankCustomer('c1', T0, T0), email: 'a@x.it', city: 'Roma', version: 2,
  fieldsAt: { email: T0, city: T0 }, fieldsFrom: { email: 'api:k1', city: 'api:k1' },
};
const imported: Customer & Provenance = {
  ...base, city: 'Napoli', lastName: 'Verdi', version: 3,
  fieldsAt: { ...base.fieldsAt, city: AT, lastName: AT }, fieldsFrom: { ...base.fieldsFrom, city: 'import:01J', lastName: 'import:01J' },
};
const record = (withStamps: boolean): UndoRecord => {
  const changes = withStampsBefore(changedFields(base, imported), base);
  return {
    customerId: 'c1', kind: 'updated', version: 3, ledger: [],
    before: Object.fromEntries(changes.map((c) => [c.field, c.before])), after: Object.fromEntries(changes.map((c) => [c.field, c.after])),
    ...(withStamps ? { stampsBefore: Object.fromEntries(changes.filter((c) => c.stampBefore).map((c) => [c.field, c.stampBefore!])) } : {}),
  };
};

describe('undo and provenance', () => {
  it('keeps, per changed field with provenance, its stamp before the import (null where it had none)', () => {
    expect(withStampsBefore(changedFields(base, imported), base)).toEqual([
      { field: 'lastName', before: null, after: 'Verdi', stampBefore: { at: null, from: null } },
      { field: 'city', before: 'Roma', after: 'Napoli', stampBefore: { at: T0, from: 'api:k1' } },
    ]);
  });
  it('restores the stamps with the values', () => {
    const step = planUndo(record(true), imported, [], AT);
    expect(step.action).toBe('restore');
    const next = (step as { next: Customer & Provenance }).next;
    expect(next).toMatchObject({ city: 'Roma', lastName: null });
    expect(next.fieldsAt).toEqual({ email: T0, city: T0 });
    expect(next.fieldsFrom).toEqual({ email: 'api:k1', city: 'api:k1' });
  });
  it('a field changed since keeps its value and its stamp', () => {
    const edited = { ...imported, city: 'Bari', fieldsAt: { ...imported.fieldsAt, city: AT }, fieldsFrom: { ...imported.fieldsFrom, city: 'api:k2' } };
    const next = (planUndo(record(true), edited, [], AT) as { next: Customer & Provenance }).next;
    expect(next.city).toBe('Bari');
    expect(next.fieldsFrom).toEqual({ email: 'api:k1', city: 'api:k2' });
  });
  it('an undo record written before stamps were kept leaves the provenance as it is', () => {
    const next = (planUndo(record(false), imported, [], AT) as { next: Customer & Provenance }).next;
    expect(next.city).toBe('Roma');
    expect(next.fieldsFrom).toEqual(imported.fieldsFrom);
  });
});
