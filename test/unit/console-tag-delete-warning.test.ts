/**
 * Deleting a tag in the console's Settings asks first, and says which automatic tag rules give it (the API then
 * refuses the delete, naming the rule) and which saved segments name it, whatever the case they spell it in.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Warning = { tagDeleteWarning: (tag: string, rules: { tag: string }[], segments: { name: string; filter?: unknown }[]) => string };
type I18n = { setLang: (l: 'en' | 'it') => void };

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const load = async <T>(file: string) => (await import(/* @vite-ignore */ new URL(`../../console/src/${file}`, import.meta.url).href)) as T;
let warning: Warning;
let i18n: I18n;

beforeAll(async () => {
  vi.stubGlobal('localStorage', { getItem: () => 'en', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  [warning, i18n] = await Promise.all([load<Warning>('tag-delete-warning.ts'), load<I18n>('i18n.ts')]);
  i18n.setLang('en');
});
afterAll(() => vi.unstubAllGlobals());

describe('the question before deleting a tag', () => {
  const rules = [
    { tag: 'Regular', filter: { minVisits: 5 } },
    { tag: 'No-show', filter: { minNoShows: 1 } },
  ];
  const segments = [
    { name: 'Senza glutine', filter: { tags: ['Celiaco'] } },
    { name: 'Allergie', filter: { anyTags: ['celiaco', 'Lattosio'] } },
    { name: 'VIP', filter: { tags: ['VIP'] } },
  ];

  it('names the rule that gives it (case aside)', () => {
    const text = warning.tagDeleteWarning('no-show', rules, segments);
    expect(text).toContain('Cards that hold it keep it');
    expect(text).toContain('The automatic tag rule 2 gives it');
    expect(text).not.toContain('Saved segments');
  });

  it('names the saved segments that name it, in tags or anyTags, in any case', () => {
    const text = warning.tagDeleteWarning('CELIACO', rules, segments);
    expect(text).toContain('Saved segments that name it (they keep finding the cards that hold it): Senza glutine, Allergie.');
    expect(text).not.toContain('automatic tag rule');
  });

  it('says only what a delete does when nothing names it, in Italian too', () => {
    expect(warning.tagDeleteWarning('Business', rules, segments)).toBe(
      'Delete the tag Business from the catalogue? Cards that hold it keep it, and filters still find them; it can no longer be added to a card.',
    );
    i18n.setLang('it');
    expect(warning.tagDeleteWarning('No-show', rules, [])).toContain('La regola di etichetta automatica 2 la assegna');
    i18n.setLang('en');
  });
});
