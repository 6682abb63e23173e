import { describe, expect, it } from 'vitest';
import { detectEncoding, swapPairs } from '../../shared/import/encoding.ts';
import { openCsv } from '../../shared/import/csv-reader.ts';

/** What Excel's "Unicode text" save writes, and `iconv -t utf-16` / `-t utf-16be` gives. */
const TEXT = 'email;first name;last name;city\nu16a@x.it;Jürgen;Müller;Zürich\nu16b@x.it;Zoë;"Ñoño\n上";Köln\n';
const le = (s: string, bom = true) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(s, 'utf16le')]);
const be = (s: string, bom = true) => {
  const b = Buffer.from(s, 'utf16le').swap16();
  return Buffer.concat([Buffer.from(bom ? [0xfe, 0xff] : []), b]);
};

async function* chunks(b: Buffer, n: number) {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}
async function readAll(buf: Buffer, n: number, resume?: Parameters<typeof openCsv>[1]) {
  const { layout, batches } = await openCsv(chunks(buf, n), resume);
  const records = [];
  for await (const batch of batches) records.push(...batch);
  return { layout, records };
}

describe('UTF-16 detection', () => {
  it('recognises the UTF-16LE and UTF-16BE byte order marks', () => {
    expect(detectEncoding(le('email\tname'))).toBe('utf-16le');
    expect(detectEncoding(be('email\tname'))).toBe('utf-16be');
  });
  it('recognises UTF-16 without a BOM by its NUL bytes', () => {
    expect(detectEncoding(le(TEXT, false))).toBe('utf-16le');
    expect(detectEncoding(be(TEXT, false))).toBe('utf-16be');
  });
  it('still reads UTF-8 and Windows-1252 text as before', () => {
    expect(detectEncoding(Buffer.from(TEXT, 'utf8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.from(TEXT, 'latin1'))).toBe('windows-1252');
  });
});

describe('swapPairs', () => {
  it('swaps byte pairs across chunks of odd lengths, keeping every byte', () => {
    const swap = swapPairs();
    const input = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = Buffer.concat([swap.push(input.subarray(0, 3)), swap.push(input.subarray(3, 3)), swap.push(input.subarray(3, 8)), swap.push(input.subarray(8)), swap.end()]);
    expect([...out]).toEqual([2, 1, 4, 3, 6, 5, 8, 7, 9]);
  });
});

describe('reading a UTF-16 CSV', () => {
  it.each([
    ['utf-16le', le(TEXT)],
    ['utf-16be', be(TEXT)],
    ['utf-16le', le(TEXT, false)],
    ['utf-16be', be(TEXT, false)],
  ])('reads %s (%#) with its accents, a quoted line break and line numbers, whatever the chunk size', async (encoding, file) => {
    for (const n of [1, 3, 8, 1 << 20]) {
      const { layout, records } = await readAll(file, n);
      expect(layout).toMatchObject({ encoding, delimiter: ';', header: ['email', 'first name', 'last name', 'city'], dataLine: 2 });
      expect(records.map((r) => ({ values: r.values, line: r.line, nextLine: r.nextLine, raw: r.raw }))).toEqual([
        { values: ['u16a@x.it', 'Jürgen', 'Müller', 'Zürich'], line: 2, nextLine: 3, raw: 'u16a@x.it;Jürgen;Müller;Zürich' },
        // 上 is U+4E0A: its 0x0A byte is not a line feed.
        { values: ['u16b@x.it', 'Zoë', 'Ñoño\n上', 'Köln'], line: 3, nextLine: 5, raw: 'u16b@x.it;Zoë;"Ñoño\n上";Köln' },
      ]);
      expect(records.at(-1)!.end).toBe(file.length);
    }
  });

  it('reads the tab-separated CRLF file Excel saves as "Unicode text"', async () => {
    const { layout, records } = await readAll(le('Email\tNome\r\nanna@x.it\tAnna\r\n'), 5);
    expect(layout).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', header: ['Email', 'Nome'] });
    expect(records.map((r) => [r.values, r.raw])).toEqual([[['anna@x.it', 'Anna'], 'anna@x.it\tAnna']]);
  });

  it.each([
    ['utf-16le', le(TEXT)],
    ['utf-16be', be(TEXT)],
  ])('continues %s from a checkpoint (a byte offset of the original file)', async (_encoding, file) => {
    const { layout, records } = await readAll(file, 7);
    const first = records[0]!;
    const rest = await readAll(file.subarray(first.end), 3, { layout, offset: first.end, line: first.nextLine });
    expect(rest.records.map((r) => [r.values, r.line, r.end])).toEqual([[['u16b@x.it', 'Zoë', 'Ñoño\n上', 'Köln'], 3, file.length]]);
  });
});
