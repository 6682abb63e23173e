import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGE_CODES, normaliseLanguage } from '../../shared/domain/language.ts';

/**
 * The card's language menu (console/src/pages/card.tsx) copies the API's list of languages, because the console is
 * built apart from shared/. If the lists drift, the owner picks a language the API refuses, or cannot pick one it reads.
 */
describe("the console card's language menu", () => {
  it('offers exactly the languages the API reads', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../../console/src/pages/card.tsx'), 'utf8');
    const list = /const LANGUAGES = \[([^\]]*)\]/.exec(source);
    expect(list, 'card.tsx no longer declares `const LANGUAGES = [...]`').not.toBeNull();
    const codes = [...list![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect([...codes].sort()).toEqual([...LANGUAGE_CODES].sort());
    for (const code of codes) expect(normaliseLanguage(code!)).toBe(code);
  });
});
