import { parse } from 'csv-parse';
import { detectEncoding, fromLatin1, type Encoding } from './encoding.ts';
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
  raw: string;
  /** The line where the next record starts. */
  nextLine: number;
  /** Byte offset just after this record in the original file: a safe place to continue from. */
  end: number;
}

/** Where to continue a file already read up to a record boundary. */
export interface CsvResume {
  layout: CsvLayout;
  offset: number;
  line: number;
}

const SAMPLE_BYTES = 256 * 1024;

/**
 * Reads a CSV from a byte stream: detects encoding and delimiter from the first 256 KB, takes the first
 * record as header, then yields data records one by one (csv-parse, with backpressure, so memory stays
 * flat whatever the size). With `resume`, `source` must start at `resume.offset` of the original file.
 */
export async function openCsv(source: AsyncIterable<Uint8Array>, resume?: CsvResume): Promise<{ layout: CsvLayout; records: AsyncGenerator<CsvRecord> }> {
  const it = source[Symbol.asyncIterator]();
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
  const sampleText = encoding === 'windows-1252' ? fromLatin1(sample.toString('latin1')) : new TextDecoder('utf-8').decode(sample);
  // Excel's `sep=;` first line names the delimiter.
  const sepLine = /^sep=(.)\r?\n/.exec(sampleText);
  const hinted = sepLine && (DELIMITERS as readonly string[]).includes(sepLine[1]!) ? (sepLine[1] as Delimiter) : undefined;
  const delimiter = resume?.layout.delimiter ?? hinted ?? detectDelimiter(sepLine ? sampleText.slice(sepLine[0].length) : sampleText);
  const latin1 = encoding === 'windows-1252';

  const parser = parse({
    delimiter,
    bom: !resume && encoding === 'utf-8-bom',
    encoding: latin1 ? 'latin1' : 'utf8',
    relax_column_count: true,
    relax_quotes: true,
    // Explicit, so a file mixing CRLF and LF (lines appended by another editor) still splits right.
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: false,
    info: true,
    raw: true,
  });
  // The parser's engine is fed directly, chunk by chunk, rather than through a piped stream and its async
  // iterator: that machinery cost more per record than the parsing itself. Still one chunk at a time, so
  // memory stays flat; `info.bytes` still counts the original bytes for checkpoints.
  type Parsed = { record: string[]; raw: string; info: { bytes: number } };
  const engine = (parser as unknown as { api: { parse(buf: Buffer | undefined, end: boolean, push: (r: Parsed) => void, close: () => void): Error | undefined } }).api;
  async function* parsed(): AsyncGenerator<Parsed> {
    const out: Parsed[] = [];
    const push = (r: Parsed) => void out.push(r);
    const feed = (buf: Buffer | undefined, end: boolean) => {
      const err = engine.parse(buf, end, push, () => undefined);
      if (err) throw err;
    };
    const drain = function* () {
      for (let i = 0; i < out.length; i++) yield out[i]!;
      out.length = 0;
    };
    for (const chunk of head) {
      feed(chunk, false);
      yield* drain();
    }
    if (!ended) {
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        feed(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength), false);
        yield* drain();
      }
    }
    feed(undefined, true);
    yield* drain();
  }

  const base = resume?.offset ?? 0;
  let line = resume?.line ?? 1;
  const iterator = parsed();
  const text = latin1 ? fromLatin1 : (s: string) => s;

  let layout: CsvLayout;
  if (resume) layout = resume.layout;
  else {
    let header: string[] = [];
    let end = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const { record, raw, info } = next.value;
      const here = line;
      line += newlines(raw.replace(/[\r\n]+$/, '')) + 1;
      end = info.bytes;
      if (here === 1 && hinted && record.length <= 2 && /^sep=/.test(record[0]!)) continue;
      if (record.every((v) => !v.trim())) continue;
      header = record.map((h) => text(h).trim());
      break;
    }
    layout = { encoding, delimiter, header, dataLine: line, dataOffset: end };
  }

  async function* records(): AsyncGenerator<CsvRecord> {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const { record, raw, info } = next.value;
      const here = line;
      const content = raw.replace(/[\r\n]+$/, '');
      line += newlines(content) + 1;
      // A blank line (or a row of empty cells, as spreadsheets leave at the end) is not a data row.
      if (record.every((v) => !v.trim())) continue;
      yield { values: latin1 ? record.map(fromLatin1) : record, line: here, raw: text(content), nextLine: line, end: base + info.bytes };
    }
  }
  return { layout, records: records() };
}

function newlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
