/**
 * Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). Invisible, they reorder the
 * text around them where it is shown: a first name `\u202Emoc.knab-eruces@nimda` reads as an email address in
 * a list, and a business name could move the id printed beside it. Names and places are kept without them
 * (a stranger's website sign-up can send any name); marks that only hint a direction (U+200E, U+200F,
 * U+061C), which right-to-left names may need, are kept.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const HAS_BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Labels the business names through the API, each a name of its own making: the business name, tag names,
 * segment names, custom attribute names. One with a bidi control is refused with a 400 naming it, not stored
 * other than as sent (the client sends it again without). A card's names and city, which a stranger's sign-up
 * may send, and what a file brings (its tags, its column names) are stripped instead (singleLineText,
 * withoutBidiControls): an invisible character never costs a card, an event or a row.
 */
export const BIDI_CONTROL_MESSAGE = 'must not hold a bidi control (U+202A–U+202E, U+2066–U+2069)';
/** Whether `s` holds no bidi control (for a schema's refine). */
export const hasNoBidiControl = (s: string): boolean => !HAS_BIDI_CONTROL.test(s);

/** `s` without bidi controls (trimmed again: they may have stood at either end). */
export const withoutBidiControls = (s: string): string => (HAS_BIDI_CONTROL.test(s) ? s.replace(BIDI_CONTROLS, '').trim() : s);
