import { describe, expect, it } from 'vitest';
import { describeMapping, mapColumns } from '../../shared/import/columns.ts';
import { readAmount, splitPhoneCell, splitTags } from '../../shared/import/values.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';
import { blankCustomer } from '../../shared/domain/customer.schema.ts';
import { mergeRow, newCustomerFromRow } from '../../shared/import/merge.ts';

const AT = '2026-11-23T12:00:00.000Z';

/**
 * Values from real exports (Mailchimp, Google Contacts, Excel by hand) that imports used to lose silently:
 * each is either read, or kept as a custom attribute with a warning.
 */
const ctxFor = (header: string[], over: Partial<RowContext> = {}): RowContext => ({
  header,
  targets: mapColumns(header),
  defaultCountry: 'IT',
  tags: [...DEFAULT_TAGS, 'Yoga'],
  today: '2026-11-23',
  ...over,
});
const read = (header: string[], values: string[], over: Partial<RowContext> = {}) => {
  const r = readRow(values, 2, ctxFor(header, over));
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r;
};

describe('tags in Mailchimp and Google Contacts cells', () => {
  it('reads Mailchimp\'s quoted tags without their quotes', () => {
    expect(splitTags('"Yoga","Mattina"')).toEqual(['Yoga', 'Mattina']);
    expect(splitTags('"Yoga, mattina","VIP"')).toEqual(['Yoga, mattina', 'VIP']);
    expect(splitTags('"Say ""hi"""')).toEqual(['Say "hi"']);
  });
  it('a Mailchimp TAGS cell gives the catalogue\'s Yoga, not a second "Yoga" beside it', () => {
    const ctx = ctxFor(['Email Address', 'TAGS']);
    const r = readRow(['anna@example.it', '"Yoga","Mattina"'], 2, ctx);
    expect(r).toMatchObject({ ok: true, fields: { tags: ['Yoga', 'Mattina'] } });
    expect(ctx.tags.filter((t) => t.includes('"'))).toEqual([]);
  });
  it('splits Google labels on " ::: " and leaves out Google\'s system labels', () => {
    expect(splitTags('* myContacts ::: Clienti ::: VIP')).toEqual(['Clienti', 'VIP']);
    expect(splitTags('* starred ::: * myContacts')).toEqual([]);
    const r = read(['Name', 'E-mail 1 - Value', 'Labels'], ['Anna', 'anna@example.it', '* myContacts ::: Clienti ::: VIP']);
    expect(r.fields.tags).toEqual(['Clienti', 'VIP']);
  });
  it('still splits plain cells on , ; and |', () => {
    expect(splitTags('VIP; Regular | Local,  Yoga ')).toEqual(['VIP', 'Regular', 'Local', 'Yoga']);
  });
  it('reads a quoted name whole beside plain ones, Google\'s ::: and a leading "* " inside the quotes included', () => {
    // clientela's exports quote only the names that need it, and join with |.
    expect(splitTags('VIP|"Yoga, Pilates"|Local')).toEqual(['VIP', 'Yoga, Pilates', 'Local']);
    expect(splitTags('"Corsi ::: sera"|"* Preferiti"|"Sala ""blu""; terrazza"')).toEqual(['Corsi ::: sera', '* Preferiti', 'Sala "blu"; terrazza']);
    // Outside quotes Google's labels split and its system labels go, as before.
    expect(splitTags('"Yoga, Pilates" ::: * starred ::: VIP')).toEqual(['Yoga, Pilates', 'VIP']);
  });
});

describe('several phone numbers in one cell', () => {
  it('splits on :::, /, ; , and before a label word', () => {
    expect(splitPhoneCell('+39 328 123 4567 ::: +39 02 5556667')).toEqual(['+39 328 123 4567', '+39 02 5556667']);
    expect(splitPhoneCell('333 7654321 / 02 7654321')).toEqual(['333 7654321', '02 7654321']);
    expect(splitPhoneCell('cell. 347 1112223 - casa 081 5556667')).toEqual(['347 1112223', '081 5556667']);
    expect(splitPhoneCell('333 1234567; 02 1234567')).toEqual(['333 1234567', '02 1234567']);
  });
  it('keeps one number written with a slash or a label as one', () => {
    expect(splitPhoneCell('02/5556667')).toEqual(['02/5556667']);
    expect(splitPhoneCell('333 1234567')).toEqual(['333 1234567']);
    expect(splitPhoneCell('cell. 347 1112223')).toEqual(['cell. 347 1112223']);
  });
  it('Google: keeps the mobile of Phone 1 (not Phone 2\'s landline), and says what was not kept', () => {
    const r = read(['Name', 'E-mail 1 - Value', 'Phone 1 - Value', 'Phone 2 - Value'], ['Anna', 'anna@example.it', '+39 328 123 4567 ::: +39 02 5556667', '02 5556667']);
    expect(r.fields.phone).toBe('+393281234567');
    expect(r.warnings).toEqual([
      'Phone 1 - Value: 2 numbers in one cell: +393281234567 kept as the phone, not kept: +39025556667 (a card holds one phone)',
      'Phone 2 - Value: "02 5556667": a card holds one phone (+393281234567 kept), kept as attribute "Phone 2 - Value"',
    ]);
    expect(r.fields.attributes).toEqual({ 'Phone 2 - Value': '02 5556667' });
  });
  it('Google: Phone 1 a home landline, Phone 2 the mobile: the mobile is the phone, the landline an attribute with a warning', () => {
    const r = read(['Name', 'Phone 1 - Type', 'Phone 1 - Value', 'Phone 2 - Type', 'Phone 2 - Value'], ['Anna', 'Home', '02 5556667', 'Mobile', '+39 340 1234567']);
    expect(r.fields.phone).toBe('+393401234567');
    expect(r.fields.attributes).toMatchObject({ 'Phone 1 - Value': '02 5556667' });
    expect(r.warnings).toContain('Phone 1 - Value: "02 5556667": a card holds one phone (+393401234567 kept), kept as attribute "Phone 1 - Value"');
  });
  it('a second phone column holding the kept number adds nothing', () => {
    const r = read(['Name', 'Phone 1 - Value', 'Phone 2 - Value'], ['Anna', '+39 328 123 4567', '328 1234567']);
    expect(r.fields.phone).toBe('+393281234567');
    expect(r.warnings).toEqual([]);
    expect(r.fields.attributes).toBeUndefined();
  });
  it('prefers the mobile number of a cell whichever comes first', () => {
    const r = read(['nome', 'telefono'], ['Anna', '02 7654321 / 333 7654321']);
    expect(r.fields.phone).toBe('+393337654321');
    expect(r.warnings).toEqual([expect.stringMatching(/^telefono: 2 numbers in one cell: \+393337654321 kept as the phone, not kept: \+39027654321/)]);
  });
  it('Excel: a row with two numbers in its only phone cell is imported, not rejected', () => {
    for (const cell of ['333 7654321 / 02 7654321', 'cell. 347 1112223 - casa 081 5556667']) {
      const r = readRow(['Anna', cell], 5, ctxFor(['Nome', 'Telefono']));
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.fields.phone).toMatch(/^\+393/);
        expect(r.warnings).toHaveLength(1);
        expect(r.warnings[0]).toMatch(/^Telefono: 2 numbers in one cell: .* not kept: \+390/);
      }
    }
  });
  it('with an email, the phone of a two-number cell is kept, not dropped', () => {
    const r = read(['Nome', 'Email', 'Telefono'], ['Anna', 'anna@example.it', '333 7654321 / 02 7654321']);
    expect(r.fields).toMatchObject({ email: 'anna@example.it', phone: '+393337654321' });
  });
});

describe('a second email or phone column', () => {
  it('Google E-mail 2: the first email is the card\'s, the second is kept as an attribute with a warning', () => {
    const r = read(['Name', 'E-mail 1 - Value', 'E-mail 2 - Value'], ['Anna', 'anna@example.it', 'anna.rossi@work.example']);
    expect(r.fields.email).toBe('anna@example.it');
    expect(r.fields.attributes).toEqual({ 'E-mail 2 - Value': 'anna.rossi@work.example' });
    expect(r.warnings).toEqual(['E-mail 2 - Value: "anna.rossi@work.example": a card holds one email (anna@example.it kept), kept as attribute "E-mail 2 - Value"']);
  });
  it('an empty first email column lets the second fill the email, with no warning', () => {
    const r = read(['Name', 'E-mail 1 - Value', 'E-mail 2 - Value'], ['Anna', '', 'anna@example.it']);
    expect(r.fields.email).toBe('anna@example.it');
    expect(r.warnings).toEqual([]);
  });
  it('Excel with Telefono and Cellulare: the mobile is the phone, the landline an attribute with a warning', () => {
    const r = read(['Nome', 'Telefono', 'Cellulare'], ['Anna', '02 7654321', '333 7654321']);
    expect(r.fields.phone).toBe('+393337654321');
    expect(r.fields.attributes).toEqual({ Telefono: '02 7654321' });
    expect(r.warnings).toEqual(['Telefono: "02 7654321": a card holds one phone (+393337654321 kept), kept as attribute "Telefono"']);
  });
  it('the mapping preview says only one email and one phone are kept', () => {
    const header = ['Name', 'E-mail 1 - Value', 'E-mail 2 - Value', 'Telefono', 'Cellulare'];
    const d = describeMapping(header, mapColumns(header));
    expect(d['E-mail 2 - Value']).toMatch(/^email \(only one email is kept.*attributes\.E-mail 2 - Value/);
    expect(d['Telefono']).toMatch(/^phone \(only one phone is kept.*attributes\.Telefono/);
    expect(d['Cellulare']).toMatch(/^mobile \(only one phone is kept/);
    expect(describeMapping(['Email', 'Telefono'], mapColumns(['Email', 'Telefono']))).toEqual({ Email: 'email', Telefono: 'phone' });
  });
});

describe('values under an empty header, amounts with letters', () => {
  it('keeps a value under an empty header as attribute "column N" with a warning', () => {
    const header = ['Nome', 'Email', 'Etichette', ''];
    const r = read(header, ['Anna', 'anna@example.it', 'VIP', 'tavolo 4']);
    expect(r.fields.attributes).toEqual({ 'column 4': 'tavolo 4' });
    expect(r.warnings).toEqual(['column 4: a value under an empty header, kept as attribute "column 4"']);
    expect(describeMapping(header, mapColumns(header))['(column 4)']).toBe('attributes.column 4');
  });
  it('an empty value under an empty header gives nothing', () => {
    const r = read(['Nome', 'Email', ''], ['Anna', 'anna@example.it', '']);
    expect(r.fields.attributes).toBeUndefined();
    expect(r.warnings).toEqual([]);
  });
  it('refuses 2.5k as an amount (not €2.50), with a warning; currency signs and codes still read', () => {
    expect(readAmount('2.5k')).toBeUndefined();
    expect(readAmount('12abc')).toBeUndefined();
    expect(readAmount('€ 12,30')).toBe(1230);
    expect(readAmount('12.30 EUR')).toBe(1230);
    expect(readAmount('EUR 12')).toBe(1200);
    expect(readAmount('12,30€')).toBe(1230);
    const r = read(['Nome', 'Email', 'Totale speso'], ['Anna', 'anna@example.it', '2.5k']);
    expect(r.fields.totalSpent).toBeUndefined();
    expect(r.warnings).toEqual(['Totale speso: "2.5k" is not an amount, left out']);
  });
});

describe('Mailchimp consent, from the file a row comes in', () => {
  const SUBSCRIBED = ['Email Address', 'First Name', 'MEMBER_RATING', 'OPTIN_TIME', 'OPTIN_IP', 'CONFIRM_TIME', 'CONFIRM_IP', 'LAST_CHANGED', 'TAGS'];
  const UNSUBSCRIBED = ['Email Address', 'First Name', 'OPTIN_TIME', 'CONFIRM_TIME', 'UNSUB_TIME', 'UNSUB_CAMPAIGN_TITLE', 'UNSUB_REASON'];
  const CLEANED = ['Email Address', 'First Name', 'OPTIN_TIME', 'CONFIRM_TIME', 'CLEAN_TIME', 'CLEAN_CAMPAIGN_TITLE'];
  it('subscribed: granted, dated by CONFIRM_TIME (Mailchimp writes UTC)', () => {
    const r = read(SUBSCRIBED, ['anna@example.it', 'Anna', '2', '2023-05-14 10:20:00', '1.2.3.4', '2023-05-14 10:22:31', '1.2.3.4', '2024-01-01 08:00:00', '']);
    expect(r.fields).toMatchObject({ consent: 'granted', consentAt: '2023-05-14T10:22:31.000Z', consentDatedBy: 'CONFIRM_TIME', firstContactAt: '2023-05-14T00:00:00.000Z' });
    expect(r.warnings).toEqual([]);
  });
  it('subscribed without a confirmation: granted, dated by OPTIN_TIME', () => {
    const r = read(SUBSCRIBED, ['anna@example.it', 'Anna', '2', '2023-05-14 10:20:00', '', '', '', '', '']);
    expect(r.fields).toMatchObject({ consent: 'granted', consentAt: '2023-05-14T10:20:00.000Z', consentDatedBy: 'OPTIN_TIME' });
  });
  it('unsubscribed: denied, dated by UNSUB_TIME', () => {
    const r = read(UNSUBSCRIBED, ['anna@example.it', 'Anna', '2023-05-14 10:20:00', '2023-05-14 10:22:31', '2025-02-03 18:00:05', 'Newsletter', 'Non più interessata']);
    expect(r.fields).toMatchObject({ consent: 'denied', consentAt: '2025-02-03T18:00:05.000Z', consentDatedBy: 'UNSUB_TIME' });
  });
  it('cleaned: consent left as it is', () => {
    const r = read(CLEANED, ['anna@example.it', 'Anna', '2023-05-14 10:20:00', '2023-05-14 10:22:31', '2025-02-03 18:00:05', 'Newsletter']);
    expect(r.fields.consent).toBeUndefined();
  });
  it('an unreadable or future time still grants, dated at the import, with a warning', () => {
    const r = read(SUBSCRIBED, ['anna@example.it', 'Anna', '2', '', '', '2031-01-01 10:00:00', '', '', '']);
    expect(r.fields.consent).toBe('granted');
    expect(r.fields.consentAt).toBeUndefined();
    expect(r.warnings).toEqual(['CONFIRM_TIME: "2031-01-01 10:00:00" is not a date in the past, the consent is dated at the import']);
  });
  it('the mapping preview says what the Mailchimp columns mean', () => {
    const d = describeMapping(UNSUBSCRIBED, mapColumns(UNSUBSCRIBED));
    expect(d).toMatchObject({ OPTIN_TIME: expect.stringMatching(/^firstContactAt \(Mailchimp/), UNSUB_TIME: expect.stringMatching(/^consent date \(Mailchimp: set means newsletter consent denied/) });
  });
});

describe('an export read back states how its consent was given', () => {
  for (const [consentHeader, sourceHeader] of [['Newsletter consent', 'Consent source'], ['Consenso newsletter', 'Consenso raccolto tramite'], ['Einwilligung', 'Einwilligung erteilt über']]) {
    it(`${sourceHeader}: read for the ledger with the consent answer, not kept as a custom attribute`, () => {
      const header = ['Email', consentHeader, sourceHeader];
      expect(describeMapping(header, mapColumns(header))[sourceHeader]).toMatch(/^consent source/);
      const r = read(header, ['anna@example.it', 'granted', 'double-opt-in']);
      expect(r.fields).toMatchObject({ consent: 'granted', consentSource: 'double-opt-in' });
      expect(r.fields.attributes).toBeUndefined();
      expect(r.warnings).toEqual([]);
      // The card's own source is the import, whatever the file says.
      expect(newCustomerFromRow('c1', r.fields, AT, 'import:01J').consent.source).toBe('import');
    });
  }
  it('no consent answer, no source; a long source is cut with a warning; a neutralised one read back', () => {
    const header = ['Email', 'Newsletter consent', 'Consent source'];
    expect(read(header, ['anna@example.it', 'unknown', 'api']).fields.consentSource).toBeUndefined();
    expect(read(header, ['anna@example.it', '', 'api']).fields.consentSource).toBeUndefined();
    const long = read(header, ['anna@example.it', 'yes', `signed form ${'x'.repeat(200)}`]);
    expect(long.fields.consentSource).toHaveLength(100);
    expect(long.warnings).toEqual(['Consent source: longer than 100 characters, cut']);
    expect(read(header, ['anna@example.it', 'no', "'=form"]).fields.consentSource).toBe('=form');
  });
});

describe('an export read back keeps its consent date', () => {
  for (const [consentHeader, dateHeader] of [['Newsletter consent', 'Consent updated at'], ['Consenso newsletter', 'Consenso aggiornato il']]) {
    it(`${dateHeader}: the card's consent is dated as the file says, not at the import`, () => {
      const r = read(['Email', consentHeader, dateHeader], ['anna@example.it', 'granted', '2026-03-02T18:07:07.123Z']);
      expect(r.fields).toMatchObject({ consent: 'granted', consentAt: '2026-03-02T18:07:07.123Z', consentDatedBy: dateHeader });
      const card = newCustomerFromRow('c1', r.fields, AT, 'import:01J');
      expect(card.consent).toEqual({ newsletter: 'granted', updatedAt: '2026-03-02T18:07:07.123Z', source: 'import' });
    });
  }
  it('a consent date after the import, or with no consent, is not taken', () => {
    const later = read(['Email', 'Newsletter consent', 'Consent updated at'], ['anna@example.it', 'granted', '2026-11-23T23:59:00.000Z']);
    expect(newCustomerFromRow('c1', later.fields, '2026-11-23T10:00:00.000Z').consent.updatedAt).toBe('2026-11-23T10:00:00.000Z');
    const none = read(['Email', 'Newsletter consent', 'Consent updated at'], ['anna@example.it', 'unknown', '']);
    expect(none.fields.consent).toBeUndefined();
    expect(none.fields.consentAt).toBeUndefined();
  });
  it('merging into a card: the file\'s date only when later than the card\'s own consent date', () => {
    const base = { ...blankCustomer('c1', '2026-01-10T09:00:00.000Z', '2026-01-10T09:00:00.000Z'), email: 'anna@example.it' };
    const f = { email: 'anna@example.it', consent: 'granted' as const, consentAt: '2026-03-02T18:07:07.123Z' };
    expect(mergeRow(base, f, 'merge', AT).consent.updatedAt).toBe('2026-03-02T18:07:07.123Z');
    const newer = { ...base, consent: { newsletter: 'pending' as const, updatedAt: '2026-06-01T00:00:00.000Z', source: 'api' } };
    expect(mergeRow(newer, f, 'merge', AT).consent.updatedAt).toBe(AT);
  });
});
