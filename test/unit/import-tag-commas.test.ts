/**
 * A tag name never holds a comma: the list's filters are comma-separated (`?tags=Yoga,Pilates` is two tags), so
 * POST /v1/tags refuses one. An import read Mailchimp's `"Yoga, Pilates"` as a tag of that name: it could be
 * exported, and chosen in the console's Tags filter, but never listed. The import now saves it as
 * `Yoga / Pilates` with a warning naming both, and the card's `tags` refuse a new name with a comma as
 * POST /v1/tags does.
 */
import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../shared/import/columns.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { tagNameWithoutCommas } from '../../shared/import/values.ts';
import { DEFAULT_TAGS, newTenant } from '../../shared/domain/tenant.schema.ts';
import { normaliseFields } from '../../shared/domain/customer-rules.ts';
import { CreateTagSchema } from '../../shared/domain/catalogue.schema.ts';
import { FilterSchema, queryToObject } from '../../shared/domain/customer-filter.schema.ts';
import { fieldErrors } from '../helpers/field-errors.ts';

const ctxFor = (header: string[], over: Partial<RowContext> = {}): RowContext => ({
  header,
  targets: mapColumns(header),
  defaultCountry: 'IT',
  tags: [...DEFAULT_TAGS],
  today: '2026-11-23',
  ...over,
});

describe('a tag name with a comma in an imported file', () => {
  it('Mailchimp\'s "Yoga, Pilates" is saved as "Yoga / Pilates", with a warning naming both', () => {
    const ctx = ctxFor(['Email Address', 'TAGS']);
    const r = readRow(['anna@example.it', '"Yoga, Pilates","VIP"'], 2, ctx);
    expect(r).toMatchObject({ ok: true, fields: { tags: ['Yoga / Pilates', 'VIP'] } });
    if (!r.ok) return;
    expect(r.warnings).toEqual([`TAGS: tag "Yoga, Pilates" saved as "Yoga / Pilates" (a tag name holds no comma: the list's filters read "A,B" as two tags)`]);
    expect(ctx.tags).toContain('Yoga / Pilates');
    expect(ctx.tags.filter((t) => t.includes(','))).toEqual([]);
  });

  it('every tag an import brings is one POST /v1/tags takes, and `?tags=` finds it whole', () => {
    const ctx = ctxFor(['Email', 'Tags']);
    // clientela's own export quotes such a name, and so do people by hand.
    const cells = ['VIP|"Yoga, Pilates"|Local', '"Pranzo,cena"', '"Corsi ::: sera, mattina"; Regular', '"Sala ""blu"", terrazza"'];
    cells.forEach((cell, n) => expect(readRow([`p${n}@example.it`, cell], n + 2, ctx).ok).toBe(true));
    for (const tag of ctx.tags) {
      expect(CreateTagSchema.safeParse({ name: tag }).success, tag).toBe(true);
      const query = FilterSchema.parse(queryToObject({ tags: tag }));
      expect(query.tags).toEqual([tag]);
    }
    expect(ctx.tags).toEqual(expect.arrayContaining(['Yoga / Pilates', 'Pranzo / cena', 'Corsi ::: sera / mattina', 'Sala "blu" / terrazza']));
  });

  it('a name the catalogue already has after the rename is that tag, not a second one', () => {
    const ctx = ctxFor(['Email', 'Tags'], { tags: [...DEFAULT_TAGS, 'Yoga / Pilates'] });
    const r = readRow(['anna@example.it', '"yoga,pilates"'], 2, ctx);
    expect(r).toMatchObject({ ok: true, fields: { tags: ['Yoga / Pilates'] } });
    expect(ctx.tags.filter((t) => /yoga/i.test(t))).toEqual(['Yoga / Pilates']);
  });

  it('a name of commas only is left out with a warning; one too long once renamed says so, naming the file\'s name', () => {
    const ctx = ctxFor(['Email', 'Tags']);
    const long = `${'x'.repeat(25)}, ${'y'.repeat(24)}`;
    const r = readRow(['anna@example.it', `VIP|" , "|"${long}"`], 2, ctx);
    expect(r).toMatchObject({ ok: true, fields: { tags: ['VIP'] } });
    if (!r.ok) return;
    expect(r.warnings).toEqual([
      'Tags: tag "," has no name beside its commas, left out',
      `Tags: tag "${'x'.repeat(25)} / ${'y'.repeat(24)}" ("${long}" in the file) longer than 50 characters, left out`,
    ]);
  });

  it('the rename: commas become " / ", empty pieces go', () => {
    expect(tagNameWithoutCommas('Yoga, Pilates')).toBe('Yoga / Pilates');
    expect(tagNameWithoutCommas(', Yoga,')).toBe('Yoga');
    expect(tagNameWithoutCommas('a,b , c')).toBe('a / b / c');
    expect(tagNameWithoutCommas(' , ')).toBe('');
    expect(tagNameWithoutCommas('VIP')).toBe('VIP');
  });
});

describe("a card's tags with a comma (POST and PATCH /v1/customers)", () => {
  const tenant = newTenant('acme', 'Acme', '2026-01-01T00:00:00.000Z');
  it('are refused as POST /v1/tags refuses them, naming the field', () => {
    expect(fieldErrors(() => normaliseFields({ tags: ['VIP', 'Pranzo, cena'] }, tenant))).toEqual([{ path: 'tags.1', message: 'must not hold a comma (filters list tags comma-separated)' }]);
  });
  it('even when an older import put the name in the catalogue: a new card could not be listed by it', () => {
    const older = { ...tenant, tags: [...tenant.tags, 'Yoga, Pilates'] };
    expect(fieldErrors(() => normaliseFields({ tags: ['Yoga, Pilates'] }, older))).toEqual([{ path: 'tags.0', message: 'must not hold a comma (filters list tags comma-separated)' }]);
  });
  it('a card that already holds such a tag keeps it when another tag is ticked (the console sends them all)', () => {
    const older = { ...tenant, tags: [...tenant.tags, 'Yoga, Pilates'] };
    expect(normaliseFields({ tags: ['Yoga, Pilates', 'VIP'] }, older, { heldTags: ['Yoga, Pilates'] }).tags).toEqual(['Yoga, Pilates', 'VIP']);
  });
});
