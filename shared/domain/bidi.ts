/**
 * Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). Invisible, they reorder the
 * text around them where it is shown: a first name `\u202Emoc.knab-eruces@nimda` reads as an email address in
 * a list, and a business name could move the id printed beside it. Names and places are kept without them
 * (a stranger's website sign-up can send any name); marks that only hint a direction (U+200E, U+200F,
 * U+061C), which right-to-left names may need, are kept.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const HAS_BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/** `s` without bidi controls (trimmed again: they may have stood at either end). */
export const withoutBidiControls = (s: string): string => (HAS_BIDI_CONTROL.test(s) ? s.replace(BIDI_CONTROLS, '').trim() : s);
