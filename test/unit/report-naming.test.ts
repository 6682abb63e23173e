import { describe, expect, it } from 'vitest';
import { reportEntryNaming, reportLookbackSince } from '../../shared/privacy/report-naming.ts';
import { SUPPRESSED_REASON } from '../../shared/import/run-import.ts';

/** Which import error-report rows are the person's (their access export lists them; their erasure redacts them). */
describe('reportEntryNaming', () => {
  const names = reportEntryNaming('01JCUSTOMERID0000000000000', [{ email: 'giulia.b@example.it', phone: '+393471234567' }, { email: 'g.work@example.it' }]);
  const entry = (row: string, reason = 'warning: birth date: not a date') => ({ line: 2, row, reason });

  it('finds the person by email in any case, by phone digits however spaced, by id in the reason', () => {
    expect(names(entry('GIULIA.B@EXAMPLE.IT,Giulia'))).toBe(true);
    expect(names(entry(';347 123 45 67;Giulia'))).toBe(true);
    expect(names(entry('Giulia;+39 347 1234567;Roma'))).toBe(true);
    expect(names(entry('Giulia,0039-347-123-4567,"Roma, centro"'))).toBe(true);
    expect(names(entry('"Giulia","giulia.b@example.it."'))).toBe(true);
    expect(names(entry('g.work@example.it'))).toBe(true);
    expect(names(entry('x@example.it', 'warning: phone belongs to another customer (01JCUSTOMERID0000000000000), left out'))).toBe(true);
  });

  it("leaves other people's rows out", () => {
    expect(names(entry('giulia.bianchi@example.it,Giulia'))).toBe(false);
    expect(names(entry(';347 123 45 68;Giulia'))).toBe(false);
    // Someone else's address that contains theirs, and a number that only contains theirs.
    expect(names(entry('marianna.giulia.b@example.it.com'))).toBe(false);
    expect(names(entry('xgiulia.b@example.it'))).toBe(false);
    expect(names(entry('ref 8812 3471234567 99'))).toBe(false);
    // Digits of separate cells (a postal code and a date) do not add up to a number.
    expect(names(entry('347,1234567'))).toBe(false);
    expect(names(entry('', 'suppressed'))).toBe(false);
    expect(names(entry('', SUPPRESSED_REASON))).toBe(false);
  });

  it('looks back ten days: reports live seven, plus the TTL lag', () => {
    expect(reportLookbackSince(new Date('2026-03-11T12:00:00Z'))).toBe('2026-03-01T12:00:00.000Z');
  });
});
