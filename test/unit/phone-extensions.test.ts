import { describe, expect, it } from 'vitest';
import { normaliseFields, normalisePhone } from '../../shared/domain/customer-rules.ts';
import { newTenant } from '../../shared/domain/tenant.schema.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';
import { mapColumns } from '../../shared/import/columns.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { fieldErrors } from '../helpers/field-errors.ts';

/**
 * A phone with an extension (`ext. 101`, `x 5`, `#5`, `int. 12`, `interno 34`) is refused alike, wherever it
 * comes from: E.164 has no room for the extension, and dropping it silently put two people of one
 * switchboard on one card (`ext. 101` and `ext. 202` became one `+390287654321`).
 */
const tenant = newTenant('acme', 'Acme', '2026-01-01T00:00:00.000Z');
const WITH_EXTENSION = ['+39 02 8765 4321 ext. 101', '+39 02 8765 4321 ext 202', '02 8765 4321 x 5', '02 8765 4321 #5', '+39 02 8765 4321 int. 12', '+39 02 8765 4321 interno 34', '+39 02 8765 4321 estensione 4'];

describe('a phone with an extension', () => {
  it('is no phone number to store, whichever word introduces the extension', () => {
    for (const phone of WITH_EXTENSION) expect(normalisePhone(phone, 'IT'), phone).toBeUndefined();
    expect(normalisePhone('+39 02 8765 4321', 'IT')).toBe('+390287654321');
    // A label in brackets is no extension.
    expect(normalisePhone('333 1234567 (casa)', 'IT')).toBe('+393331234567');
  });

  it('is refused by the API naming `phone` and saying why', () => {
    for (const phone of WITH_EXTENSION) {
      expect(fieldErrors(() => normaliseFields({ phone }, tenant)), phone).toEqual([{ path: 'phone', message: expect.stringMatching(/^has an extension/) }]);
    }
    expect(fieldErrors(() => normaliseFields({ phone: '12' }, tenant))).toEqual([{ path: 'phone', message: expect.stringMatching(/^is not a valid phone number/) }]);
  });

  it('is left out of an import row with a warning saying why; the row is imported by its email', () => {
    const header = ['Nome', 'Email', 'Telefono'];
    const ctx: RowContext = { header, targets: mapColumns(header), defaultCountry: 'IT', tags: [...DEFAULT_TAGS], today: '2026-11-23' };
    for (const phone of WITH_EXTENSION) {
      const r = readRow(['Anna', 'anna@x.it', phone], 2, ctx);
      expect(r, phone).toMatchObject({ ok: true, fields: { email: 'anna@x.it' }, warnings: [expect.stringMatching(/Telefono.*has an extension.*left out/)] });
      expect(r.ok && r.fields.phone, phone).toBeFalsy();
    }
  });
});
