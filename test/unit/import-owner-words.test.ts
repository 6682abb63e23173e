import { describe, expect, it } from 'vitest';
import type { Customer } from '../../shared/domain/customer.schema.ts';
import { newTenant } from '../../shared/domain/tenant.ts';
import { newImportJob } from '../../shared/import/import-job.ts';
import { runImport, type ImportSink, type ReportEntry } from '../../shared/import/run-import.ts';

/**
 * Files as real tools and hands write them, through the whole import (an in-memory sink): what the owner
 * reads in the job, the dry run and the error report.
 */
function memorySink() {
  const cards = new Map<string, Customer>();
  const report: ReportEntry[] = [];
  const sink: ImportSink = {
    async match(_t, emails, phones) {
      const byEmail = new Map<string, Customer>();
      const byPhone = new Map<string, Customer>();
      for (const c of cards.values()) {
        if (c.email && emails.includes(c.email)) byEmail.set(c.email, c);
        if (c.phone && phones.includes(c.phone)) byPhone.set(c.phone, c);
      }
      return { byEmail, byPhone };
    },
    async commit(_t, _id, _token, w) {
      report.push(...w.report);
      for (const { customer } of w.creates) cards.set(customer.id, customer);
      for (const { next } of w.updates) cards.set(next.id, next);
      return 'ok';
    },
    async addTags() {},
  };
  return { sink, cards, report };
}

async function* once(b: Buffer) {
  yield b;
}

export async function importFile(file: Buffer | string, opts: { dryRun?: boolean } = {}) {
  const bytes = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  const { sink, cards, report } = memorySink();
  const job = newImportJob('01JTESTIMPORT0000000000000', 'demo', '2026-11-30T10:00:00.000Z', { status: 'running', dryRun: !!opts.dryRun });
  const outcome = await runImport({
    job,
    token: 't',
    tenant: newTenant('demo', 'Demo', '2026-01-01T00:00:00.000Z'),
    bytes: once(bytes),
    reread: async (offset) => once(bytes.subarray(offset)),
    sink,
  });
  return { outcome, cards: [...cards.values()], report };
}

describe('a row ending with extra delimiters', () => {
  it('is still rejected, with a reason that says to remove the trailing delimiters', async () => {
    const { report, outcome } = await importFile('Nome;Cognome;Email\nAda;Trail;ada.t@example.it;\nBea;Trail;bea.t@example.it;;\nCia;Trail;cia.t@example.it;x\n');
    expect(outcome).toMatchObject({ outcome: 'completed', counts: { rows: 3, rejected: 3 } });
    expect(report.find((r) => r.line === 2)!.reason).toContain("ends with an extra ';' — remove the trailing delimiters");
    expect(report.find((r) => r.line === 3)!.reason).toContain("ends with an extra ';' — remove the trailing delimiters");
    // A value past the header would shift: that stays "a stray delimiter".
    expect(report.find((r) => r.line === 4)!.reason).toContain('a stray delimiter?');
  });
});

describe('an unclosed quote', () => {
  it('names its one line, counting CR LF once, in the owner’s words', async () => {
    const crlf = 'Nome,Email,Note\r\nAnna,anna.mq@example.it,"ha detto ""ciao"" e poi\r\nBruno,bruno.mq@example.it,ok\r\n';
    for (const file of [crlf, crlf.replace(/\r\n/g, '\n')]) {
      const { outcome } = await importFile(file);
      expect(outcome.outcome).toBe('unreadable');
      const reason = (outcome as { reason: string }).reason;
      expect(reason).toContain('a quote (") on line 2 is never closed');
      expect(reason).not.toMatch(/line [345]/);
      expect(reason).not.toContain('Quote Not Closed');
    }
  });
});

describe('an email cell as mail programs and sheets write it', () => {
  it('reads the address in "Name <address>" and "mailto:address", with a warning', async () => {
    const { cards, report, outcome } = await importFile('Nome;Email\nMailto;mailto:mailto.t@example.it\nAngle;Angela Rossi <angle.t@example.it>\n');
    expect(outcome).toMatchObject({ counts: { created: 2, rejected: 0 } });
    expect(cards.map((c) => c.email).sort()).toEqual(['angle.t@example.it', 'mailto.t@example.it']);
    expect(report.map((r) => r.reason)).toEqual([
      'warning: Email: "mailto:mailto.t@example.it" read as the address mailto.t@example.it',
      'warning: Email: "Angela Rossi <angle.t@example.it>" read as the address angle.t@example.it',
    ]);
  });
});

describe('names in their composed form', () => {
  it('stores an imported decomposed (NFD, as a Mac writes) name as NFC', async () => {
    const { cards } = await importFile(`Nome;Cognome;Città;Email\n${'Sofía'.normalize('NFD')};${'Gómez'.normalize('NFD')};${'Forlì'.normalize('NFD')};sofia.nfd@example.it\n`);
    expect(cards[0]).toMatchObject({ firstName: 'Sofía'.normalize('NFC'), lastName: 'Gómez'.normalize('NFC'), city: 'Forlì'.normalize('NFC') });
  });
});

describe('a phone without a country code on a row from another country', () => {
  it('is read in the tenant country, as the contract says, and the row warns with the number as its country reads it', async () => {
    const { cards, report } = await importFile('Nome;Cognome;Cellulare;Email;Paese\nJean;Dupont;06 12 34 56 78;jean.d@example.fr;Francia\nAmy;Smith;07911 123456;amy.s@example.co.uk;Regno Unito\nPia;Rossi;+33 6 12 34 56 79;pia.r@example.it;Francia\n');
    const jean = cards.find((c) => c.firstName === 'Jean')!;
    expect(jean).toMatchObject({ phone: '+390612345678', country: 'FR' });
    const reasons = report.map((r) => `${r.line} ${r.reason}`);
    expect(reasons).toContain('2 warning: Cellulare: "06 12 34 56 78" has no country code, so it was read in IT (+390612345678), but the row\'s country is FR; read in FR it would be +33612345678: write it with its country code if that is the one');
    expect(reasons.some((r) => r.startsWith('3 ') && r.includes('+447911123456'))).toBe(true);
    // Written with its country code: nothing to say.
    expect(reasons.some((r) => r.startsWith('4 '))).toBe(false);
  });
});

describe('a dry run naming a card only the dry run would create', () => {
  it('says "the customer on line N of this file", not an id that will never exist', async () => {
    const file = 'Nome;Email;Cellulare\nPrima;shared.a@example.it;333 111 7101\nSeconda;shared.b@example.it;333 111 7101\n';
    const { report } = await importFile(file, { dryRun: true });
    expect(report.map((r) => `${r.line} ${r.reason}`)).toEqual(['3 warning: phone +393331117101 belongs to the customer on line 2 of this file, left out']);
    // The real run names the card it created.
    const real = await importFile(file);
    const prima = real.cards.find((c) => c.firstName === 'Prima')!;
    expect(real.report.map((r) => r.reason)).toEqual([`warning: phone +393331117101 belongs to another customer (${prima.id}), left out`]);
  });
});

describe('names through the API in their composed form', () => {
  it('POST/PATCH fields: a decomposed name, city and notes are stored NFC', async () => {
    const { normaliseFields } = await import('../../shared/domain/customer-rules.ts');
    const out = normaliseFields({ firstName: 'Nicolò'.normalize('NFD'), lastName: 'Gómez'.normalize('NFD'), city: 'Forlì'.normalize('NFD'), notes: 'caffè'.normalize('NFD') }, newTenant('demo', 'Demo', '2026-01-01T00:00:00.000Z'));
    expect(out).toMatchObject({ firstName: 'Nicolò'.normalize('NFC'), lastName: 'Gómez'.normalize('NFC'), city: 'Forlì'.normalize('NFC'), notes: 'caffè'.normalize('NFC') });
  });
});

describe('a file that is not all one encoding', () => {
  const utf8Rows = (n: number) => Array.from({ length: n }, (_, i) => `Nicolò;Thérèse${i};n${i}@example.it;Città di Castello`).join('\r\n');
  it('reads its UTF-8 lines as UTF-8 even when one line (typed in Notepad) is Windows-1252, and says why', async () => {
    const file = Buffer.concat([
      Buffer.from(`Nome;Cognome;Email;Città\r\n${utf8Rows(30)}\r\n`, 'utf8'),
      Buffer.from('Fran\xe7ois;Ansi;ansi@example.it;Forl\xec\r\n', 'latin1'),
    ]);
    for (const dryRun of [true, false]) {
      const { cards, report, outcome } = await importFile(file, { dryRun });
      expect(outcome).toMatchObject({ outcome: 'completed', counts: { rows: 31, rejected: 0 }, layout: { encoding: 'windows-1252', header: ['Nome', 'Cognome', 'Email', 'Città'] } });
      if (!dryRun) {
        expect(cards.filter((c) => c.firstName === 'Nicolò' && c.city === 'Città di Castello')).toHaveLength(30);
        expect(cards.find((c) => c.email === 'ansi@example.it')).toMatchObject({ firstName: 'François', city: 'Forlì' });
      }
      expect(report.map((r) => `${r.line} ${r.reason}`)).toEqual([
        '32 warning: line 32 is not UTF-8, so lines that are not UTF-8 were read as Windows-1252 (the others as UTF-8): if accented names look garbled (•, ‚, Š, ˜, Ž or Ã© where letters belong), the file was saved in another encoding; save it as "CSV UTF-8" and import it again',
      ]);
    }
  });

  it('warns, on the job and on each row, when Excel\'s "CSV (MS-DOS)" (code page 850) or "CSV (Macintosh)" garbled the names', async () => {
    // Nicolò Thérèse, Città: ò 0x95, é 0x82, è 0x8a, à 0x85 in code page 850; ò 0x98, é 0x8e, è 0x8f, à 0x88 in Mac Roman.
    const cp850 = Buffer.from('Nome;Cognome;Email;Citt\x85\r\nNicol\x95;Th\x82r\x8ase;dos@example.it;Roma\r\n', 'latin1');
    const mac = Buffer.from('Nome;Cognome;Email;Citt\x88\rNicol\x98;Th\x8er\x8fse;mac@example.it;Roma\r', 'latin1');
    for (const file of [cp850, mac]) {
      const { report, outcome } = await importFile(file, { dryRun: true });
      expect(outcome).toMatchObject({ counts: { rows: 1, created: 1 } });
      const reasons = report.map((r) => r.reason);
      expect(reasons[0]).toMatch(/^warning: line 2 is not UTF-8, .* save it as "CSV UTF-8" and import it again; the header "Citt.*" looks garbled too/);
      expect(reasons[1]).toMatch(/^warning: Nome: "Nicol." has symbols where accented letters belong: the file looks saved as "CSV \(MS-DOS\)" or "CSV \(Macintosh\)"/);
    }
  });

  it('warns on a row of UTF-8 names read as Windows-1252 (mojibake already in the file)', async () => {
    const { report } = await importFile('Nome;Email\nNicolÃ²;moji@example.it\n');
    expect(report.map((r) => r.reason)).toEqual(['warning: Nome: "NicolÃ²" looks like UTF-8 text read as Windows-1252 ("Ã©" where "é" was); save the file as "CSV UTF-8" and import it again']);
  });
});

describe('a file all in well-formed Windows-1252', () => {
  it('is read as the contract says, with no warning about its encoding', async () => {
    const { cards, report } = await importFile(Buffer.from('Nome;Email;Citt\xe0\r\nNiccol\xf2;n@x.it;Forl\xec\r\n', 'latin1'));
    expect(cards[0]).toMatchObject({ firstName: 'Niccolò', city: 'Forlì' });
    expect(report).toEqual([]);
  });
});
