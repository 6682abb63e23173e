import { fold } from './search-text.ts';

/*
 * The one reading of a customer's language, for the API, events and imports alike (normaliseFields): a card
 * holds the primary language code (`it`), so `?language=it` finds everyone who reads Italian however it was
 * written: `it`, `IT`, `it-IT`, `it_IT`, `ita`, `italiano`, `Italian`, `Italienisch`.
 */

/** Languages people commonly write by name; names are matched in the five interface languages and their own. */
export const LANGUAGE_CODES = ['it', 'en', 'fr', 'de', 'es', 'pt', 'nl', 'ru', 'zh', 'ja', 'ar', 'ro', 'pl', 'uk', 'sq', 'el', 'sv', 'da', 'no', 'fi', 'cs', 'hu', 'tr', 'he', 'hi', 'ko', 'sl', 'hr', 'sr', 'bg', 'sk', 'ca', 'ga', 'lb', 'mt'];
const NAME_LOCALES = ['it', 'en', 'fr', 'de', 'es'];

// Intl is asked for over a thousand names: built the first time a language is written by name, not when a
// function that writes cards loads.
let languageNames: Map<string, string> | undefined;
const languageByName = (): Map<string, string> =>
  (languageNames ??= (() => {
    const map = new Map<string, string>();
    for (const locale of [...NAME_LOCALES, ...LANGUAGE_CODES]) {
      const names = new Intl.DisplayNames([locale], { type: 'language' });
      for (const code of LANGUAGE_CODES) {
        const name = names.of(code);
        if (name && name !== code) map.set(fold(name), code);
      }
    }
    return map;
  })());

let knownLanguages: Intl.DisplayNames | undefined;

/** The primary language code of a tag or code Intl knows (`it-IT`, `ITA` → `it`); undefined otherwise. */
function languageOfTag(v: string): string | undefined {
  const tag = v.replace(/_/g, '-');
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(tag)) return undefined;
  try {
    const language = Intl.getCanonicalLocales(tag)[0]!.split('-')[0]!;
    // Only languages Intl can name, so `xx` or `zz` are not stored as languages.
    knownLanguages ??= new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
    return knownLanguages.of(language) ? language : undefined;
  } catch {
    return undefined;
  }
}

/** A language code (ISO 639, as BCP 47 writes it), or undefined when `raw` names no language clientela knows. */
export function normaliseLanguage(raw: string): string | undefined {
  const v = raw.trim();
  if (!v) return undefined;
  return languageOfTag(v) ?? languageByName().get(fold(v));
}
