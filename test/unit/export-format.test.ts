import { unneutralise } from '../../shared/import/row.ts';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { emptyStats, type Customer } from '../../shared/domain/customer.schema.ts';
import {
  COLUMN_NAMES,
  DEFAULT_COLUMNS,
  INSIGHT_COLUMNS,
  MAX_ATTRIBUTE_COLUMNS,
  TooManyAttributesError,
  attributeNameOrder,
  collectAttributeNames,
  firstAttributeNames,
  completeRows,
  fileHead,
  formatRows,
  headerLanguage,
  jsonRow,
  neutraliseFormula,
  spreadNames,
  type FormatOptions,
} from '../../shared/exports/export-format.ts';
import { failureReason } from '../../shared/exports/export-steps.ts';
import { rowIds, withoutErased } from '../../shared/exports/read-shard.ts';
import { splitTags } from '../../shared/import/values.ts';
import { ExportRequestSchema } from '../../shared/exports/export.schema.ts';

const c: Customer = {
  id: '01J0000000000000000000000A',
  firstName: '+cmd|calc',
  lastName: "O'Brien, Jr.",
  email: 'a@example.com',
  phone: '+393331234567',
  language: 'it',
  consent: { newsletter: 'granted', updatedAt: '2026-01-01T00:00:00.000Z', source: 'api' },
  tags: ['VIP', 'Friends & Family'],
  birthDate: null,
  gender: null,
  city: 'Forlì',
  postalCode: null,
  country: 'IT',
  notes: '\tTAB then "quotes"\r\nand a line',
  attributes: {},
  firstContactAt: '2026-03-01T08:00:00.000Z',
  lastContactAt: '2026-06-01T08:00:00.000Z',
  stats: { ...emptyStats(), totalSpent: 52000, visits: 3 },
  createdAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T08:00:00.000Z',
  version: 4,
};

describe('export file format', () => {
  it('neutralises every formula trigger and leaves other text alone', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(neutraliseFormula(s)).toBe(`'${s}`);
    // Spreadsheets skip a NUL or spaces before the formula character: still a formula.
    for (const s of ['\0=HYPERLINK("http://x")', ' =1', '  +1', '\u00a0@SUM(A1)', '\u200b=1', '\n=1']) expect(neutraliseFormula(s)).toBe(`'${s}`);
    for (const s of ['Anna', "'=1", '1-2', '', ' Anna', 'a=1']) expect(neutraliseFormula(s)).toBe(s);
  });

  it('neutralises a formula behind any control character or kind of space, and full-width formula characters', () => {
    for (const s of ['\x1f=1', '\0\0+1', '\u3000=1', '\u2028=1', '\u2029@x', '\u202f-1', '\u2060=1', '\ufeff=1', '\u200d=1', '\uff1dSUM(A1)', ' \uff0b1', '\uff0d1', '\uff20x']) {
      expect(neutraliseFormula(s), JSON.stringify(s)).toBe(`'${s}`);
    }
    for (const s of ['\u3000Anna', '\0Anna', 'Anna\uff1d']) expect(neutraliseFormula(s), JSON.stringify(s)).toBe(s);
  });

  it('an import reads a neutralised cell back as it was, NUL and spaces before the formula included', () => {
    for (const s of ['=1+1', '\0=HYPERLINK("http://x")', ' =1', '\u3000=1', '\uff1dSUM(A1)', '\t=1']) expect(unneutralise(neutraliseFormula(s)), JSON.stringify(s)).toBe(s);
    // An apostrophe before anything else is the customer's own.
    for (const s of ["'Anna", "' Anna", "'1"]) expect(unneutralise(s)).toBe(s);
  });

  it('writes CSV that a CSV reader gets back cell for cell, formulas neutralised, tags joined with |', () => {
    const o = { format: 'csv' as const, columns: [...COLUMN_NAMES], delimiter: ';' as const, language: 'en' as const };
    const text = fileHead(o) + formatRows([c], o);
    expect(text.startsWith('\uFEFFCustomer ID;First name;')).toBe(true);
    const [row] = parse(text.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({
      'First name': "'+cmd|calc",
      'Last name': "O'Brien, Jr.",
      Phone: "'+393331234567",
      Tags: 'VIP|Friends & Family',
      Notes: `'\tTAB then "quotes"\r\nand a line`,
      City: 'Forlì',
      'Newsletter consent': 'granted',
      'Total spent (minor units)': '52000',
      'Birth date': '',
    });
  });

  it('writes each tag name so that the import reads it back as that one name, plain names plain', () => {
    const names = ['VIP', 'Friends & Family', 'Yoga, Pilates', 'Sala "blu"; terrazza', 'Pranzo|Cena', 'Corsi ::: sera', '* Preferiti', '“Speciale”', '"', 'a,b;c|d', 'Caffè'];
    for (const delimiter of [',', ';'] as const) {
      const o = { format: 'csv' as const, columns: ['email', 'tags'] as const, delimiter, language: 'en' as const };
      const [[, cell]] = parse(formatRows([{ ...c, tags: names }], o), { delimiter }) as string[][];
      expect(splitTags(unneutralise(cell!))).toEqual(names);
      expect(cell!.startsWith('VIP|Friends & Family|"Yoga, Pilates"|')).toBe(true);
    }
  });

  it('writes how the consent was given in a Consent source column, headed in the tenant language', () => {
    const o = { format: 'csv' as const, columns: ['consent', 'consentUpdatedAt', 'consentSource'] as const, delimiter: ',' as const, language: 'it' as const };
    expect(fileHead(o) + formatRows([c, { ...c, consent: { newsletter: 'unknown', updatedAt: null, source: null } }], o)).toBe(
      '\uFEFFConsenso newsletter,Consenso aggiornato il,Consenso raccolto tramite\r\ngranted,2026-01-01T00:00:00.000Z,api\r\nunknown,,\r\n',
    );
    expect(DEFAULT_COLUMNS).toContain('consentSource');
    expect(jsonRow(c, ['consentSource'])).toEqual({ consent: { source: 'api' } });
  });

  it('heads columns in the tenant language (it, fr, de, es), English otherwise', () => {
    const head = (lang: string) => fileHead({ format: 'csv', columns: ['firstName', 'city'], delimiter: ',', language: headerLanguage(lang) });
    expect(head('it-IT')).toBe('\uFEFFNome,Città\r\n');
    expect(head('fr')).toBe('\uFEFFPrénom,Ville\r\n');
    expect(head('de')).toBe('\uFEFFVorname,Ort\r\n');
    expect(head('es')).toBe('\uFEFFNombre,Ciudad\r\n');
    expect(head('pt-BR')).toBe('\uFEFFFirst name,City\r\n');
    expect(fileHead({ format: 'jsonl', columns: ['firstName'], delimiter: ',', language: 'it' })).toBe('');
  });

  it('keeps the card shape in JSON Lines: tags an array, stats and consent nested, raw values', () => {
    expect(jsonRow(c, ['firstName', 'tags', 'totalSpent', 'visits', 'consent'])).toEqual({
      firstName: '+cmd|calc',
      tags: ['VIP', 'Friends & Family'],
      stats: { totalSpent: 52000, visits: 3 },
      consent: { newsletter: 'granted', source: 'api' },
    });
    const line = formatRows([c], { format: 'jsonl', columns: ['id', 'notes'], delimiter: ',', language: 'en' });
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ id: c.id, notes: c.notes });
  });

  it('quotes every cell a CSV reader would split (delimiter, quotes, a lone line break), for both delimiters', () => {
    const nasty = ['plain', 'a,b', 'a;b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'crlf\r\nhere', '', 'àèìòù € “curly”', ' spaced ', '"', ',;'];
    for (const delimiter of [',', ';'] as const) {
      const o = { format: 'csv' as const, columns: ['firstName', 'lastName', 'totalSpent'] as const, delimiter, language: 'en' as const };
      const people = nasty.map((v, i) => ({ ...c, firstName: v, lastName: nasty[nasty.length - 1 - i]!, stats: { ...c.stats, totalSpent: i * 100 } }));
      const back = parse(formatRows(people, o), { delimiter, relax_column_count: false }) as string[][];
      expect(back).toEqual(people.map((p) => [p.firstName, p.lastName, String(p.stats.totalSpent)]));
    }
  });

  it('writes custom attributes: a column per name asked for, or one per name found, headed by the name', () => {
    const a: Customer = { ...c, attributes: { Allergie: 'glutine', Tavolo: '=5', 'Nome, cane': 'Fido' } };
    const b: Customer = { ...c, id: '01J0000000000000000000000B', attributes: { Tavolo: '12' } };
    // Named: written at once, like any column.
    const named: FormatOptions = { format: 'csv', columns: ['email', 'attributes.Tavolo', 'attributes.Missing'], delimiter: ',', language: 'en' };
    expect(fileHead(named) + formatRows([a, b], named)).toBe("\uFEFFEmail,Tavolo,Missing\r\na@example.com,'=5,\r\na@example.com,12,\r\n");

    // Spread: names are learnt from the rows (a part at a time), cells filled in once all are known.
    const spread: FormatOptions = { format: 'csv', columns: ['email', 'attributes', 'city'], delimiter: ';', language: 'it' };
    const names = new Set<string>();
    for (const person of [b, a]) collectAttributeNames(spreadNames(person, spread), names);
    const sorted = [...names].sort();
    expect(sorted).toEqual(['Allergie', 'Nome, cane', 'Tavolo']);
    const open = formatRows([a, b], spread);
    const text = fileHead(spread, sorted) + completeRows(open.split('\n'), sorted, spread);
    const rows = parse(text.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      { Email: 'a@example.com', Allergie: 'glutine', 'Nome, cane': 'Fido', Tavolo: "'=5", Città: 'Forlì' },
      { Email: 'a@example.com', Allergie: '', 'Nome, cane': '', Tavolo: '12', Città: 'Forlì' },
    ]);
    // A name also asked for on its own is not spread a second time.
    const both: FormatOptions = { ...spread, columns: ['attributes.Tavolo', 'attributes'] };
    const some = new Set<string>();
    collectAttributeNames(spreadNames(a, both), some);
    expect([...some].sort()).toEqual(['Allergie', 'Nome, cane']);
    // No attributes at all: no attribute columns, and the rows are the plain CSV.
    expect(completeRows(formatRows([c], spread).split('\n'), [], spread)).toBe(formatRows([c], { ...spread, columns: ['email', 'city'] }));
  });

  it('past the maximum of attribute names, spreads the first ones in name order and writes the others in one JSON column', () => {
    // 105 names, not in order: a0..a104 collated as text (a0, a1, a10, a100, a101, ...).
    const names = Array.from({ length: MAX_ATTRIBUTE_COLUMNS + 5 }, (_, i) => `a${i}`).reverse();
    const many: Customer = { ...c, attributes: Object.fromEntries(names.map((n) => [n, `v ${n}`])) };
    const few: Customer = { ...c, id: '01J0000000000000000000000B', attributes: { a0: '=0' } };
    const o: FormatOptions = { format: 'csv', columns: [...DEFAULT_COLUMNS], delimiter: ';', language: 'it' };
    // Each part keeps the first 101 names it saw (bounded), which is enough to tell there are more.
    const found = new Set<string>();
    for (const person of [few, many]) collectAttributeNames(spreadNames(person, o), found);
    const reported = firstAttributeNames(found);
    expect(reported).toHaveLength(MAX_ATTRIBUTE_COLUMNS + 1);
    const sorted = [...names].sort(attributeNameOrder);
    expect(reported).toEqual(sorted.slice(0, MAX_ATTRIBUTE_COLUMNS + 1));

    const text = fileHead(o, reported) + completeRows(formatRows([many, few], o).split('\n'), reported, o);
    const rows = parse(text.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    const header = Object.keys(rows[0]!);
    expect(header.slice(COLUMN_NAMES.length)).toEqual([...sorted.slice(0, MAX_ATTRIBUTE_COLUMNS), 'Altri campi personalizzati (JSON)']);
    const spread = sorted.slice(0, MAX_ATTRIBUTE_COLUMNS);
    for (const n of spread) expect(rows[0]![n]).toBe(`v ${n}`);
    // The five names past the first 100 (a95..a99 collate last) are in the JSON cell, in name order: nothing lost.
    const rest = sorted.slice(MAX_ATTRIBUTE_COLUMNS);
    expect(rest).toEqual(['a95', 'a96', 'a97', 'a98', 'a99']);
    expect(JSON.parse(rows[0]!['Altri campi personalizzati (JSON)']!)).toEqual(Object.fromEntries(rest.map((n) => [n, `v ${n}`])));
    expect(Object.keys(JSON.parse(rows[0]!['Altri campi personalizzati (JSON)']!))).toEqual(rest);
    // A customer with none of the others: an empty cell; the spread ones neutralised as ever.
    expect(rows[1]).toMatchObject({ a0: "'=0", a1: '', 'Altri campi personalizzati (JSON)': '' });
    // Exactly the maximum: no JSON column.
    const hundred = sorted.slice(0, MAX_ATTRIBUTE_COLUMNS);
    expect(fileHead(o, hundred)).not.toContain('JSON');
    // JSON Lines keeps the object whole: nothing to spread.
    expect(spreadNames(many, { ...o, format: 'jsonl' })).toEqual([]);
  });

  it("a part's names stay bounded however many its customers have, and still give the first ones in name order", () => {
    const o: FormatOptions = { format: 'csv', columns: ['email', 'attributes'], delimiter: ',', language: 'en' };
    const found = new Set<string>();
    for (let i = 5000; i > 0; i--) {
      collectAttributeNames(spreadNames({ ...c, attributes: { [`n${String(i).padStart(5, '0')}`]: 'x' } }, o), found);
      expect(found.size).toBeLessThanOrEqual(4 * (MAX_ATTRIBUTE_COLUMNS + 1) + 1);
    }
    expect(firstAttributeNames(found)).toEqual(Array.from({ length: MAX_ATTRIBUTE_COLUMNS + 1 }, (_, i) => `n${String(i + 1).padStart(5, '0')}`));
  });

  it("with the JSON column, Combine still finds each row's id after the attributes (and leaves an erased one out)", async () => {
    const o: FormatOptions = { format: 'csv', columns: ['firstName', 'attributes', 'id'], delimiter: ',', language: 'en' };
    const wide = (id: string, n: number): Customer => ({ ...c, id, attributes: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i).padStart(3, '0')}`, `x,"${i}"`])) });
    const people = [wide('01J000000000000000000000WA', MAX_ATTRIBUTE_COLUMNS + 3), wide('01J000000000000000000000WB', 2), wide('01J000000000000000000000WC', MAX_ATTRIBUTE_COLUMNS + 1)];
    const found = new Set<string>();
    for (const p of people) collectAttributeNames(spreadNames(p, o), found);
    const names = firstAttributeNames(found);
    const head = fileHead(o, names);
    const part = completeRows(formatRows(people, o).split('\n'), names, o);
    async function* chunks() {
      yield Buffer.from(part, 'utf8');
    }
    let out = '';
    for await (const text of withoutErased(chunks(), rowIds(o, head)!, (id) => id === '01J000000000000000000000WA', () => {})) out += text;
    const rows = parse((head + out).slice(1), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r['Customer ID'])).toEqual(['01J000000000000000000000WB', '01J000000000000000000000WC']);
    expect(JSON.parse(rows[1]!['More custom fields (JSON)']!)).toEqual({ k100: 'x,"100"' });
  });

  it('heads insight columns in the tenant language, like the other columns', () => {
    const o: FormatOptions = { format: 'csv', columns: ['id', 'insights.rfm.group', 'insights.clv12m', 'insights'], delimiter: ',', language: 'it' };
    expect(fileHead(o)).toBe('\uFEFFID cliente,Gruppo RFM,Valore cliente 12 mesi (centesimi),Analisi (JSON)\r\n');
    for (const language of ['en', 'it', 'fr', 'de', 'es'] as const) {
      const head = fileHead({ format: 'csv', columns: [...INSIGHT_COLUMNS], delimiter: ';', language });
      expect(head, language).not.toMatch(/insights/);
      expect(new Set((parse(head.slice(1), { delimiter: ';' }) as string[][])[0]).size, language).toBe(INSIGHT_COLUMNS.length);
    }
  });

  it('keeps custom attributes as an object in JSON Lines', () => {
    const a: Customer = { ...c, attributes: { Allergie: 'glutine', Tavolo: '5' } };
    expect(jsonRow(a, ['email', 'attributes'])).toEqual({ email: 'a@example.com', attributes: { Allergie: 'glutine', Tavolo: '5' } });
    expect(jsonRow(a, ['attributes.Tavolo', 'attributes.Missing'])).toEqual({ attributes: { Tavolo: '5', Missing: null } });
    expect(JSON.parse(formatRows([a], { format: 'jsonl', columns: [...DEFAULT_COLUMNS], delimiter: ',', language: 'en' }))).toMatchObject({
      email: 'a@example.com',
      attributes: { Allergie: 'glutine', Tavolo: '5' },
    });
  });

  it('accepts a segment or a filter, not both or neither, and refuses duplicate columns', () => {
    expect(ExportRequestSchema.safeParse({ filter: {} }).success).toBe(true);
    expect(ExportRequestSchema.safeParse({ segmentId: 'x', filter: {} }).success).toBe(false);
    expect(ExportRequestSchema.safeParse({}).success).toBe(false);
    expect(ExportRequestSchema.safeParse({ filter: {}, columns: ['email', 'email'] }).success).toBe(false);
    expect(ExportRequestSchema.parse({ filter: { language: 'it' } })).toMatchObject({ format: 'csv', delimiter: ',', filter: { language: ['it'] } });
    expect(ExportRequestSchema.safeParse({ filter: {}, columns: ['email', 'attributes', 'attributes.Tavolo'] }).success).toBe(true);
    for (const bad of ['attributes.', `attributes.${'x'.repeat(65)}`, 'custom.Tavolo', 'shoeSize']) {
      expect(ExportRequestSchema.safeParse({ filter: {}, columns: [bad] }).success, bad).toBe(false);
    }
  });

  it('turns a Step Functions error into a readable reason without a stack', () => {
    const reason = failureReason({ Error: 'InternalError', Cause: JSON.stringify({ errorType: 'InternalError', errorMessage: 'boom', trace: ['at x'] }) });
    expect(reason).toBe('The export was interrupted by a momentary fault on our side (a service was busy or briefly unavailable). Nothing was lost: try again in a few minutes.');
    expect(reason).not.toMatch(/boom|InternalError|at x/);
    // A timeout would time out again: no "try again" there.
    const timeout = failureReason({ Error: 'States.Timeout', Cause: 'Task timed out' });
    expect(timeout).toMatch(/^The export took longer than an export may run/);
    expect(timeout).not.toMatch(/try again in|States\.Timeout/);
    // An error only a changed request fixes says what to change, not to try again.
    const tooMany = new TooManyAttributesError();
    const reason2 = failureReason({ Error: tooMany.name, Cause: JSON.stringify({ errorType: tooMany.name, errorMessage: tooMany.message }) });
    expect(reason2).toMatch(/^The export could not be completed: the customers have more than \d+ custom attribute names: name the ones to export with columns "attributes\.<name>"\.$/);
    expect(reason2).not.toContain('try again');
  });

  it('never shows the raw DynamoDB error, and says to try again only when a later attempt can succeed', () => {
    const lambdaError = (errorType: string, errorMessage: string) => ({ Error: errorType, Cause: JSON.stringify({ errorType, errorMessage, trace: ['at send (index.mjs:1:2)'] }) });
    // A fault retrying cannot fix (an item DynamoDB refuses, a missing permission): no raw text, no "try again".
    for (const e of [
      lambdaError('ValidationException', 'One or more parameter values were invalid: Item size has exceeded the maximum allowed size'),
      lambdaError('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-south-1:123456789012:table/clientela'),
      lambdaError('TypeError', "Cannot read properties of undefined (reading 'items')"),
      { Error: 'States.Runtime', Cause: 'An error occurred while executing the state' },
      undefined,
    ]) {
      const reason = failureReason(e);
      expect(reason).toBe("The export failed because of a fault on our side; trying again will not help until it is fixed. We have been alerted; if you contact support, give them this export's id.");
      expect(reason).not.toMatch(/Exception|parameter values|arn:|dynamodb|undefined|TypeError/);
    }
    // Throttling and momentary faults pass: those say to try again, without the error text.
    for (const e of [
      lambdaError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded'),
      lambdaError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.'),
      lambdaError('ServiceUnavailable', 'Service Unavailable'),
      { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate Exceeded.' },
    ]) {
      const reason = failureReason(e);
      expect(reason).toMatch(/try again in a few minutes\.$/);
      expect(reason).not.toMatch(/Exception|throughput|Rate/);
    }
  });
});
