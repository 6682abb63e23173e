import { describe, expect, it } from 'vitest';
import { prefersProblem } from '../../shared/http/link-pages.ts';

/** Which Accept headers get a link page's error as problem+json instead of the page (written out by hand). */
describe('prefersProblem (the GET of a mailed link)', () => {
  it.each([
    ['application/problem+json', true],
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/problem+json, application/json;q=0.9', true],
    ['application/json, text/plain, */*', true], // many HTTP libraries' default: JSON named outright, the rest a wildcard
    ['text/html;q=0.5, application/json', true],
    ['application/json, text/html;q=0.9', true],
    ['application/*', true], // HTML not acceptable at all
  ])('%s → problem+json', (accept, expected) => expect(prefersProblem(accept)).toBe(expected));

  it.each([
    [undefined, false], // no Accept: a person's link opener, a mail scanner
    ['', false],
    ['*/*', false],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false], // a browser
    ['text/html, application/json', false], // a tie between two named types: the page
    ['application/json;q=0.5, text/html', false],
    ['application/json;q=0, */*', false], // JSON refused outright
    ['text/*, application/json;q=0.9', false],
    ['text/plain', false], // neither: the page, as before
  ])('%s → page', (accept, expected) => expect(prefersProblem(accept)).toBe(expected));
});
