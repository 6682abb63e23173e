import { describe, expect, it } from 'vitest';
import { savedSearchNaming } from '../../shared/privacy/report-naming.ts';

describe('savedSearchNaming: a saved search that found an erased person by part of their email (report-verify7 6)', () => {
  const names = savedSearchNaming('01CUST', [{ email: 'marta.neri42@example.it', phone: null }], [{ firstName: 'Marta', lastName: 'Neri' }]);
  it('names the email local part and a prefix typed past the @', () => {
    for (const q of ['marta.neri42', ' MARTA.NERI42 ', 'marta.neri42@', 'marta.neri42@exam', 'marta.neri42@example.it']) expect(names(q), q).toBe(true);
  });
  it('leaves a short or generic prefix and another address alone', () => {
    for (const q of ['marta', 'mart', 'marta.neri', 'luca.neri42', 'marta.neri42@other.it', 'neri42']) expect(names(q), q).toBe(false);
  });
});
