import { isUtf8 } from 'node:buffer';
/**
 * Which character encoding a CSV file uses. Spreadsheets on Windows still save "CSV" in Windows-1252;
 * Excel's "Unicode text" writes UTF-16 (little-endian with a BOM, tab-separated); everything else writes
 * UTF-8, with or without a byte order mark. The parser reads bytes directly (so checkpoints are byte
 * offsets of the original file): UTF-8 as `utf8`, Windows-1252 as `latin1` (one byte, one character)
 * followed by `fromLatin1` for the 0x80–0x9F range where the two differ, UTF-16LE as `utf16le`, and
 * UTF-16BE as `utf16le` after swapping each byte pair (`swapPairs`: same length, so same offsets).
 */
export type Encoding = 'utf-8' | 'utf-8-bom' | 'windows-1252' | 'utf-16le' | 'utf-16be';

const BOM = [0xef, 0xbb, 0xbf];

/** Whether the encoding has two bytes a code unit (line endings, quotes and delimiters are two bytes). */
export const isUtf16 = (e: Encoding): e is 'utf-16le' | 'utf-16be' => e === 'utf-16le' || e === 'utf-16be';

/** Bytes looked at for the NUL pattern of UTF-16 without a BOM. */
const NUL_SAMPLE = 4096;

/**
 * UTF-16 without a BOM: a CSV is mostly ASCII (emails, digits, delimiters), which UTF-16 writes as the
 * character's byte and a NUL; text in UTF-8 or Windows-1252 has no NUL at all. So: NULs in at least a
 * third of the odd (LE) or even (BE) positions, and none in the others.
 */
function utf16ByNuls(sample: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(sample.length, NUL_SAMPLE) & ~1;
  if (n < 4) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (sample[i] === 0) even++;
    if (sample[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (even === 0 && odd * 3 >= pairs) return 'utf-16le';
  if (odd === 0 && even * 3 >= pairs) return 'utf-16be';
  return undefined;
}

/** File signatures of what people drop in an import bucket instead of a CSV, and how to say so. */
const NOT_CSV: { magic: number[]; what: string }[] = [
  // .xlsx, .ods and .numbers are zip archives; .xls (Excel 97–2003) is an OLE compound file.
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a spreadsheet workbook or zip archive (.xlsx, .ods, .zip), not a CSV: save it as "CSV UTF-8" and import that' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an Excel 97–2003 workbook (.xls), not a CSV: save it as "CSV UTF-8" and import that' },
  { magic: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document, not a CSV' },
  { magic: [0x1f, 0x8b], what: 'a compressed (gzip) file, not a CSV: uncompress it first' },
];

/**
 * Why the first bytes of a file are not text a CSV reader should try (a workbook, a PDF, an archive, any
 * binary file), or undefined. Without it, a workbook renamed .csv was "imported" as hundreds of rejected
 * rows of noise, the import reported completed. A NUL byte in a file that is not UTF-16 is binary: text in
 * UTF-8 or Windows-1252 never holds one.
 */
export function notTextReason(sample: Uint8Array, encoding: Encoding): string | undefined {
  for (const { magic, what } of NOT_CSV) if (magic.every((b, i) => sample[i] === b)) return `the file is ${what}`;
  if (!isUtf16(encoding) && sample.subarray(0, NUL_SAMPLE).includes(0)) return 'the file is not text (it holds NUL bytes): export the list as CSV and import that';
  return undefined;
}

export function detectEncoding(sample: Uint8Array, wholeFile = false): Encoding {
  if (sample.length >= 3 && sample[0] === BOM[0] && sample[1] === BOM[1] && sample[2] === BOM[2]) return 'utf-8-bom';
  if (sample.length >= 2 && sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample.length >= 2 && sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  const utf16 = utf16ByNuls(sample);
  if (utf16) return utf16;
  // Valid UTF-8 is almost never produced by accident from Windows-1252 text with accents; `stream: true`
  // tolerates a character cut at the end of the sample (unless the sample is the whole file).
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !wholeFile });
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** Windows-1252 characters at 0x80–0x9F (latin1 maps these bytes to C1 control characters). */
const CP1252_HIGH: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰',
  0x8a: 'Š', 0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•',
  0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};
const C1 = /[\u0080-\u009f]/g;
const HAS_C1 = /[\u0080-\u009f]/;

/** Turns text read as latin1 into the Windows-1252 text it really is. */
export function fromLatin1(s: string): string {
  return HAS_C1.test(s) ? s.replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0)] ?? c) : s;
}

/**
 * The values of one record of a file read as Windows-1252 (parsed as latin1, one byte a character), decoded
 * record by record: a record whose non-ASCII values are all valid UTF-8 is UTF-8 (a UTF-8 export with one
 * line typed in Notepad appended: one line decided the whole file, and every other accented name became
 * `NicolÃ²`); any other is Windows-1252. `utf8` says which.
 */
export function decodeLatin1Record(values: string[]): { values: string[]; utf8: boolean } {
  let high = false;
  for (const v of values) {
    if (!NON_ASCII.test(v)) continue;
    high = true;
    if (!isUtf8(Buffer.from(v, 'latin1'))) return { values: values.map(fromLatin1), utf8: false };
  }
  // Only ASCII: the same text either way (counted as UTF-8: nothing in it was read as Windows-1252).
  if (!high) return { values, utf8: true };
  return { values: values.map((v) => (NON_ASCII.test(v) ? Buffer.from(v, 'latin1').toString('utf8') : v)), utf8: true };
}

/** The bytes of one record, decoded as decodeLatin1Record decodes its values. */
export function decodeLatin1Bytes(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : fromLatin1(bytes.toString('latin1'));
}

// eslint-disable-next-line no-control-regex -- the ASCII range, controls included
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * UTF-8 read as Windows-1252 (`NicolÃ²`, `FranÃ§ois`, `Ã©`): two characters where one accented letter was.
 */
const MOJIBAKE = /[ÃÂ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]/;
/**
 * A symbol where a letter belongs: what the letters of a file saved as "CSV (MS-DOS)" (code page 850: `ò` is
 * `•`, `é` is `‚`, `è` is `Š`, `à` is `…`) or "CSV (Macintosh)" (Mac Roman: `ò` is `˜`, `é` is `Ž`) look like
 * read as Windows-1252: a punctuation symbol or control right after a letter, an ellipsis between two, or
 * `Š`/`Ž`/`Œ` inside a lower-case word.
 */
const SYMBOL_FOR_LETTER = /\p{L}[•‚˜ˆ†‡‰‹›„™\u0080-\u009f]|\p{L}…\p{L}|\p{Ll}[ŠŽŒ]\p{Ll}/u;

/** Why a text looks garbled by a wrong encoding, in the owner's words, or undefined. */
export function garbledText(s: string): string | undefined {
  if (!NON_ASCII.test(s)) return undefined;
  if (MOJIBAKE.test(s)) return 'looks like UTF-8 text read as Windows-1252 ("Ã©" where "é" was)';
  if (SYMBOL_FOR_LETTER.test(s)) return 'has symbols where accented letters belong: the file looks saved as "CSV (MS-DOS)" or "CSV (Macintosh)"';
  return undefined;
}

/**
 * Swaps the bytes of each pair (UTF-16BE → UTF-16LE, which Node decodes) across chunks of any length:
 * an odd byte at a chunk's end waits for the next chunk. Total length, hence every offset, is kept; the
 * stream must start at an even offset of the file (the start, or a record boundary).
 */
export function swapPairs(): { push(chunk: Uint8Array): Buffer; end(): Buffer } {
  let carry: number | undefined;
  return {
    push(chunk) {
      const odd = carry === undefined ? 0 : 1;
      const total = chunk.length + odd;
      const even = total & ~1;
      if (even === 0) {
        if (chunk.length) carry = chunk[0];
        return Buffer.alloc(0);
      }
      const out = Buffer.allocUnsafe(even);
      if (odd) out[0] = carry!;
      out.set(chunk.subarray(0, even - odd), odd);
      carry = total > even ? chunk[chunk.length - 1] : undefined;
      return out.swap16();
    },
    end() {
      // A truncated file's last lone byte, passed on as is (the decoder shows it as U+FFFD).
      const rest = carry === undefined ? Buffer.alloc(0) : Buffer.from([carry]);
      carry = undefined;
      return rest;
    },
  };
}
