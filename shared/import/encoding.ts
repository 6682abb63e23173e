/**
 * Which character encoding a CSV file uses. Spreadsheets on Windows still save "CSV" in Windows-1252;
 * everything else writes UTF-8, with or without a byte order mark. The parser reads bytes directly
 * (so checkpoints are byte offsets of the original file): UTF-8 as `utf8`, Windows-1252 as `latin1`
 * (one byte, one character) followed by `fromLatin1` for the 0x80–0x9F range where the two differ.
 */
export type Encoding = 'utf-8' | 'utf-8-bom' | 'windows-1252';

const BOM = [0xef, 0xbb, 0xbf];

export function detectEncoding(sample: Uint8Array, wholeFile = false): Encoding {
  if (sample.length >= 3 && sample[0] === BOM[0] && sample[1] === BOM[1] && sample[2] === BOM[2]) return 'utf-8-bom';
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
