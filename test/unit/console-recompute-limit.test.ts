/**
 * Report rtenant 5: the API refuses a recompute beyond the day's allowance with a 429 naming `limit`. The
 * insights page says it in the owner's words (recomputes per day), not as "too many at once".
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';

type Problem = { status: number; title: string; detail?: string; limit?: number; route?: string };
const load = async <T>(file: string) => (await import(/* @vite-ignore */ new URL(`../../console/src/${file}`, import.meta.url).href)) as T;
let problemWords: (p: Problem) => string;
let setLang: (l: 'en' | 'it') => void;

beforeAll(async () => {
  vi.stubGlobal('localStorage', { getItem: () => 'en', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  vi.stubGlobal('addEventListener', () => {});
  vi.stubGlobal('location', { hash: '', origin: 'https://console.example', href: 'https://console.example/' });
  ({ problemWords } = await load<{ problemWords: typeof problemWords }>('ui.tsx'));
  ({ setLang } = await load<{ setLang: typeof setLang }>('i18n.ts'));
});

describe('a recompute refused for the day', () => {
  const refused: Problem = { status: 429, title: 'Too many requests', detail: 'This account already started 24 recomputes today (UTC)', limit: 24, route: '/v1/insights/recompute' };
  it('says the day’s recomputes are used up and when to try again, in English and Italian', () => {
    setLang('en');
    expect(problemWords(refused)).toBe('24 recomputes were already started today, the most in one day: try again tomorrow. The nightly recompute still runs.');
    setLang('it');
    expect(problemWords(refused)).toContain('Oggi sono già stati avviati 24 ricalcoli');
  });
});
