/**
 * The identities an event replaced on a card, as the card's history says them (console/src/history-changes.ts,
 * shown under the entry by console/src/history-entry.tsx): the field in the console's language, the old
 * value, then the new one, as sent.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Change = { field: string; from: string; to: string };
type Changes = { changeText: (c: Change) => string; changeParts: (c: Change) => { label: string; from: string; to: string } };
type I18n = { setLang: (l: 'en' | 'it') => void };

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const load = async <T>(file: string) => (await import(/* @vite-ignore */ new URL(`../../console/src/${file}`, import.meta.url).href)) as T;
let changes: Changes;
let i18n: I18n;

beforeAll(async () => {
  vi.stubGlobal('localStorage', { getItem: () => 'it', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  [changes, i18n] = await Promise.all([load<Changes>('history-changes.ts'), load<I18n>('i18n.ts')]);
});
afterAll(() => vi.unstubAllGlobals());

const typo = { field: 'email', from: 'rita@gmial.com', to: 'rita@gmail.com' };
const newNumber = { field: 'phone', from: '+393331112222', to: '+393334445555' };

describe('an identity change in the card’s history', () => {
  it('says in Italian which field changed, from what to what', () => {
    i18n.setLang('it');
    expect(changes.changeText(typo)).toBe('Email cambiata: rita@gmial.com → rita@gmail.com');
    expect(changes.changeText(newNumber)).toBe('Telefono cambiato: +393331112222 → +393334445555');
  });

  it('says it in English', () => {
    i18n.setLang('en');
    expect(changes.changeText(typo)).toBe('Email changed: rita@gmial.com → rita@gmail.com');
    expect(changes.changeText(newNumber)).toBe('Phone changed: +393331112222 → +393334445555');
  });

  it('keeps the values as sent, markup and bidi controls included, as text', () => {
    i18n.setLang('en');
    const odd = { field: 'email', from: '<b>x</b>@example.com', to: '\u202eevil@example.com' };
    expect(changes.changeParts(odd)).toEqual({ label: 'Email changed', from: '<b>x</b>@example.com', to: '\u202eevil@example.com' });
  });

  it('shows an empty value as a dash and still names a field it does not know', () => {
    i18n.setLang('it');
    expect(changes.changeText({ field: 'email', from: '', to: 'a@example.com' })).toBe('Email cambiata: — → a@example.com');
    expect(changes.changeText({ field: 'whatsapp', from: '1', to: '2' })).toBe('Modifica di whatsapp: 1 → 2');
    i18n.setLang('en');
    expect(changes.changeText({ field: 'whatsapp', from: '1', to: '2' })).toBe('whatsapp changed: 1 → 2');
  });
});
