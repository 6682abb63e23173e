import { describe, expect, it } from 'vitest';
import { combine, writePart, type PartInput } from '../../shared/exports/export-steps.ts';
import type { ExportFiles, ExportStore, ShardRead } from '../../shared/exports/export.ports.ts';
import type { ExportRecord } from '../../shared/exports/export.schema.ts';
import { DEFAULT_COLUMNS } from '../../shared/exports/export-format.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';
import { erasureMark } from '../../shared/privacy/hmac.ts';

/**
 * An export's memory must not grow with the number of customers: a part reads its shard only as fast as
 * the file takes the rows, and Combine reads the parts only as fast as the file takes them. Ports faked,
 * with a file that takes each chunk a few event-loop turns late, so a step that ran ahead would show.
 */
const PAGES = 30;
const PAGE_ROWS = 50;
const at = '2026-01-01T00:00:00.000Z';
const customer = (page: number, row: number): Customer => ({
  ...blankCustomer(`01P${page}R${row}`, at, at),
  firstName: `Nome${row}`,
  attributes: { Tavolo: String(row % 7) },
});

/** A file that takes each chunk slowly; `taken()` is called as each chunk is taken. */
function slowFiles(taken: () => void, partChunks?: (key: string) => AsyncIterable<Uint8Array>): ExportFiles & { written: Map<string, string> } {
  const written = new Map<string, string>();
  return {
    written,
    async write(key, chunks) {
      let text = '';
      for await (const chunk of chunks) {
        taken();
        text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      }
      written.set(key, text);
      return { bytes: Buffer.byteLength(text) };
    },
    read: (key) => partChunks!(key),
    remove: async () => undefined,
    signedUrl: async () => 'unused',
  };
}

const part: PartInput = { tenantId: 't', exportId: 'e', shard: 0, filter: {}, format: 'csv', columns: [...DEFAULT_COLUMNS], delimiter: ';', purpose: null };

describe('export steps hold a bounded amount whatever the export size', () => {
  it('WritePart reads the next page of its shard only when the file has taken the previous one', async () => {
    let pagesRead = 0;
    const aheadWhenTaken: number[] = [];
    const exports = {
      recentErasures: async () => undefined,
      async *readShard<T>(_t: string, _s: number, _f: unknown, read: ShardRead<T> = {}) {
        for (let p = 0; p < PAGES; p++) {
          pagesRead++;
          const cards = Array.from({ length: PAGE_ROWS }, (_, r) => customer(p, r));
          yield { ids: cards.map((c) => c.id), rows: cards.map((c) => (read.map ? read.map(c) : (c as T))) };
        }
      },
    } as unknown as ExportStore;
    let chunksTaken = 0;
    const files = slowFiles(() => aheadWhenTaken.push(pagesRead - ++chunksTaken));
    const result = await writePart({ exports, files }, part);
    expect(result.rows).toBe(PAGES * PAGE_ROWS);
    expect(files.written.get(result.key)!.split('\n').filter(Boolean)).toHaveLength(PAGES * PAGE_ROWS);
    // One chunk a page; when the file takes a page's chunk, no later page has been read.
    expect(aheadWhenTaken).toHaveLength(PAGES);
    expect(Math.max(...aheadWhenTaken)).toBe(0);
  });

  // Also while it leaves out a customer erased after their part was written (one row, in part 1).
  it.each([
    ['', undefined],
    [', leaving out a customer erased meanwhile', { secret: 's', marks: new Set([erasureMark('s')('01P1C3')]) }],
  ])('Combine reads a part only as fast as the file takes it%s', async (_, erased) => {
    const PARTS = 4;
    const CHUNKS = 25;
    // Open rows as WritePart leaves them for an `attributes` column, in 25 chunks per part.
    const chunk = (p: number, c: number) => Buffer.from(`${JSON.stringify([`01P${p}C${c};Nome`, '', { Tavolo: String(c % 7) }])}\n`);
    let chunksRead = 0;
    const aheadWhenTaken: number[] = [];
    let chunksTaken = 0;
    const files = slowFiles(
      () => aheadWhenTaken.push(chunksRead - chunksTaken++),
      async function* (key) {
        const p = Number(key.split('/').pop());
        for (let c = 0; c < CHUNKS; c++) {
          chunksRead++;
          yield chunk(p, c);
        }
      },
    );
    const record = { id: 'e', createdAt: at, format: 'csv', columns: ['id', 'firstName', 'attributes'], delimiter: ';', headerLanguage: 'en' } as unknown as ExportRecord;
    const exports = { get: async () => record, recentErasures: async () => erased } as unknown as ExportStore;
    const partResults = Array.from({ length: PARTS }, (_, shard) => ({ shard, key: `parts/${shard}`, rows: CHUNKS, excluded: 0, bytes: 1, attributeNames: ['Tavolo'] }));
    const out = await combine({ exports, files }, { tenantId: 't', exportId: 'e', parts: [], partResults });
    const lines = files.written.get(out.file.key)!.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(1 + PARTS * CHUNKS - (erased ? 1 : 0));
    expect(out.rowCount).toBe(PARTS * CHUNKS - (erased ? 1 : 0));
    expect(lines[1]).toBe('01P0C0;Nome;0');
    // The head, then one chunk of the file per chunk read: never more than the one being turned into CSV.
    expect(aheadWhenTaken).toHaveLength(1 + PARTS * CHUNKS);
    expect(Math.max(...aheadWhenTaken)).toBeLessThanOrEqual(1);
  });
});
