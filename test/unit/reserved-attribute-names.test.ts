import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../shared/import/columns.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { mergeRow } from '../../shared/import/merge.ts';
import { brokenReason, isPermanentImportError } from '../../shared/import/import-job.ts';
import { CreateImportSchema } from '../../shared/import/import-job.schema.ts';
import { blankCustomer } from '../../shared/domain/customer.schema.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';

const ctxFor = (header: string[], tags = [...DEFAULT_TAGS]): RowContext => ({ header, targets: mapColumns(header), defaultCountry: 'IT', tags, today: '2026-11-30' });
const AT = '2026-11-30T09:00:00.000Z';

describe('attribute names that Object.prototype also has', () => {
  it('a constructor or toString column is read as an attribute of that name', () => {
    const header = ['Email', 'constructor', 'toString'];
    expect(mapColumns(header)).toEqual([{ field: 'email' }, { attribute: 'constructor' }, { attribute: 'toString' }]);
    expect(readRow(['a@x.it', 'hello', 'bye'], 2, ctxFor(header))).toMatchObject({ ok: true, fields: { attributes: { constructor: 'hello', toString: 'bye' } } });
  });

  it('merging fills a constructor attribute the card does not have (it used to find Object.prototype.constructor and skip it)', () => {
    const card = { ...blankCustomer('c1', AT, AT), email: 'a@x.it', attributes: { card: 'C-1' } };
    const merged = mergeRow(card, { email: 'a@x.it', attributes: { constructor: 'hello', valueOf: 'v' } }, 'merge', AT);
    expect(merged.attributes).toEqual({ card: 'C-1', constructor: 'hello', valueOf: 'v' });
    expect(Object.hasOwn(merged.attributes, 'constructor')).toBe(true);
  });

  it('merging keeps a constructor attribute the card already has, and overwrite replaces it', () => {
    const card = { ...blankCustomer('c1', AT, AT), email: 'a@x.it', attributes: { constructor: 'old' } };
    expect(mergeRow(card, { attributes: { constructor: 'new' } }, 'merge', AT)).toBe(card);
    expect(mergeRow(card, { attributes: { constructor: 'new' } }, 'overwrite', AT).attributes).toEqual({ constructor: 'new' });
  });

  it('a __proto__ column is ignored, and a mapping to attributes.__proto__ is refused naming the column', () => {
    expect(mapColumns(['Email', '__proto__'])).toEqual([{ field: 'email' }, { ignore: true }]);
    expect(mapColumns(['Email', 'Y'], { Y: 'attributes.__proto__' })).toEqual([{ field: 'email' }, { ignore: true }]);
    const parsed = CreateImportSchema.safeParse({ mapping: { Y: 'attributes.__proto__', Z: 'attributes.constructor' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['mapping.Y']);
  });
});

describe('tags of refused rows', () => {
  const header = ['Email', 'Tags'];

  it('a row refused for want of an email or phone adds none of its tags to the catalogue', () => {
    const catalogue = [...DEFAULT_TAGS];
    const ctx = ctxFor(header, catalogue);
    expect(readRow(['not-an-email', 'Fantasma|Nuovo-rifiutato'], 2, ctx)).toMatchObject({ ok: false });
    expect(catalogue).toEqual([...DEFAULT_TAGS]);
  });

  it('an accepted row adds its new tags once, spelled as first seen, and a later row reuses them', () => {
    const catalogue = [...DEFAULT_TAGS];
    const ctx = ctxFor(header, catalogue);
    expect(readRow(['a@x.it', 'Gelato|gelato|Sorbetto'], 2, ctx)).toMatchObject({ ok: true, fields: { tags: ['Gelato', 'Sorbetto'] } });
    expect(readRow(['nope', 'Granita'], 3, ctx)).toMatchObject({ ok: false });
    expect(readRow(['b@x.it', 'GELATO'], 4, ctx)).toMatchObject({ ok: true, fields: { tags: ['Gelato'] } });
    expect(catalogue).toEqual([...DEFAULT_TAGS, 'Gelato', 'Sorbetto']);
  });
});

describe('errors that end an import at once', () => {
  it('a bug or a value DynamoDB refuses is permanent; throttling, network faults and plain errors are retried', () => {
    expect(isPermanentImportError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(true);
    expect(isPermanentImportError(new Error('Unsupported type passed: [object Object]. Pass options.convertClassInstanceToMap=true'))).toBe(true);
    expect(isPermanentImportError(Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' }))).toBe(true);
    expect(isPermanentImportError(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }))).toBe(false);
    expect(isPermanentImportError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isPermanentImportError(new Error('Runtime exited'))).toBe(false);
    expect(isPermanentImportError('a string')).toBe(false);
  });

  it('the reason says where the import stopped, what it imported and what to do', () => {
    const counts = { rows: 19, created: 12, updated: 7, unchanged: 0, rejected: 0, warnings: 0 };
    const layout = { encoding: 'utf-8', delimiter: ',', header: ['Email'], dataLine: 2 } as never;
    expect(brokenReason({ checkpoint: { offset: 100, line: 21, layout }, counts })).toMatch(/^The import stopped near line 21 .*\(12 created, 7 updated\).*Contact support/);
    expect(brokenReason({ checkpoint: null, counts })).toContain('No row was imported.');
  });
});
