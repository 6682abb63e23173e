/** The wording rules of wording.ts in the console's language (the dictionaries and the language switch). */
import { lang, t, type Key } from './i18n.ts';
import { afterColon, countWords } from './wording.ts';

const locale = () => (lang.value === 'it' ? 'it-IT' : 'en-GB');

/** `n` with its noun in the form the language asks for: count(1, 'countTextsOne', 'countTextsOther') → "1 text". */
export const count = (n: number, one: Key, other: Key) => countWords(locale(), n, { one: t(one), other: t(other) });

/** A translated sentence put after a colon, starting in lower case. */
export const continued = (sentence: string) => afterColon(locale(), sentence);
