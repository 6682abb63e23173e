/**
 * The import skips measuring a new card without custom attributes when its row is small: the card holds the
 * row's text (at most 6 bytes of JSON a character) and a bounded rest (shared/import/run-import.ts
 * NEW_CARD_REST_BYTES). These rows make that rest as large as a row can: every field filled with the
 * shortest text normalising makes longest (a phone gains its country code, a two-digit year its century and a
 * date its time), nine tags, consent, and the provenance of every field.
 */
import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../shared/import/columns.ts';
import { readRow } from '../../shared/import/row.ts';
import { newCustomerFromRow } from '../../shared/import/merge.ts';
import { NEW_CARD_REST_BYTES } from '../../shared/import/run-import.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';

const HEADER = ['Nome', 'Cognome', 'Email', 'Cellulare', 'Lingua', 'Consenso newsletter', 'Data di nascita', 'Sesso', 'Città', 'CAP', 'Paese', 'Etichette', 'Note', 'Cliente dal', 'Ultima visita', 'Totale speso'];
const ctx = { header: HEADER, targets: mapColumns(HEADER), defaultCountry: 'IT' as const, tags: [...DEFAULT_TAGS, 'a', 'b', 'c'], today: '2026-11-30' };
const JOB = '01JIMPORT0000000000000000A';

function rest(values: string[]): number {
  const r = readRow(values, 2, { ...ctx, tags: [...ctx.tags] });
  if (!r.ok) throw new Error(r.reason);
  const card = newCustomerFromRow('01JCARD00000000000000000AA', r.fields, '2026-11-30T12:00:00.000Z', `import:${JOB}`);
  const rowBytes = Buffer.byteLength(values.join(';'));
  return Buffer.byteLength(JSON.stringify(card)) - 6 * rowBytes;
}

describe("a new card's size beyond its row's text", () => {
  it('stays far under the bound the import relies on, for rows that make it as large as they can', () => {
    const fullest = ['A', 'B', 'a@b.it', '3331234567', 'it', 'x', '1/1/80', 'f', 'C', '1', 'IT', 'VIP|Regular|Local|Business|Influencer|No-show|Problematic|Friends & Family|a', 'n', '1/1/20', '1/2/26', '1'];
    const smallest = ['', '', 'a@b.it', '', '', '', '', '', '', '', '', '', '', '', '', ''];
    for (const row of [fullest, smallest]) {
      const measured = rest(row);
      expect(measured).toBeLessThan(4 * 1024);
      expect(NEW_CARD_REST_BYTES).toBeGreaterThanOrEqual(4 * measured);
    }
  });
});
