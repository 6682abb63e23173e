import { describe, expect, it } from 'vitest';
import { getCountries } from 'libphonenumber-js';
import { PHONE_COUNTRIES } from '../../shared/domain/countries.ts';
import { SettingsPatchSchema } from '../../shared/domain/tenant.schema.ts';

describe('default countries', () => {
  it('are exactly the regions the installed libphonenumber-js reads phone numbers in', () => {
    expect([...PHONE_COUNTRIES].sort()).toEqual([...getCountries()].sort());
  });

  it('are checked against that list, in any case: it, IT and XK pass, ZZ and EU do not', () => {
    expect(SettingsPatchSchema.parse({ defaultCountry: 'it' })).toEqual({ defaultCountry: 'IT' });
    expect(SettingsPatchSchema.safeParse({ defaultCountry: 'XK' }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ defaultCountry: 'ZZ' }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ defaultCountry: 'EU' }).success).toBe(false);
  });
});
