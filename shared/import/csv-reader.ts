import { parse } from 'csv-parse';
import { decodeLatin1Bytes, decodeLatin1Record, detectEncoding, fromLatin1, isUtf16, notTextReason, swapPairs, type Encoding } from './encoding.ts';
import { DELIMITERS, detectDelimiter, type Delimiter } from './delimiter.ts';

/** What the reader found out about the file; stored with the job so a continuation reads the same way. */
export interface CsvLayout {
  encoding: Encoding;
  delimiter: Delimiter;
  header: string[];
  /** Line and byte offset of the first data record (after the header, or after `sep=` + header). */
  dataLine: number;
  dataOffset: number;
}

/** One data record: its values, its first line as a text editor counts, and where it ends in the file's bytes. */
export interface CsvRecord {
  values: string[];
  line: number;
  /** The record as written (without its line ending), for the error report. */
  readonly raw: string;
  /** How many bytes of the file the record takes (without its line ending): bounds what a card made from it holds. */
  readonly byteLength: number;
  /** The line where the next record starts. */
  nextLine: number;
  /** Byte offset just after this record in the original file: a safe place to continue from. */
  end: number;
  /** In a file read as Windows-1252, a record that is not valid UTF-8 (the others are read as UTF-8). */
  readonly notUtf8?: boolean;
}

/**
 * A record keeps a view of its bytes and decodes its text only when asked: only rejected rows and rows
 * with warnings are quoted in the report, and building the text of every row as it is parsed (csv-parse's
 * `raw`) cost a tenth of the parsing.
 */
class Record implements CsvRecord {
  values: string[];
  line: number;
  nextLine: number;
  end: number;
  notUtf8?: boolean;
  private readonly bytes: Buffer;
  private readonly from: number;
  private readonly to: number;
  private readonly decoding: Decoding;

  constructor(values: string[], line: number, nextLine: number, end: number, bytes: Buffer, from: number, to: number, decoding: Decoding) {
    this.values = values;
    this.line = line;
    this.nextLine = nextLine;
    this.end = end;
    this.bytes = bytes;
    this.from = from;
    this.to = to;
    this.decoding = decoding;
  }

  get byteLength(): number {
    return this.to - this.from;
  }

  get raw(): string {
    if (this.decoding === 'latin1') return decodeLatin1Bytes(this.bytes.subarray(this.from, this.to));
    return this.bytes.toString(this.decoding, this.from, this.to);
  }
}

/** How the parser decodes the bytes it is fed (UTF-16BE is fed byte-swapped, as UTF-16LE). */
type Decoding = 'utf8' | 'latin1' | 'utf16le';
const decodingOf = (e: Encoding): Decoding => (e === 'windows-1252' ? 'latin1' : isUtf16(e) ? 'utf16le' : 'utf8');

/** Where to continue a file already read up to a record boundary. */
export interface CsvResume {
  layout: CsvLayout;
  offset: number;
  line: number;
}

const SAMPLE_BYTES = 256 * 1024;
const SLICE_BYTES = 8 * 1024;

type Engine = {
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  /** `bytes`: the parser's position in the bytes fed so far, just after the record being pushed. */
  info: { bytes: number };
};

/** A file that is not a CSV at all (a workbook, a PDF, binary): the import ends failed, saying which. */
export class UnreadableFileError extends Error {}

/**
 * Reads a CSV from a byte stream: detects encoding and delimiter from the first 256 KB, takes the first
 * record as header, then yields the data records in batches, the records of each 8 KB of the stream
 * (csv-parse, fed a slice at a time, so memory stays flat whatever the size). A batch rather than a record
 * per step: an awaited generator step per record cost as much as parsing it. With `resume`, `source` must
 * start at `resume.offset` of the original file.
 */
export async function openCsv(source: AsyncIterable<Uint8Array>, resume?: CsvResume): Promise<{ layout: CsvLayout; batches: AsyncGenerator<CsvRecord[]> }> {
  let it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (!resume && size < SAMPLE_BYTES) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
  }
  const sample = Buffer.concat(head);
  const encoding = resume?.layout.encoding ?? detectEncoding(sample, ended);
  const notText = resume ? undefined : notTextReason(sample, encoding);
  if (notText) throw new UnreadableFileError(notText);
  const decoding = decodingOf(encoding);
  const latin1 = decoding === 'latin1';
  const wide = decoding === 'utf16le';
  if (encoding === 'utf-16be') {
    // Fed to the parser as UTF-16LE: every chunk swapped pair by pair as it arrives (offsets unchanged).
    const swap = swapPairs();
    for (let i = 0; i < head.length; i++) head[i] = swap.push(head[i]!);
    it = swapped(it, swap);
  }
  const sampleText = latin1
    ? fromLatin1(sample.toString('latin1'))
    : wide
      ? Buffer.concat(head).toString('utf16le').replace(/^\ufeff/, '')
      : new TextDecoder('utf-8').decode(sample);
  // Excel's `sep=;` first line names the delimiter.
  const sepLine = /^sep=(.)\r?\n/.exec(sampleText);
  const hinted = sepLine && (DELIMITERS as readonly string[]).includes(sepLine[1]!) ? (sepLine[1] as Delimiter) : undefined;
  const delimiter = resume?.layout.delimiter ?? hinted ?? detectDelimiter(sepLine ? sampleText.slice(sepLine[0].length) : sampleText);

  const parser = parse({
    delimiter,
    // csv-parse skips a UTF-8 or UTF-16LE byte order mark (a UTF-16BE one, once swapped, is the latter).
    bom: !resume && (encoding === 'utf-8-bom' || wide),
    encoding: decoding,
    relax_column_count: true,
    relax_quotes: true,
    // Explicit, so a file mixing CRLF and LF (lines appended by another editor) still splits right.
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: false,
  });
  // The parser's engine is fed directly, chunk by chunk, rather than through a piped stream and its async
  // iterator: that machinery cost more per record than the parsing itself. `info: true` is not asked for
  // either (it copies the parser's state into a new object per record): the engine's own `info.bytes`,
  // read as each record is pushed, is the same figure, and counts the original bytes for checkpoints
  // (including a byte order mark the parser skipped).
  const engine = (parser as unknown as { api: Engine }).api;
  const base = resume?.offset ?? 0;
  let line = resume?.line ?? 1;
  let header: string[] | undefined = resume?.layout.header;
  let headerEnd = 0;
  let dataLine = line;
  let out: CsvRecord[] = [];

  // The bytes fed since the start of the record being parsed (offsets relative to `base`), so each record
  // can keep a view of its own bytes: usually one slice, a copy when a record straddles two.
  const pieces: Buffer[] = [];
  let piecesStart = 0;
  let recordStart = 0;

  const push = (record: string[]) => {
    const start = recordStart;
    const end = engine.info.bytes;
    recordStart = end;
    let at = piecesStart;
    let i = 0;
    while (at + pieces[i]!.length <= start) at += pieces[i++]!.length;
    let bytes = pieces[i]!;
    let from = start - at;
    let to = end - at;
    if (to > bytes.length) {
      bytes = Buffer.concat(pieces.slice(i)).subarray(from, to);
      from = 0;
      to = bytes.length;
    }
    // The record's text ends before its line ending; a quoted value may hold more lines.
    const here = line;
    if (wide) {
      // Two bytes a code unit, the record starting at an even offset: only a 0x0A 0x00 pair there is a
      // line feed (0x0A is also a byte of 上, Ċ or ਊ).
      while (to - 2 >= from && (bytes[to - 2] === 10 || bytes[to - 2] === 13) && bytes[to - 1] === 0) to -= 2;
      for (let p = from; p + 1 < to; p += 2) if (bytes[p] === 10 && bytes[p + 1] === 0) line++;
    } else {
      while (to > from && (bytes[to - 1] === 10 || bytes[to - 1] === 13)) to--;
      for (let nl = bytes.indexOf(10, from); nl >= 0 && nl < to; nl = bytes.indexOf(10, nl + 1)) line++;
    }
    line++;
    if (!header) {
      headerEnd = end;
      if (here === 1 && hinted && record.length <= 2 && record[0]!.startsWith('sep=')) return;
      if (isBlank(record)) return;
      header = (latin1 ? decodeLatin1Record(record).values : record).map((h) => h.trim());
      dataLine = line;
      return;
    }
    // A blank line (or a row of empty cells, as spreadsheets leave at the end) is not a data row.
    if (isBlank(record)) return;
    if (latin1) {
      // Record by record: a valid UTF-8 record of a file that is not all UTF-8 is read as UTF-8.
      const decoded = decodeLatin1Record(record);
      const rec = new Record(decoded.values, here, line, base + end, bytes, from, to, decoding);
      if (!decoded.utf8) rec.notUtf8 = true;
      out.push(rec);
    } else out.push(new Record(record, here, line, base + end, bytes, from, to, decoding));
  };
  const feed = (buf: Buffer | undefined, end: boolean): CsvRecord[] => {
    if (buf) pieces.push(buf);
    const err = engine.parse(buf, end, push, () => undefined);
    // The line of the record being read, as this reader counts (CR LF once): csv-parse's own counts CR and LF apart.
    if (err) throw Object.assign(err, { recordLine: line });
    while (pieces.length && piecesStart + pieces[0]!.length <= recordStart) piecesStart += pieces.shift()!.length;
    const batch = out;
    out = [];
    return batch;
  };

  // Until the header is found, the sampled chunks are parsed here; the data records they hold are the
  // first batches.
  const first: CsvRecord[][] = [];
  let fed = 0;
  while (!header && fed < head.length) first.push(feed(head[fed++]!, false));
  let done = false;
  while (!header && !ended && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else first.push(feed(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength), false));
  }
  if (!header && (ended || done)) {
    first.push(feed(undefined, true));
    done = true;
  }
  const layout: CsvLayout = resume?.layout ?? { encoding, delimiter, header: header ?? [], dataLine, dataOffset: headerEnd };

  // A chunk is parsed a slice at a time, so a batch is a few dozen records: a batch is still alive when
  // the young generation is collected, and a whole chunk's records (~600) made each collection copy them.
  function* sliced(chunk: Buffer): Generator<CsvRecord[]> {
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      const batch = feed(chunk.subarray(at, at + SLICE_BYTES), false);
      if (batch.length) yield batch;
    }
  }
  async function* batches(): AsyncGenerator<CsvRecord[]> {
    for (const batch of first) if (batch.length) yield batch;
    first.length = 0;
    if (done) return;
    while (fed < head.length) yield* sliced(head[fed++]!);
    head.length = 0;
    if (!ended) {
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        yield* sliced(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      }
    }
    const last = feed(undefined, true);
    if (last.length) yield last;
  }
  return { layout, batches: batches() };
}

/** The source's chunks byte-swapped pair by pair (UTF-16BE read as UTF-16LE), a last odd byte at the end. */
function swapped(it: AsyncIterator<Uint8Array>, swap: ReturnType<typeof swapPairs>): AsyncIterator<Uint8Array> {
  let finished = false;
  return {
    async next() {
      if (finished) return { done: true, value: undefined };
      const next = await it.next();
      if (!next.done) return { done: false, value: swap.push(next.value) };
      finished = true;
      const rest = swap.end();
      return rest.length ? { done: false, value: rest } : { done: true, value: undefined };
    },
  };
}

function isBlank(record: string[]): boolean {
  for (let i = 0; i < record.length; i++) if (record[i]!.trim()) return false;
  return true;
}
