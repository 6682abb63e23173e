import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, redactText } from '../../shared/logger.ts';
import { captureLogs } from '../helpers/logs.ts';

afterEach(() => vi.restoreAllMocks());

describe('log redaction', () => {
  it('masks emails and phone numbers inside any string', () => {
    expect(redactText('duplicate giulia.rossi@example.it on +39 333 123 4567 row 12')).toBe('duplicate [email] on [phone] row 12');
  });

  it('never writes names, emails or phones, even from an error about a customer', () => {
    logger.setLogLevel('DEBUG'); // the test run sets LOG_LEVEL=WARN
    const logs = captureLogs();
    logger.error('unhandled error', { error: new Error('The email giulia.rossi@example.it already belongs to +393331234567'), customer: { firstName: 'Giulia', lastName: 'Rossi', email: 'giulia.rossi@example.it', phone: '+393331234567' } });
    logger.info('row rejected', { line: 3, row: 'Giulia;Rossi;giulia.rossi@example.it;3331234567' });
    const text = logs.text();
    expect(text).toContain('unhandled error');
    expect(text).toContain('"line":3');
    for (const pii of ['giulia.rossi@example.it', '3331234567', '+393331234567', 'Giulia', 'Rossi']) {
      expect(text.includes(pii), `${pii} leaked into the logs:\n${text}`).toBe(false);
    }
  });

  it("writes an error's name, and its causes' names, but not a person's name beside it", () => {
    const logs = captureLogs();
    const conflict = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
    const error = new Error('could not save the card', { cause: conflict });
    error.name = 'StoreError';
    logger.error('unhandled error', { error, customer: { firstName: 'Giulia', lastName: 'Rossi', fullName: 'Giulia Rossi' }, tenant: { id: 'da-mario', name: 'Mario Bianchi' } });
    // An Error passed on its own lands under `error` too.
    logger.error('unhandled error', new TypeError('x is undefined'));

    const [first, second] = logs.lines();
    expect(first!.error).toMatchObject({ name: 'StoreError', message: 'could not save the card', cause: { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } } });
    expect(first!.customer).toEqual({ firstName: '[redacted]', lastName: '[redacted]', fullName: '[redacted]' });
    // `name` outside an error stays personal: a business may be named after its owner.
    expect(first!.tenant).toEqual({ id: 'da-mario', name: '[redacted]' });
    expect(second!.error).toMatchObject({ name: 'TypeError', message: 'x is undefined' });
    for (const pii of ['Giulia', 'Rossi', 'Mario Bianchi']) expect(logs.text()).not.toContain(pii);
  });
});
