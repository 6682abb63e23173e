import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapColumns, recogniseHeader } from '../../shared/import/columns.ts';
import { openCsv } from '../../shared/import/csv-reader.ts';
import { dateColumns, surveyDateOrders } from '../../shared/import/date-orders.ts';
import { readConsent, readDate, readGender } from '../../shared/import/values.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';

/**
 * Files as shop owners' tools write them (test/fixtures/import-variants): header names with qualifiers, shop
 * platforms' exports, Italian consent and gender words, dates as Excel and people write them, a full-name column
 * written surname first. Each is read as the import reads it: the CSV reader, the column mapping, the row reader.
 */
const DIR = join(import.meta.dirname, '..', 'fixtures', 'import-variants');

async function* once(b: Buffer) {
  yield b;
}
async function importRows(name: string) {
  const { layout, batches } = await openCsv(once(readFileSync(join(DIR, name))));
  const records = [];
  for await (const batch of batches) records.push(...batch);
  const targets = mapColumns(layout.header);
  const dateOrders = await surveyDateOrders((async function* () { yield records; })(), dateColumns(targets), layout.header.length);
  const ctx: RowContext = { header: layout.header, targets, defaultCountry: 'IT', tags: [...DEFAULT_TAGS], today: '2026-11-23', dateOrders };
  return records.map((r) => readRow(r.values, r.line, ctx));
}
const fieldsOf = (r: Awaited<ReturnType<typeof importRows>>[number]) => (r.ok ? r.fields : r.reason);
const warningsOf = (r: Awaited<ReturnType<typeof importRows>>[number]) => (r.ok ? r.warnings : [r.reason]);

describe('header names with qualifiers (report-rimport 3)', () => {
  it('imports the Italian management program file whose every row was rejected "no email, no phone"', async () => {
    const [anna, mg] = await importRows('headers_it.csv');
    expect(anna).toMatchObject({ ok: true, fields: { firstName: 'Anna', lastName: 'Rossi', email: 'anna.hdr@example.it', phone: '+393331116101', consent: 'granted', gender: 'female' } });
    expect(fieldsOf(anna!)).not.toHaveProperty('attributes');
    expect(mg).toMatchObject({ ok: true, fields: { firstName: 'Maria Grazia', lastName: 'De Luca', consent: 'denied', gender: 'female' }, warnings: [] });
  });
  it.each([
    ['Numero cellulare', 'mobile'], ['N. Cellulare', 'mobile'], ['Tel. cellulare', 'mobile'], ['Telefono 1', 'phone'], ['Telefono mobile', 'mobile'],
    ['Cell phone number', 'mobile'], ['Email cliente', 'email'], ['Indirizzo mail', 'email'], ['Customer email', 'email'], ['Customer phone', 'phone'],
    ['Adresse e-mail du client', 'email'], ['Kunden E-Mail', 'email'], ['Correo del cliente', 'email'], ['Número de móvil', 'mobile'],
    ['Cognome e nome', 'fullName'], ['Nominativo', 'fullName'], ['Nome ospite', 'fullName'],
    ['Consenso Marketing (Sì/No)', 'consent'], ['Newsletter (S/N)', 'consent'], ['Privacy marketing', 'consent'], ['Sesso (M/F)', 'gender'], ['Sesso M/F', 'gender'],
    ['Data di nascita cliente', 'birthDate'], ['Note cliente', 'notes'],
  ])('recognises %j as %s', (header, field) => {
    expect(recogniseHeader(header)).toBe(field);
  });
  it.each([
    'Email opt-in date', 'Email verified', 'Email bounced', 'Numero tessera', 'Numero ordini', 'Stato cliente', 'Codice cliente', 'Indirizzo', 'Indirizzo cliente',
    'Numero', 'Contact', 'Telefono ufficio note', 'Data ultima email', 'Email marketing consent date', 'Customer ID',
  ])('does not take the near miss %j for a field: it stays a custom attribute', (header) => {
    expect(recogniseHeader(header)).toBeUndefined();
    expect(mapColumns([header])[0]).not.toHaveProperty('field');
  });
  it('reads "Nome cliente" as the given name beside "Cognome cliente", as the full name alone', () => {
    expect(mapColumns(['Nome cliente', 'Cognome cliente', 'Email'])).toEqual([{ field: 'firstName' }, { field: 'lastName' }, { field: 'email' }]);
    expect(mapColumns(['Nome cliente', 'Email'])).toEqual([{ field: 'fullName' }, { field: 'email' }]);
  });
  it("keeps OpenTable's Guest Name a full name beside First Name and Last Name: Bob Taylor is Bob, Taylor", () => {
    const header = ['Guest Name', 'First Name', 'Last Name', 'Email'];
    const targets = mapColumns(header);
    expect(targets[0]).toEqual({ field: 'fullName' });
    const r = readRow(['Bob Taylor', 'Bob', 'Taylor', 'bob.t@example.com'], 2, { header, targets, defaultCountry: 'IT', tags: [], today: '2026-11-23' });
    expect(r).toMatchObject({ ok: true, fields: { firstName: 'Bob', lastName: 'Taylor' }, warnings: [] });
  });
  it('says, when no column was read as email or phone, that the header is the problem, and lists the columns found', async () => {
    const [row] = await importRows('no_contact.csv');
    expect(row).toMatchObject({ ok: false, line: 2 });
    const reason = warningsOf(row!)[0]!;
    expect(reason).toMatch(/no column was read as email or phone/);
    expect(reason).toContain('"Nome", "Cognome", "Codice tessera", "Note"');
    expect(reason).toMatch(/mapping/);
  });
});

describe('a full-name column (report-rimport 8): surname first when the header says so or is "Nominativo"', () => {
  it('reads Nominativo "Rossi Anna" as Anna Rossi and "De Luca Maria Grazia" as Maria Grazia De Luca, and warns where it cannot be sure', async () => {
    const [a, b, c] = await importRows('nominativo.csv');
    expect(a).toMatchObject({ ok: true, fields: { firstName: 'Anna', lastName: 'Rossi', email: 'nominativo.a@example.it', consent: 'granted' }, warnings: [] });
    expect(b).toMatchObject({ ok: true, fields: { firstName: 'Maria Grazia', lastName: 'De Luca', consent: 'denied' }, warnings: [] });
    expect(c).toMatchObject({ ok: true, fields: { firstName: 'Bianchi Anna', lastName: 'Rossi' } });
    expect(warningsOf(c!)).toEqual([expect.stringMatching(/^Nominativo: "Rossi Bianchi Anna" read as first name "Bianchi Anna", last name "Rossi": check the split/)]);
  });
  it('still reads "Nome e cognome" given name first', async () => {
    const targets = mapColumns(['Nome e cognome', 'Email']);
    const r = readRow(['Maria Grazia De Luca', 'mg@x.it'], 2, { header: ['Nome e cognome', 'Email'], targets, defaultCountry: 'IT', tags: [], today: '2026-11-23' });
    expect(r).toMatchObject({ ok: true, fields: { firstName: 'Maria Grazia', lastName: 'De Luca' }, warnings: [] });
  });
});

describe('shop platforms (report-rimport 4)', () => {
  it('Shopify: the city, postal code, country and the Default Address Phone reach the card (the customer Phone is empty)', async () => {
    const [pierre] = await importRows('shopify.csv');
    expect(pierre).toMatchObject({ ok: true, fields: { firstName: 'Pierre', city: 'Paris', postalCode: '75001', country: 'FR', phone: '+33612345679', consent: 'denied' } });
    expect(fieldsOf(pierre!)).not.toMatchObject({ attributes: { 'Default Address City': expect.anything() } });
  });
  it('WooCommerce: billing_phone, billing_city, billing_postcode, billing_country and date_registered', async () => {
    const [emma] = await importRows('woocommerce.csv');
    expect(emma).toMatchObject({ ok: true, fields: { phone: '+447911123456', city: 'London', postalCode: 'SW1A 1AA', country: 'GB', firstContactAt: expect.stringMatching(/^2023-06-04T/) } });
  });
  it('Square: Email Subscription Status is the consent, Memo the notes, First Visit the first contact', async () => {
    const [giorgio, marta] = await importRows('square.csv');
    expect(giorgio).toMatchObject({ ok: true, fields: { consent: 'denied', notes: 'tavolo 4', firstContactAt: expect.stringMatching(/^2024-01-10/), birthDate: '1985-07-10' } });
    expect(marta).toMatchObject({ ok: true, fields: { consent: 'granted' } });
  });
});

describe('dates as Excel and people write them (report-rimport 7)', () => {
  // Excel's day 31121 is 15 March 1985 (day 1 is 1 January 1900, with Excel's 29 February 1900).
  it('reads an Excel date number, a two-digit year and a month name; says a birthday without a year is left out because it has no year', async () => {
    const [rita, ugo, ivo, ada] = await importRows('dates_phones.csv');
    expect(rita).toMatchObject({ ok: true, fields: { birthDate: '1985-03-15', firstContactAt: expect.stringMatching(/^2023-01-01/) }, warnings: [] });
    expect(ugo).toMatchObject({ ok: true, fields: { birthDate: '1985-03-15', firstContactAt: expect.stringMatching(/^2023-02-01/) }, warnings: [] });
    expect(ivo).toMatchObject({ ok: true, fields: { birthDate: '1985-03-15', firstContactAt: expect.stringMatching(/^2023-01-01/) }, warnings: [] });
    expect(ada).toMatchObject({ ok: true, warnings: [expect.stringMatching(/^Data di nascita: "--03-15" has no year: a birth date is stored as a full date \(YYYY-MM-DD\)/)] });
    expect(fieldsOf(ada!)).not.toHaveProperty('birthDate');
  });
  it('says the same of a first contact without a year, naming it a date', () => {
    const header = ['Email', 'Cliente dal', 'Birthday'];
    const r = readRow(['a@x.it', '15 marzo', '06/15'], 2, { header, targets: mapColumns(header), defaultCountry: 'IT', tags: [], today: '2026-11-23' });
    expect(r).toMatchObject({
      ok: true,
      warnings: [
        'Cliente dal: "15 marzo" has no year: a date is stored as a full date (YYYY-MM-DD), so a day and month alone cannot be kept; add the year to keep it; left out',
        'Birthday: "06/15" has no year: a birth date is stored as a full date (YYYY-MM-DD), so a day and month alone cannot be kept; add the year to keep it; left out',
      ],
    });
  });
  it.each([
    ['15/03/85', '1985-03-15'], ['01/02/23', '2023-02-01'], ['31/12/26', '1926-12-31'], ['15 marzo 1985', '1985-03-15'], ['1 gen 2023', '2023-01-01'],
    ['15 March 1985', '1985-03-15'], ['March 15, 1985', '1985-03-15'], ['15-Mar-85', '1985-03-15'], ['1° maggio 1990', '1990-05-01'], ['15. März 1985', '1985-03-15'],
    ['15 de marzo de 1985', '1985-03-15'], ['31121', '1985-03-15'], ['44927', '2023-01-01'],
  ])('reads %j as %s (today 2026-11-23)', (raw, date) => {
    expect(readDate(raw, 'day-first', '2026-11-23')).toBe(date);
  });
  it('never reads a year alone as an Excel date number, nor a month name without a day', () => {
    expect(readDate('1985')).toBeUndefined();
    expect(readDate('marzo 1985')).toBeUndefined();
    expect(readDate('31 febbraio 1985')).toBeUndefined();
  });
});

describe('Italian consent and gender words (report-rimport 9)', () => {
  it.each([
    ['Acconsento', 'granted'], ['Consento', 'granted'], ['Non acconsento', 'denied'], ['Consenso negato', 'denied'], ['Nego', 'denied'], ['Non consento', 'denied'],
  ])('reads %j as %s', (raw, v) => {
    expect(readConsent(raw)).toBe(v);
  });
  it.each([
    ['Maschile', 'male'], ['Femminile', 'female'], ['Uomo', 'male'], ['Donna', 'female'], ['M.', 'male'], ['Non specificato', 'unspecified'],
  ])('reads the gender %j as %s', (raw, v) => {
    expect(readGender(raw)).toBe(v);
  });
  it('does not read "constructor" as a gender', () => {
    expect(readGender('constructor')).toBeUndefined();
  });
});

describe('a phone Excel wrote in scientific notation (report-rimport 11)', () => {
  it('says Excel lost the digits and what to do, in the reason and in the warning', async () => {
    const rows = await importRows('dates_phones.csv');
    const [sci, sci2] = rows.slice(4);
    expect(sci).toMatchObject({ ok: false, line: 6 });
    expect(warningsOf(sci!)[0]).toMatch(/phone "3,93331E\+11" is a number Excel wrote in scientific notation, which lost its last digits: format the column as Text/);
    expect(sci2).toMatchObject({ ok: true, fields: { email: 'sci2@example.it' } });
    expect(warningsOf(sci2!)).toEqual([expect.stringMatching(/^Cellulare: "3,93331E\+11" is a number Excel wrote in scientific notation/)]);
  });
});
