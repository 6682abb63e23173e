import { describe, expect, it } from 'vitest';
import { parseWith } from '../../shared/http/problem.ts';
import { CreateTagSchema, SettingsPatchSchema } from '../../shared/domain/tenant.schema.ts';
import { fieldErrors } from '../helpers/field-errors.ts';

const errors = fieldErrors;

describe('values a business sets once and relies on', () => {
  it('a currency is a real ISO 4217 code, in any case', () => {
    expect(parseWith(SettingsPatchSchema, { currency: 'chf' }).currency).toBe('CHF');
    expect(parseWith(SettingsPatchSchema, { currency: 'EUR' }).currency).toBe('EUR');
    for (const currency of ['QQQ', 'EU', 'EURO', '€', '']) {
      expect(errors(() => parseWith(SettingsPatchSchema, { currency }))).toEqual([{ path: 'currency', message: 'must be an ISO 4217 code, e.g. EUR' }]);
    }
  });

  it('a tag name holds no comma (the list filter splits on it) and no control character', () => {
    expect(parseWith(CreateTagSchema, { name: '  Gluten-free 🍝 ' }).name).toBe('Gluten-free 🍝');
    for (const name of ['a,b', 'VIP\u0000', 'x\ty']) {
      expect(errors(() => parseWith(CreateTagSchema, { name }))).toEqual([{ path: 'name', message: 'must not hold a comma (filters list tags comma-separated) or a control character' }]);
    }
  });
});
