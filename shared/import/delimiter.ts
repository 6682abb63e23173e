/** The field delimiters real CSV files use, in the order preferred on a tie. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * Picks the delimiter from the first records of the file: the candidate that appears outside quotes
 * in the header and the same number of times in most of the following records. Quote-aware, so
 * `"Rossi, Mario";…` does not vote for the comma.
 */
export function detectDelimiter(sample: string): Delimiter {
  const records = firstRecords(sample, 20);
  let best: Delimiter = ',';
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const counts = records.map((r) => countOutsideQuotes(r, d));
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const rest = counts.slice(1).filter((_, i) => records[i + 1]!.trim() !== '');
    // Records with exactly the header's count vote for it; more is a stray delimiter in one row.
    const agree = rest.length ? rest.filter((c) => c === header).length / rest.length : 1;
    const score = agree * 1000 + header;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Splits off the first `n` records, keeping quoted newlines inside their record. */
function firstRecords(text: string, n: number): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && out.length < n; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if ((c === '\n' || c === '\r') && !quoted) {
      if (i > start) out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (out.length < n && start < text.length) out.push(text.slice(start));
  return out;
}

function countOutsideQuotes(record: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const c of record) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}
