import * as z from './zod.ts';
import { normaliseLanguage } from './language.ts';

/**
 * A language a request names to select by (the list filter's `language`, GET /v1/insights/keywords'
 * `language`): one a card can hold (language.ts, the reading of a card's language), by code or by name. A value
 * no card can hold (`xx`, `klingon`) is a 400, not a selection that quietly finds nothing. In its own module so
 * that a route taking it builds no filter schema.
 */
export const KnownLanguageSchema = z.string().check(
  z.minLength(1),
  z.maxLength(35),
  z.refine((s) => normaliseLanguage(s) !== undefined, 'is not a language clientela knows: give a code or a name, e.g. it, en-GB or Italiano'),
);
