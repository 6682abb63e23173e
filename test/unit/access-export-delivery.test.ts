import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accessExportDelivery, carriedBytes } from '../../shared/privacy/access-export.ts';

/** Lambda's Node runtime sends a handler's result as JSON: the body string is escaped once more. */
const asLambdaCarriesIt = (json: string) => Buffer.byteLength(JSON.stringify({ body: json })) - Buffer.byteLength(JSON.stringify({ body: '' })) + 2;

describe('carriedBytes: the size of the access export inside the function\'s answer', () => {
  it('is what JSON-encoding the body once more makes of any document', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (value, text, raw) => {
        for (const json of [JSON.stringify(value), JSON.stringify({ text }), JSON.stringify({ raw })]) expect(carriedBytes(json)).toBe(asLambdaCarriesIt(json));
      }),
    );
  });

  it('counts a message of quotes about twice: the document fits its own size, not Lambda\'s', () => {
    const json = JSON.stringify({ message: '"'.repeat(1000) });
    expect(Buffer.byteLength(json)).toBeLessThan(2100);
    expect(carriedBytes(json)).toBeGreaterThan(4000);
  });
});

describe('accessExportDelivery', () => {
  const json = JSON.stringify({ history: [{ text: 'città "centro"' }] });
  const size = carriedBytes(json);

  it('answers inline up to the threshold, and redirects past it', () => {
    expect(accessExportDelivery(json, size)).toBe('inline');
    expect(accessExportDelivery(json, size - 1)).toBe('redirect');
    expect(accessExportDelivery(json, 0)).toBe('redirect');
  });

  it('gives a link when asked, however small the document', () => {
    expect(accessExportDelivery(json, size, 'link')).toBe('link');
    expect(accessExportDelivery('{}', 5_000_000, 'link')).toBe('link');
  });
});
