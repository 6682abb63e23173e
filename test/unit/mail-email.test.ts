import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { confirmationEmail } from '../../shared/mail/confirmation-email.ts';
import { EmailSendError, type OutgoingEmail } from '../../shared/mail/email-sender.ts';
import { mailLanguage } from '../../shared/mail/language.ts';
import { composeMime } from '../../shared/mail/mime.ts';

const CONFIRM_URL =
  'https://api.example.com/v1/consent/confirm?token=eyJ0IjoiZGVtbyIsImMiOiIwMUpBQkNERUZHSEpLTU5QUVJTVFZXWFlaMCIsImV4cCI6MTc2NDAwMDAwMH0.Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';
const FROM = 'no-reply@mail.clientela.test';

function message(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const mail = confirmationEmail({ businessName: 'Caffè Nerò', language: 'it-IT', confirmUrl: CONFIRM_URL });
  return { to: 'giulia@example.it', from: { name: 'Caffè Nerò', address: FROM }, ...mail, tenantId: 'caffe-nero', ...overrides };
}

const headerBlock = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0]!;

describe('MIME messages', () => {
  it('are complete RFC 5322 messages that a MIME parser reads back: headers, encoded subject, text and html', async () => {
    const { raw, messageId } = await composeMime(message(), { date: new Date('2026-01-02T03:04:05Z') });
    const head = headerBlock(raw);
    expect(head).toMatch(/^Date: Fri, 02 Jan 2026 03:04:05 \+0000$/m);
    expect(head).toMatch(/^Message-ID: <[^>\s]+@mail\.clientela\.test>$/m);
    expect(head).toMatch(/^MIME-Version: 1\.0$/m);
    expect(head).toMatch(/^To: giulia@example\.it$/m);
    expect(head).toMatch(/^Content-Type: multipart\/alternative;/m);
    // The non-ASCII subject travels as RFC 2047 encoded words: the header block itself is plain ASCII.
    expect(head).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
    expect(head).not.toMatch(/[\u0080-\uffff]/);
    expect(raw.toString('latin1').replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);

    const parsed = await PostalMime.parse(raw);
    expect(parsed.messageId).toBe(messageId);
    expect(parsed.date).toBe('2026-01-02T03:04:05.000Z');
    expect(parsed.subject).toBe("Conferma l'iscrizione alla newsletter di Caffè Nerò");
    expect(parsed.from).toEqual({ name: 'Caffè Nerò', address: FROM });
    expect(parsed.to).toEqual([{ name: '', address: 'giulia@example.it' }]);
    expect(parsed.text).toContain('Caffè Nerò');
    expect(parsed.html).toContain('<html lang="it">');
    expect(parsed.attachments).toEqual([]);
    // The link is in the text part exactly, on a line of its own (quoted-printable undone by the parser).
    expect(parsed.text!.split(/\r?\n/)).toContain(CONFIRM_URL);
    expect(parsed.html).toContain(`href="${CONFIRM_URL}"`);
  });

  it('declare UTF-8 for both parts', async () => {
    const { raw } = await composeMime(message(), { date: new Date('2026-01-02T03:04:05Z') });
    const s = raw.toString('utf8');
    expect(s).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(s).toMatch(/Content-Type: text\/html; charset=utf-8/);
  });

  it('carry extra headers such as List-Unsubscribe, with no line break smuggled into them', async () => {
    const { raw } = await composeMime(
      message({ headers: { 'List-Unsubscribe': '<https://api.example.com/v1/unsubscribe?token=abc>\r\nBcc: spy@evil.test', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }),
    );
    const head = headerBlock(raw);
    expect(head).toMatch(/^List-Unsubscribe: <https:\/\/api\.example\.com\/v1\/unsubscribe\?token=abc>/m);
    expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(head).not.toMatch(/^Bcc:/m);
  });

  it('refuse a recipient that is not exactly one plain address', async () => {
    for (const to of ['giulia@example.it, spy@evil.test', 'Giulia <giulia@example.it>', 'giulia@example.it\r\nBcc: spy@evil.test', 'undisclosed:;', '']) {
      const error = await composeMime(message({ to })).catch((e: unknown) => e);
      expect(error, to).toBeInstanceOf(EmailSendError);
      expect(error).toMatchObject({ code: 'InvalidMessage', retryable: false });
    }
  });

  it('refuse headers that would replace the ones built from the message', async () => {
    for (const name of ['Bcc', 'to', 'Subject', 'Content-Type', 'X-Bad:Name']) {
      await expect(composeMime(message({ headers: { [name]: 'x' } })), name).rejects.toMatchObject({ code: 'InvalidMessage' });
    }
  });
});

describe('the confirmation email', () => {
  it('is in Italian for it and it-IT, in English for any other language', () => {
    const cases: [string | undefined, 'it' | 'en'][] = [
      ['it', 'it'],
      ['it-IT', 'it'],
      ['IT-ch', 'it'],
      ['en', 'en'],
      ['en-GB', 'en'],
      ['de-DE', 'en'],
      ['fr', 'en'],
      ['ita', 'en'],
      ['', 'en'],
      [undefined, 'en'],
    ];
    for (const [tag, lang] of cases) expect(mailLanguage(tag), String(tag)).toBe(lang);

    const it_ = confirmationEmail({ businessName: 'Trattoria Da Mario', language: 'it-IT', confirmUrl: CONFIRM_URL });
    expect(it_.subject).toBe("Conferma l'iscrizione alla newsletter di Trattoria Da Mario");
    expect(it_.text).toContain('ignora questa email: non succede nulla');
    expect(it_.html).toContain('<html lang="it">');
    expect(it_.html).toContain('Conferma l&#39;iscrizione</a>');

    const en = confirmationEmail({ businessName: 'Trattoria Da Mario', language: 'de', confirmUrl: CONFIRM_URL });
    expect(en.subject).toBe('Confirm your newsletter sign-up at Trattoria Da Mario');
    expect(en.text).toContain('If you did not sign up, ignore this email: nothing happens');
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain('Confirm my subscription</a>');
  });

  it('names the business and carries the link in both parts', () => {
    const mail = confirmationEmail({ businessName: 'Trattoria Da Mario', language: 'en', confirmUrl: CONFIRM_URL });
    expect(mail.text).toContain('the newsletter of Trattoria Da Mario.');
    expect(mail.text.split('\n')).toContain(CONFIRM_URL);
    expect(mail.html).toContain(`<a href="${CONFIRM_URL}"`);
    expect(mail.text).toContain('valid for 7 days');
  });

  it('escapes a business name like <Trattoria "Da Mario" & figli> in the HTML part', () => {
    const name = '<Trattoria "Da Mario" & figli>';
    for (const language of ['it', 'en']) {
      const mail = confirmationEmail({ businessName: name, language, confirmUrl: CONFIRM_URL });
      expect(mail.html).toContain('&lt;Trattoria &quot;Da Mario&quot; &amp; figli&gt;');
      expect(mail.html).not.toContain('<Trattoria');
      expect(mail.html).not.toContain('"Da Mario"');
      expect(mail.text).toContain(name);
      expect(mail.subject).toContain(name);
    }
  });

  it('escapes the link inside the href', () => {
    const url = 'https://api.example.com/v1/consent/confirm?token=a.b&x="><b>';
    const mail = confirmationEmail({ businessName: 'Bar', language: 'en', confirmUrl: url });
    expect(mail.html).toContain('href="https://api.example.com/v1/consent/confirm?token=a.b&amp;x=&quot;&gt;&lt;b&gt;"');
    expect(mail.html).not.toContain('"><b>');
  });

  it('refuses a link that is not http(s)', () => {
    expect(() => confirmationEmail({ businessName: 'Bar', language: 'en', confirmUrl: 'javascript:alert(1)' })).toThrow(TypeError);
  });
});
