import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, redactText } from '../../shared/logger.ts';

afterEach(() => vi.restoreAllMocks());

function captureLogs(): () => string {
  let out = '';
  // Powertools writes through its own Console on stdout (info, debug) and stderr (warn, error).
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
  }
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      out += `${args.join(' ')}\n`;
    });
  }
  return () => out;
}

describe('log redaction', () => {
  it('masks emails and phone numbers inside any string', () => {
    expect(redactText('duplicate giulia.rossi@example.it on +39 333 123 4567 row 12')).toBe('duplicate [email] on [phone] row 12');
  });

  it('never writes names, emails or phones, even from an error about a customer', () => {
    logger.setLogLevel('DEBUG'); // the test run sets LOG_LEVEL=ERROR
    const logs = captureLogs();
    logger.error('unhandled error', { error: new Error('The email giulia.rossi@example.it already belongs to +393331234567'), customer: { firstName: 'Giulia', lastName: 'Rossi', email: 'giulia.rossi@example.it', phone: '+393331234567' } });
    logger.info('row rejected', { line: 3, row: 'Giulia;Rossi;giulia.rossi@example.it;3331234567' });
    const text = logs();
    expect(text).toContain('unhandled error');
    expect(text).toContain('"line":3');
    for (const pii of ['giulia.rossi@example.it', '3331234567', '+393331234567', 'Giulia', 'Rossi']) {
      expect(text.includes(pii), `${pii} leaked into the logs:\n${text}`).toBe(false);
    }
  });
});
