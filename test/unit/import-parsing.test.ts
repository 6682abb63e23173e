import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectEncoding, fromLatin1 } from '../../shared/import/encoding.ts';
import { detectDelimiter } from '../../shared/import/delimiter.ts';
import { mapColumns, recogniseHeader } from '../../shared/import/columns.ts';
import { openCsv } from '../../shared/import/csv-reader.ts';
import { dateOrderOf, readAmount, readConsent, readCountry, readDate, readLanguage, splitTags } from '../../shared/import/values.ts';
import { surveyDateOrders } from '../../shared/import/date-orders.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';

const FIXTURES = '/work/shared/fixtures/csv';
async function* chunks(b: Buffer, n = 5) {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}
async function readAll(buf: Buffer, n?: number) {
  const { layout, batches } = await openCsv(chunks(buf, n));
  const out = [];
  for await (const batch of batches) out.push(...batch);
  return { layout, records: out };
}
const ctxFor = (header: string[], over: Partial<RowContext> = {}): RowContext => ({
  header,
  targets: mapColumns(header),
  defaultCountry: 'IT',
  tags: [...DEFAULT_TAGS],
  today: '2026-11-23',
  ...over,
});

describe('encoding detection', () => {
  it('recognises a UTF-8 byte order mark', () => {
    expect(detectEncoding(Buffer.from('\ufeffnome;email', 'utf8'))).toBe('utf-8-bom');
  });
  it('reads accented UTF-8 without a BOM as UTF-8', () => {
    expect(detectEncoding(Buffer.from('nome\nNiccolò', 'utf8'))).toBe('utf-8');
  });
  it('reads bytes that are not UTF-8 as Windows-1252', () => {
    expect(detectEncoding(Buffer.from([0x4e, 0x69, 0x63, 0x63, 0x6f, 0x6c, 0xf2, 0x3b]))).toBe('windows-1252');
    expect(detectEncoding(Buffer.from([0x4e, 0x69, 0x63, 0x63, 0x6f, 0x6c, 0xf2]), true)).toBe('windows-1252');
  });
  it('maps the Windows-1252 euro and curly quotes that latin1 gets wrong', () => {
    expect(fromLatin1(Buffer.from([0x80, 0x20, 0x93, 0x61, 0x94]).toString('latin1'))).toBe('€ “a”');
  });
  it('decodes a Windows-1252 file end to end, accents and euro sign included', async () => {
    const file = Buffer.concat([Buffer.from('Nome;Citt'), Buffer.from([0xe0]), Buffer.from(';Note\r\nNiccol'), Buffer.from([0xf2]), Buffer.from(';Forl'), Buffer.from([0xec]), Buffer.from(';'), Buffer.from([0x80]), Buffer.from(' 5\r\n')]);
    const { layout, records } = await readAll(file, 3);
    expect(layout.encoding).toBe('windows-1252');
    expect(layout.header).toEqual(['Nome', 'Città', 'Note']);
    expect(records[0]!.values).toEqual(['Niccolò', 'Forlì', '€ 5']);
  });
  it('keeps a multi-byte UTF-8 character split across stream chunks intact', async () => {
    const { records } = await readAll(Buffer.from('nome,email\nZoë Björn,a@b.it\n', 'utf8'), 1);
    expect(records[0]!.values[0]).toBe('Zoë Björn');
  });
});

describe('delimiter detection', () => {
  it.each([
    [',', 'name,email,phone\nA,a@x.it,1\nB,b@x.it,2'],
    [';', 'nome;email;telefono\nA;a@x.it;1\nB;b@x.it;2'],
    ['\t', 'name\temail\tphone\nA\ta@x.it\t1'],
    ['|', 'name|email|phone\nA|a@x.it|1'],
  ])('detects %j', (d, text) => {
    expect(detectDelimiter(text)).toBe(d);
  });
  it('ignores delimiters inside quotes', () => {
    expect(detectDelimiter('"Rossi, Mario";email;"note, with, commas"\n"Bianchi, Anna";a@x.it;"x, y, z"')).toBe(';');
  });
  it('follows an Excel sep= line', async () => {
    const { layout, records } = await readAll(Buffer.from('sep=;\r\nname;email\r\nA,B;a@x.it\r\n'));
    expect(layout.delimiter).toBe(';');
    expect(layout.header).toEqual(['name', 'email']);
    expect(records[0]).toMatchObject({ values: ['A,B', 'a@x.it'], line: 3 });
  });
});

describe('line numbers', () => {
  it('counts lines as a text editor does, reporting a multi-line record at its first line', async () => {
    const file = Buffer.from('name,notes,email\r\nA,"one\r\ntwo\r\nthree",a@x.it\r\n\r\nB,,b@x.it\r\nC,"x\ny",c@x.it\nD,,d@x.it', 'utf8');
    const { records } = await readAll(file, 4);
    expect(records.map((r) => [r.values[0], r.line])).toEqual([
      ['A', 2],
      ['B', 6],
      ['C', 7],
      ['D', 9],
    ]);
  });
  it('gives each record the byte offset where the next one starts', async () => {
    const file = Buffer.from('\ufeffnome;email\r\nNiccolò;n@x.it\r\nB;b@x.it\r\n', 'utf8');
    const { layout, records } = await readAll(file);
    expect(layout.dataOffset).toBe(Buffer.from('\ufeffnome;email\r\n').length);
    expect(records[0]!.end).toBe(Buffer.from('\ufeffnome;email\r\nNiccolò;n@x.it\r\n').length);
    expect(records[1]!.end).toBe(file.length);
  });
  it('continues from a checkpoint offset with the same layout and line numbers', async () => {
    const file = Buffer.from('name,email\nA,a@x.it\n"B\nB",b@x.it\nC,c@x.it\n', 'utf8');
    const first = await readAll(file);
    const cut = first.records[0]!.end;
    const { batches } = await openCsv(chunks(file.subarray(cut)), { layout: first.layout, offset: cut, line: first.records[0]!.nextLine });
    const rest = [];
    for await (const batch of batches) rest.push(...batch);
    expect(first.records.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(rest.map((r) => [r.values, r.line, r.end])).toEqual(first.records.slice(1).map((r) => [r.values, r.line, r.end]));
  });
});

describe('header aliases', () => {
  it.each([
    ['Nome', 'firstName'], ['Cognome', 'lastName'], ['E-mail', 'email'], ['Cellulare', 'mobile'], ['Telefono', 'phone'], ['Lingua', 'language'],
    ['Consenso newsletter', 'consent'], ['Data di nascita', 'birthDate'], ['Città', 'city'], ['CAP', 'postalCode'], ['Paese', 'country'], ['Etichette', 'tags'],
    ['Note', 'notes'], ['Cliente dal', 'firstContactAt'], ['Totale speso', 'totalSpent'],
    ['First name', 'firstName'], ['Surname', 'lastName'], ['Mobile phone', 'mobile'], ['Date of birth', 'birthDate'], ['Zip code', 'postalCode'],
    ['Prénom', 'firstName'], ['Nom', 'lastName'], ['Courriel', 'email'], ['Date de naissance', 'birthDate'], ['Ville', 'city'], ['Code postal', 'postalCode'],
    ['Vorname', 'firstName'], ['Nachname', 'lastName'], ['Geburtsdatum', 'birthDate'], ['PLZ', 'postalCode'], ['Handy', 'mobile'], ['Sprache', 'language'],
    ['Nombre', 'firstName'], ['Apellidos', 'lastName'], ['Correo electrónico', 'email'], ['Teléfono', 'phone'], ['Fecha de nacimiento', 'birthDate'],
    // Mailchimp
    ['Email Address', 'email'], ['TAGS', 'tags'], ['OPTIN_TIME', 'firstContactAt'],
    // HubSpot
    ['Opted in', 'consent'], ['Phone Number', 'phone'], ['Mobile Phone Number', 'mobile'], ['Country/Region', 'country'], ['Preferred language', 'language'], ['Create Date', 'firstContactAt'],
    // Google Contacts
    ['Given Name', 'firstName'], ['Family Name', 'lastName'], ['E-mail 1 - Value', 'email'], ['Phone 1 - Value', 'phone'], ['Group Membership', 'tags'], ['Name', 'fullName'],
    // Outlook
    ['E-mail Address', 'email'], ['Mobile Phone', 'mobile'], ['Home City', 'city'], ['Home Postal Code', 'postalCode'], ['Categories', 'tags'], ['Birthday', 'birthDate'],
    // Last visits, orders and activity are last contacts (retention reads them), clientela's own exports' included
    ['Last visit', 'lastContactAt'], ['Ultima visita', 'lastContactAt'], ['Dernière visite', 'lastContactAt'], ['Letzter Besuch', 'lastContactAt'], ['Última visita', 'lastContactAt'],
    ['Last order date', 'lastContactAt'], ['Ultimo acquisto', 'lastContactAt'], ['Last Activity Date', 'lastContactAt'], ['Ultimo contatto', 'lastContactAt'],
  ])('recognises %j as %s', (header, field) => {
    expect(recogniseHeader(header)).toBe(field);
  });
  it('keeps unknown columns as custom attributes, and an explicit mapping wins', () => {
    expect(mapColumns(['Email', 'Numero tessera', 'Nome'], { Nome: 'lastName' })).toEqual([{ field: 'email' }, { attribute: 'Numero tessera' }, { field: 'lastName' }]);
  });
});

describe('lenient values', () => {
  it.each(['Sì', 'si', 'SI', 'yes', 'true', '1', 'x', 'X', 'opt-in', 'Opt In'])('reads consent %j as granted', (v) => expect(readConsent(v)).toBe('granted'));
  it.each(['No', 'no', 'false', '0', 'opt-out'])('reads consent %j as denied', (v) => expect(readConsent(v)).toBe('denied'));
  it('does not guess consent from other words', () => expect(readConsent('maybe')).toBeUndefined());
  it.each([['it', 'it'], ['IT', 'it'], ['italiano', 'it'], ['Italian', 'it'], ['Italienisch', 'it'], ['inglese', 'en'], ['Français', 'fr'], ['es-ES', 'es'], ['en_GB', 'en'], ['ita', 'it']])(
    'reads language %j as %j',
    (v, code) => expect(readLanguage(v)).toBe(code),
  );
  it('refuses a language that is no language', () => expect(readLanguage('klingonese')).toBeUndefined());
  it.each([['31/12/1990', '1990-12-31'], ['31-12-1990', '1990-12-31'], ['1990-12-31', '1990-12-31'], ['1990-12-31T10:00:00Z', '1990-12-31'], ['5/3/1990', '1990-03-05'], ['31.12.1990', '1990-12-31']])(
    'reads date %j as %s',
    (v, iso) => expect(readDate(v)).toBe(iso),
  );
  it.each(['31/02/1990', '1990-13-01', 'ieri', '12/12'])('refuses date %j', (v) => expect(readDate(v)).toBeUndefined());
  it.each([['12,50', 1250], ['12.50', 1250], ['1.234,56', 123456], ['1,234.56', 123456], ['€ 1.500', 150000], ['99 EUR', 9900], ['0,5', 50]])(
    'reads amount %j as %d minor units',
    (v, minor) => expect(readAmount(v)).toBe(minor),
  );
  it('refuses an amount that is not a number', () => expect(readAmount('tanti')).toBeUndefined());
  it('splits tags on comma, semicolon and bar', () => expect(splitTags('VIP; Business|regular , Local')).toEqual(['VIP', 'Business', 'regular', 'Local']));
  it('reads countries by code or by name', () => {
    expect([readCountry('it'), readCountry('Italia'), readCountry('Germany'), readCountry('Allemagne')]).toEqual(['IT', 'IT', 'DE', 'DE']);
  });
});

describe('reading a row', () => {
  const header = ['Nome', 'Email', 'Telefono', 'Lingua', 'Newsletter', 'Nascita', 'Tag', 'Speso', 'Tessera'];
  it('normalises every field with the tenant default country and the tag catalogue', () => {
    const ctx = ctxFor(header);
    const r = readRow(['Anna', ' Anna.Rossi@Example.IT ', '333 123 4567', 'italiano', 'Sì', '05/03/1990', 'vip| Nuovo', '1.234,50', 'A-17'], 2, ctx);
    expect(r).toEqual({
      ok: true,
      line: 2,
      warnings: [],
      fields: { firstName: 'Anna', email: 'anna.rossi@example.it', phone: '+393331234567', language: 'it', consent: 'granted', birthDate: '1990-03-05', tags: ['VIP', 'Nuovo'], totalSpent: 123450, attributes: { Tessera: 'A-17' } },
    });
    expect(ctx.tags).toContain('Nuovo');
  });
  it('leaves out, with a warning naming it, a tag name POST /v1/tags would refuse: a control character (shown escaped) or over 50 characters', () => {
    const ctx = ctxFor(header);
    const long = 'x'.repeat(51);
    const r = readRow(['Anna', 'anna@x.it', '', '', '', '', `VIP|\u001b[2J\u001b[31mRed\u0007|Tab\tbed|${long}`], 2, ctx);
    expect(r).toMatchObject({ ok: true, fields: { tags: ['VIP', 'Tab bed'] } });
    if (!r.ok) return;
    expect(r.warnings).toEqual([`Tag: tag "\\u001b[2J\\u001b[31mRed\\u0007" holds a control character, left out`, `Tag: tag "${long}" longer than 50 characters, left out`]);
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    expect(r.warnings.join('')).not.toMatch(/[\u0000-\u0008\u000e-\u001f]/);
    expect(ctx.tags.some((t) => t.includes('Red'))).toBe(false);
    expect(ctx.tags).toContain('Tab bed');
  });
  it('reads names and the city without bidi controls', () => {
    const r = readRow(['\u202Emoc.knab@nimda', 'anna@x.it'], 2, ctxFor(['Nome', 'Email']));
    expect(r).toMatchObject({ ok: true, fields: { firstName: 'moc.knab@nimda', email: 'anna@x.it' } });
  });
  it('reads names, city, postal code and notes without control characters, as the API stores them (a NUL made the export unreadable as text)', () => {
    const r = readRow(['Ma\u0000ria', 'Ros\u001bsi', 'maria@x.it', 'Mi\nlano', '20\u0000121', 'riga uno\nriga\u0007 due', 'it-IT'], 2, ctxFor(['Nome', 'Cognome', 'Email', 'Città', 'CAP', 'Note', 'Lingua']));
    expect(r).toMatchObject({ ok: true, fields: { firstName: 'Maria', lastName: 'Rossi', city: 'Mi lano', postalCode: '20121', notes: 'riga uno\nriga due', language: 'it' } });
  });
  it('adds no tag past the catalogue bound (200): the row is kept, the tag left out with a warning', async () => {
    const { MAX_CATALOGUE_TAGS } = await import('../../shared/domain/tenants.ts');
    const ctx = { ...ctxFor(header), tags: Array.from({ length: MAX_CATALOGUE_TAGS - 1 }, (_, i) => `T${i}`) };
    const r = readRow(['Anna', 'anna@x.it', '', '', '', '', 'Last|One too many|t3'], 2, ctx);
    expect(r).toMatchObject({ ok: true, fields: { tags: ['Last', 'T3'] }, warnings: [`Tag: the tag catalogue is full (${MAX_CATALOGUE_TAGS} tags): "One too many" left out`] });
    expect(ctx.tags).toHaveLength(MAX_CATALOGUE_TAGS);
    expect(readRow(['Bea', 'bea@x.it', '', '', '', '', 'Another'], 3, ctx)).toMatchObject({ ok: true, fields: {}, warnings: [expect.stringContaining('"Another" left out')] });
  });
  it('rejects a row with neither a valid email nor a valid phone, saying why', () => {
    const r = readRow(['Bad', 'not-an-email', '12'], 7, ctxFor(header));
    expect(r).toEqual({ ok: false, line: 7, reason: expect.stringMatching(/needs a valid email or phone.*not-an-email.*"12"/) });
  });
  it('rejects a row with more values than the header', () => {
    const r = readRow(['A', 'a@x.it', '', '', '', '', '', '', '', 'extra'], 3, ctxFor(header));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('10 values but the header has 9 columns') });
  });
  it('reads a shorter row with the missing trailing values empty', () => {
    expect(readRow(['A', 'a@x.it'], 3, ctxFor(header))).toEqual({ ok: true, line: 3, warnings: [], fields: { firstName: 'A', email: 'a@x.it' } });
  });
  it('keeps the row and warns when an optional value cannot be read', () => {
    const r = readRow(['A', 'a@x.it', '', 'klingon', 'forse', '31/02/1990', '', 'tanti'], 4, ctxFor(header));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fields).toEqual({ firstName: 'A', email: 'a@x.it' });
    expect(r.warnings).toHaveLength(4);
    expect(r.warnings[0]).toMatch(/^Lingua: "klingon"/);
  });
  it('keeps a contact timestamp to the millisecond, and warns about one whose time does not exist instead of failing the import', () => {
    const ctx = ctxFor(['Email', 'Cliente dal', 'Ultimo contatto']);
    expect(readRow(['a@x.it', '2020-01-01T21:30:00+01:00', '2021-02-03'], 2, ctx)).toMatchObject({
      ok: true,
      warnings: [],
      fields: { firstContactAt: '2020-01-01T20:30:00.000Z', lastContactAt: '2021-02-03T00:00:00.000Z' },
    });
    const r = readRow(['b@x.it', '2020-01-01T25:00Z', '2021-02-03T10:61Z'], 3, ctx);
    expect(r).toMatchObject({ ok: true, fields: { email: 'b@x.it' }, warnings: [expect.stringMatching(/^Cliente dal: "2020-01-01T25:00Z"/), expect.stringMatching(/^Ultimo contatto: "2021-02-03T10:61Z"/)] });
    if (r.ok) expect(r.fields.firstContactAt ?? r.fields.lastContactAt).toBeUndefined();
  });
  it('says why a well-written date was left out: in the future, or before 1900, not "not a date"', () => {
    const ctx = ctxFor(['Email', 'Cliente dal', 'Ultimo contatto', 'Data di nascita']);
    const r = readRow(['c@x.it', '12/03/2031', '2027-01-05', '01/01/1850'], 2, ctx);
    expect(r).toMatchObject({
      ok: true,
      fields: { email: 'c@x.it' },
      warnings: [
        'Cliente dal: "12/03/2031" is in the future (today is 2026-11-23), left out',
        'Ultimo contatto: "2027-01-05" is in the future (today is 2026-11-23), left out',
        'Data di nascita: "01/01/1850" is before 1900, left out',
      ],
    });
    const bad = readRow(['d@x.it', '31/02/2020', 'ieri', ''], 3, ctx);
    expect(bad).toMatchObject({ ok: true, warnings: [expect.stringMatching(/^Cliente dal: "31\/02\/2020" is not a date \(/), expect.stringMatching(/^Ultimo contatto: "ieri" is not a date \(/)] });
  });
  it('reads pending (double opt-in not yet confirmed) as pending, which never takes back a yes or a no', async () => {
    const r = readRow(['A', 'a@x.it', '', '', 'Pending'], 2, ctxFor(header));
    expect(r).toMatchObject({ ok: true, warnings: [], fields: { consent: 'pending' } });
    const { importedConsent } = await import('../../shared/import/merge.ts');
    expect(importedConsent('unknown', 'pending')).toBe('pending');
    for (const current of ['granted', 'denied', 'pending'] as const) expect(importedConsent(current, 'pending')).toBeUndefined();
  });
  it('keeps a row with a valid phone and an invalid email, warning about the email', () => {
    const r = readRow(['A', 'a@', '+39 333 1234567'], 5, ctxFor(header));
    expect(r).toMatchObject({ ok: true, fields: { phone: '+393331234567' }, warnings: [expect.stringContaining('"a@" is not a valid email')] });
  });
  it('prefers a mobile number over a landline and splits a full name', () => {
    const r = readRow(['Mario De Luca', '06 1234 5678', '347 123 4567'], 2, ctxFor(['Nome e cognome', 'Telefono', 'Cellulare']));
    expect(r).toMatchObject({ ok: true, fields: { firstName: 'Mario', lastName: 'De Luca', phone: '+393471234567' } });
  });
});

describe('the sample files', () => {
  async function readFixture(name: string) {
    const { layout, records } = await readAll(readFileSync(`${FIXTURES}/${name}`), 64);
    const ctx = ctxFor(layout.header);
    return { layout, ctx, rows: records.map((r) => readRow(r.values, r.line, ctx)) };
  }
  it('reads english_comma.csv: 31 rows, one rejected at line 32, the trailing empty row skipped', async () => {
    const { layout, rows } = await readFixture('english_comma.csv');
    expect(layout).toMatchObject({ encoding: 'utf-8', delimiter: ',' });
    expect(rows).toHaveLength(31);
    const rejected = rows.filter((r) => !r.ok);
    expect(rejected.map((r) => r.line)).toEqual([32]);
    expect(rows[0]).toMatchObject({ ok: true, line: 2, fields: { firstName: 'Björn', lastName: 'Gallo', email: 'bjrn.gallo330@libero.it', phone: '+393735474052', language: 'en', consent: 'denied', tags: ['VIP', 'Business'] } });
    expect(rows[1]).toMatchObject({ ok: true, fields: { firstName: 'Ælfrida', consent: 'granted' } });
  });
  it('reads italian_semicolon_bom.csv: 30 rows, none rejected, Italian headers and consent words', async () => {
    const { layout, rows, ctx } = await readFixture('italian_semicolon_bom.csv');
    expect(layout).toMatchObject({ encoding: 'utf-8-bom', delimiter: ';', header: ['nome', 'cognome', 'email', 'telefono', 'lingua', 'newsletter', 'tag'] });
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.ok)).toBe(true);
    expect(rows[0]).toMatchObject({ line: 2, fields: { firstName: 'Giulia', lastName: 'Rossi', phone: '+393299382390', consent: 'denied', tags: ['Regular'] } });
    expect(rows[1]).toMatchObject({ line: 3, fields: { consent: 'granted', language: 'it' } });
    expect(rows[4]).toMatchObject({ fields: { firstName: 'Niccolò' } });
    // "Regolare" is the default "Regular": no second tag beside it.
    expect(ctx.tags).toEqual([...DEFAULT_TAGS]);
  });
});

describe('Italian names of the default tags', () => {
  const header = ['Nome', 'Email', 'Tag'];
  const tagsOf = (cell: string, over: Partial<RowContext> = {}) => {
    const ctx = ctxFor(header, over);
    const r = readRow(['Anna', 'anna@x.it', cell], 2, ctx);
    return { tags: r.ok ? r.fields.tags : undefined, catalogue: ctx.tags };
  };
  it('gives the default tag for its Italian name, whatever the case, accents or "&", and adds no second tag', () => {
    expect(tagsOf('Regolare')).toEqual({ tags: ['Regular'], catalogue: [...DEFAULT_TAGS] });
    expect(tagsOf('CLIENTE ABITUALE|amici & famiglia|Lavoro').tags).toEqual(['Regular', 'Friends & Family', 'Business']);
    expect(tagsOf('Problematico|locale|Non si e presentato|  abituale ').tags).toEqual(['Problematic', 'Local', 'No-show', 'Regular']);
    // Two Italian names of one default: one tag on the card.
    expect(tagsOf('Regolare|Abituale|Regular').tags).toEqual(['Regular']);
  });
  it('keeps the Italian name as a new tag when the owner removed that default from the catalogue', () => {
    const catalogue = DEFAULT_TAGS.filter((t) => t !== 'Regular');
    expect(tagsOf('Regolare|Lavoro', { tags: [...catalogue] })).toEqual({ tags: ['Regolare', 'Business'], catalogue: [...catalogue, 'Regolare'] });
  });
  it('leaves other words alone, also the names of an object’s properties', () => {
    expect(tagsOf('Regolarmente|constructor|__proto__|toString')).toEqual({ tags: ['Regolarmente', 'constructor', '__proto__', 'toString'], catalogue: [...DEFAULT_TAGS, 'Regolarmente', 'constructor', '__proto__', 'toString'] });
  });
});

describe('the day/month order of a date column', () => {
  it('says which order a value can only be read in, and nothing of a value either order reads', () => {
    expect(dateOrderOf('25/12/1985')).toBe('day-first');
    expect(dateOrderOf('12/25/1985')).toBe('month-first');
    expect(dateOrderOf('12/25/1985 10:30')).toBe('month-first');
    expect(dateOrderOf('07/04/1990')).toBeUndefined();
    expect(dateOrderOf('1990-12-25')).toBeUndefined();
    expect(dateOrderOf('13/13/1990')).toBeUndefined();
    expect(dateOrderOf('32/01/1990')).toBeUndefined();
  });
  it('settles a column from all its values: the first deciding value may come late, both kinds make it mixed', async () => {
    const records = (cells: string[]) =>
      (async function* () {
        yield cells.map((c, i) => ({ values: ['x@y.it', c], line: i + 2, raw: '', byteLength: 0, nextLine: i + 3, end: 0 }));
      })();
    expect(await surveyDateOrders(records(['07/04/1990', '', '03/15/1988']), [1], 2)).toEqual(['day-first', 'month-first']);
    expect(await surveyDateOrders(records(['07/04/1990', '01/02/2000']), [1], 2)).toEqual(['day-first', 'day-first']);
    expect(await surveyDateOrders(records(['25/12/1985', '07/04/1990', '12/25/1985']), [1], 2)).toEqual(['day-first', 'mixed']);
  });
  it('reads n/n/yyyy in the column order; a mixed column reads only values one order alone makes a date of', () => {
    expect(readDate('07/04/1990', 'month-first')).toBe('1990-07-04');
    expect(readDate('07/04/1990', 'day-first')).toBe('1990-04-07');
    expect(readDate('12/25/1985', 'day-first')).toBeUndefined();
    expect(readDate('07/04/1990', 'mixed')).toBeUndefined();
    expect(readDate('25/12/1985', 'mixed')).toBe('1985-12-25');
    expect(readDate('12/25/1985', 'mixed')).toBe('1985-12-25');
    expect(readDate('05/05/1990', 'mixed')).toBe('1990-05-05');
  });
});
