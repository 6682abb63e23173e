import { describe, expect, it } from 'vitest';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';
import { mergeRow, newCustomerFromRow, type NotApplied } from '../../shared/import/merge.ts';
import { columnLabels, mapColumns } from '../../shared/import/columns.ts';

/** How an import row meets a card: its contact dates, and the values the card does not take. */
const AT = '2026-11-30T12:00:00.000Z';
const card = (over: Partial<Customer> = {}): Customer => ({ ...blankCustomer('c1', '2026-01-10T09:00:00.000Z', '2026-01-10T09:00:00.000Z'), email: 'a@x.it', ...over });

describe('a new card from a row', () => {
  it('takes the import as the last contact when the row gives none, "customer since" as the first', () => {
    expect(newCustomerFromRow('n1', { email: 'a@x.it', firstContactAt: '2019-05-04T00:00:00.000Z' }, AT)).toMatchObject({ firstContactAt: '2019-05-04T00:00:00.000Z', lastContactAt: AT });
    expect(newCustomerFromRow('n1', { email: 'a@x.it' }, AT)).toMatchObject({ firstContactAt: AT, lastContactAt: AT });
  });
  it("takes the row's last contact, and a first contact no later than it", () => {
    expect(newCustomerFromRow('n1', { email: 'a@x.it', firstContactAt: '2019-05-04T00:00:00.000Z', lastContactAt: '2026-10-01T00:00:00.000Z' }, AT)).toMatchObject({
      firstContactAt: '2019-05-04T00:00:00.000Z',
      lastContactAt: '2026-10-01T00:00:00.000Z',
    });
    expect(newCustomerFromRow('n1', { email: 'a@x.it', lastContactAt: '2021-01-15T00:00:00.000Z' }, AT)).toMatchObject({ firstContactAt: '2021-01-15T00:00:00.000Z', lastContactAt: '2021-01-15T00:00:00.000Z' });
  });
});

describe('a row merged into a card', () => {
  it("moves the last contact forward only, and the first contact back to the file's earliest contact", () => {
    const c = card({ firstContactAt: '2025-01-01T00:00:00.000Z', lastContactAt: '2025-06-01T00:00:00.000Z' });
    expect(mergeRow(c, { lastContactAt: '2024-01-01T00:00:00.000Z' }, 'overwrite', AT)).toMatchObject({ firstContactAt: '2024-01-01T00:00:00.000Z', lastContactAt: '2025-06-01T00:00:00.000Z' });
    expect(mergeRow(c, { lastContactAt: '2026-10-01T00:00:00.000Z' }, 'merge', AT).lastContactAt).toBe('2026-10-01T00:00:00.000Z');
  });

  it('lists every value the card does not take under merge, and nothing it already has', () => {
    const c = card({ city: 'Forlì', phone: '+393391234567', attributes: { Tessera: '12' }, consent: { newsletter: 'denied', updatedAt: AT, source: 'api' }, stats: { ...card().stats, totalSpent: 5000 } });
    const out: NotApplied[] = [];
    const next = mergeRow(c, { email: 'a@x.it', city: 'Rimini', phone: '+393470001111', attributes: { Tessera: '13' }, consent: 'granted', totalSpent: 123456 }, 'merge', AT, 'import', out);
    expect(next).toBe(c);
    expect(out.map((n) => n.field)).toEqual(['city', 'phone', 'attributes.Tessera', 'consent', 'totalSpent']);
    expect(out[0]!.reason).toBe('the card keeps "Forlì", the file\'s "Rimini" was not applied (an import fills only empty fields; onDuplicate "overwrite" lets the file\'s values win)');
    const same: NotApplied[] = [];
    mergeRow(c, { email: 'a@x.it', city: 'Forlì', phone: '+393391234567', attributes: { Tessera: '12' }, consent: 'denied', totalSpent: 5000 }, 'merge', AT, 'import', same);
    expect(same).toEqual([]);
    // The same value written otherwise (a file in capitals, without accents) is no warning.
    const written: NotApplied[] = [];
    mergeRow(card({ city: 'Forlì', firstName: 'Tom' }), { email: 'a@x.it', city: 'FORLI', firstName: 'TOM' }, 'merge', AT, 'import', written);
    expect(written).toEqual([]);
  });

  it('under overwrite lists only what no policy changes (phone, a denied consent, a full card’s tags); under skip nothing', () => {
    const tags = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8', 'A9'];
    const c = card({ city: 'Forlì', phone: '+393391234567', tags, consent: { newsletter: 'denied', updatedAt: AT, source: 'api' } });
    const f = { email: 'a@x.it', city: 'Rimini', phone: '+393470001111', consent: 'granted' as const, tags: ['Nuovo', 'A1'] };
    const out: NotApplied[] = [];
    expect(mergeRow(c, f, 'overwrite', AT, 'import', out).city).toBe('Rimini');
    expect(out.map((n) => n.field)).toEqual(['phone', 'tags', 'consent']);
    expect(out[1]!.reason).toBe('the card already has 9 tags, the most it holds: "Nuovo" left out');
    const skipped: NotApplied[] = [];
    expect(mergeRow(c, f, 'skip', AT, 'import', skipped)).toBe(c);
    expect(skipped).toEqual([]);
  });

  it('does not report a "pending" the card does not take: it is a weaker answer to the same question', () => {
    const out: NotApplied[] = [];
    mergeRow(card({ consent: { newsletter: 'granted', updatedAt: AT, source: 'api' } }), { consent: 'pending' }, 'merge', AT, 'import', out);
    expect(out).toEqual([]);
  });
});

describe('column labels in warnings', () => {
  it("names a field by the file's column that fed it, or by the API's name", () => {
    const header = ['E-mail', 'Cellulare', 'Nome e cognome', 'Città', 'Tessera'];
    const label = columnLabels(header, mapColumns(header));
    expect(['phone', 'firstName', 'lastName', 'city', 'attributes.Tessera', 'consent'].map(label)).toEqual(['Cellulare', 'Nome e cognome', 'Nome e cognome', 'Città', 'Tessera', 'consent']);
  });
});
