import { describe, expect, it } from 'vitest';
import { parseWith } from '../../shared/http/problem.ts';
import { ListQuerySchema, queryToObject } from '../../shared/domain/customer-filter.schema.ts';
import { KeywordsQuerySchema } from '../../shared/insights/baskets-api.ts';
import { RecomputeRequestSchema } from '../../shared/insights/insights.ts';
import { CreateImportSchema } from '../../shared/import/import-job.schema.ts';
import { CustomerFieldsSchema } from '../../shared/domain/customer-fields.schema.ts';
import { fieldErrors } from '../helpers/field-errors.ts';

/** A field that takes one of several forms names them when a value fits none (not zod's bare "Invalid input"). */
const errors = fieldErrors;

describe('fields of several forms say what they take', () => {
  it('atRisk: true or false', () => {
    expect(errors(() => parseWith(ListQuerySchema, queryToObject({ atRisk: 'maybe' })))).toEqual([{ path: 'atRisk', message: 'must be true or false' }]);
    expect(parseWith(ListQuerySchema, queryToObject({ atRisk: 'false' })).atRisk).toBe(false);
  });

  it('keywords from/to and the recompute asOf: a date or a date-time', () => {
    const message = 'must be a date YYYY-MM-DD or an ISO 8601 date-time with a time zone';
    expect(errors(() => parseWith(KeywordsQuerySchema, { from: 'yesterday', to: '2026-05-01T10:00' }))).toEqual([
      { path: 'from', message },
      { path: 'to', message },
    ]);
    expect(errors(() => parseWith(RecomputeRequestSchema, { asOf: 'soon' }))).toEqual([{ path: 'asOf', message }]);
    expect(parseWith(RecomputeRequestSchema, { asOf: '2026-05-01T10:00:00+02:00' }).asOf).toBe('2026-05-01T10:00:00+02:00');
  });

  it('an import mapping target: a field, "ignore" or an attribute, whatever was sent', () => {
    const message = 'must be a field name, "ignore" or "attributes.<name>"';
    expect(errors(() => parseWith(CreateImportSchema, { mapping: { Email: 'emial', Note: 'attributes. x', N: 5, M: null, Ok: 'attributes.vip', E: 'email' } }))).toEqual([
      { path: 'mapping.Email', message },
      { path: 'mapping.Note', message },
      { path: 'mapping.N', message },
      { path: 'mapping.M', message },
    ]);
  });

  it("a card's attribute name: 1 to 64 characters, said as such", () => {
    expect(errors(() => parseWith(CustomerFieldsSchema, { attributes: { ['k'.repeat(65)]: 'x', vip: 'yes' } }))).toEqual([
      { path: `attributes.${'k'.repeat(65)}`, message: 'an attribute name is 1 to 64 characters' },
    ]);
  });
});
