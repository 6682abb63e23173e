import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  InternalServiceErrorException,
  LimitExceededException,
  MessageRejected,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import PostalMime, { addressParser, decodeWords } from 'postal-mime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { confirmationEmail } from '../../shared/mail/confirmation-email.ts';
import { EmailSendError, type OutgoingEmail } from '../../shared/mail/email-sender.ts';
import { outboxEmailSender } from '../../shared/mail/outbox-email-sender.ts';
import { sesEmailSender, sesSendError } from '../../shared/mail/ses-email-sender.ts';

const CONFIRM_URL = 'https://api.example.com/v1/consent/confirm?token=eyJ0IjoiZGVtbyIsImMiOiIwMUpBQkMiLCJleHAiOjE3NjQwMDAwMDB9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const FROM = 'no-reply@mail.clientela.test';

function message(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const mail = confirmationEmail({ businessName: 'Trattoria Da Mario', language: 'en', confirmUrl: CONFIRM_URL });
  return { to: 'giulia@example.it', from: { name: 'Trattoria Da Mario', address: FROM }, ...mail, tenantId: 'da-mario', ...overrides };
}

describe('the outbox sender', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'clientela-mail-outbox-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a real .eml holding the recipient and the link, creating the folder', async () => {
    const dir = join(root, 'first', 'outbox');
    const sent = await outboxEmailSender(dir, { now: () => new Date('2026-03-04T05:06:07.089Z') }).send(message());
    expect(await readdir(dir)).toEqual([basename(sent.file)]);
    expect(basename(sent.file)).toMatch(/^2026-03-04T05-06-07\.089Z-[0-9A-HJKMNP-TV-Z]{26}\.eml$/);

    const raw = await readFile(sent.file);
    expect(raw.toString('utf8')).toMatch(/^To: giulia@example\.it\r$/m);
    const parsed = await PostalMime.parse(raw);
    expect(parsed.messageId).toBe(sent.messageId);
    expect(parsed.to).toEqual([{ name: '', address: 'giulia@example.it' }]);
    expect(parsed.text!.split(/\r?\n/)).toContain(CONFIRM_URL);
    expect(parsed.html).toContain(`href="${CONFIRM_URL}"`);
  });

  it('never lets two sends collide, even in the same millisecond, and names sort in sending order', async () => {
    const dir = join(root, 'same-ms');
    const outbox = outboxEmailSender(dir, { now: () => new Date('2026-03-04T05:06:07.089Z') });
    const inOrder: string[] = [];
    for (let i = 0; i < 5; i++) inOrder.push(basename((await outbox.send(message({ subject: `mail ${i}` }))).file));
    expect([...inOrder].sort()).toEqual(inOrder);

    const together = await Promise.all(Array.from({ length: 20 }, (_, i) => outbox.send(message({ subject: `parallel ${i}` }))));
    const files = await readdir(dir);
    expect(files).toHaveLength(25);
    expect(new Set(together.map((s) => s.file)).size).toBe(20);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true); // no temporary file left behind
  });

  it('writes nothing when the message is refused', async () => {
    const dir = join(root, 'refused');
    await expect(outboxEmailSender(dir).send(message({ to: 'a@example.it, b@example.it' }))).rejects.toBeInstanceOf(EmailSendError);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });
});

describe('the SES sender', () => {
  const client = new SESv2Client({ region: 'eu-south-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const ses = mockClient(client);
  afterEach(() => ses.reset());
  afterAll(() => ses.restore());

  it('sends a simple message from the configured address, to the recipient only: SES builds the MIME', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0102019a-ses-id' });
    const sender = sesEmailSender(client, { from: FROM, configurationSet: 'clientela-mail' });
    await expect(sender.send(message({ headers: { 'Auto-Submitted': 'auto-generated' } }))).resolves.toEqual({ messageId: '0102019a-ses-id' });

    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.FromEmailAddress).toBe(`Trattoria Da Mario <${FROM}>`);
    expect(input.Destination).toEqual({ ToAddresses: ['giulia@example.it'] });
    expect(input.ReplyToAddresses).toBeUndefined();
    expect(input.ConfigurationSetName).toBe('clientela-mail');
    expect(input.EmailTags).toEqual([{ Name: 'tenant', Value: 'da-mario' }]);
    expect(input.Content?.Raw).toBeUndefined();
    const simple = input.Content!.Simple!;
    expect(simple.Subject).toEqual({ Data: 'Confirm your newsletter sign-up at Trattoria Da Mario' });
    expect(simple.Body!.Text!.Charset).toBe('UTF-8');
    expect(simple.Body!.Text!.Data!.split('\n')).toContain(CONFIRM_URL);
    expect(simple.Body!.Html!.Charset).toBe('UTF-8');
    expect(simple.Body!.Html!.Data).toContain(`href="${CONFIRM_URL}"`);
    expect(simple.Headers).toEqual([{ Name: 'Auto-Submitted', Value: 'auto-generated' }]);
  });

  it('writes names, the subject and header values outside ASCII as encoded words a mail client reads back', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'id' });
    const business = 'Caffè "Né" — Dolce & Salato, Sant’Angelo dei Lombardi (AV)';
    const mail = confirmationEmail({ businessName: business, language: 'it', confirmUrl: CONFIRM_URL });
    const unsubscribe = `<${CONFIRM_URL}>, <mailto:disiscrizione@example.it?subject=Disiscrivimi dalla newsletter di Caffè>`;
    await sesEmailSender(client, { from: FROM }).send(
      message({ ...mail, from: { name: business, address: FROM }, replyTo: { name: 'Bar "Sport", Roma', address: 'info@bar.example' }, headers: { 'List-Unsubscribe': unsubscribe, 'X-Note': 'a\r\nBcc: x@evil.example' } }),
    );
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    const ascii = /^[\x20-\x7e]*$/;
    for (const text of [input.FromEmailAddress!, input.ReplyToAddresses![0]!, input.Content!.Simple!.Subject!.Data!, ...input.Content!.Simple!.Headers!.map((h) => h.Value!)]) expect(text).toMatch(ascii);

    expect(addressParser(input.FromEmailAddress!, { flatten: true })).toEqual([{ name: business, address: FROM }]);
    expect(addressParser(input.ReplyToAddresses![0]!, { flatten: true })).toEqual([{ name: 'Bar "Sport", Roma', address: 'info@bar.example' }]);
    expect(decodeWords(input.Content!.Simple!.Subject!.Data!)).toBe(mail.subject);
    expect(mail.subject).toContain('Caffè');
    const headers = Object.fromEntries(input.Content!.Simple!.Headers!.map((h) => [h.Name, decodeWords(h.Value!)]));
    expect(headers).toEqual({ 'List-Unsubscribe': unsubscribe, 'X-Note': 'a Bcc: x@evil.example' });
    expect(input.Content!.Simple!.Body!.Text!.Data).toContain(business);
  });

  it('refuses, without calling SES, a message that is not one mail to one person', async () => {
    const sender = sesEmailSender(client, { from: FROM });
    for (const wrong of [message({ to: 'a@example.it, b@example.it' }), message({ to: 'Giulia <giulia@example.it>' }), message({ headers: { Bcc: 'x@evil.example' } }), message({ headers: { 'Bad Name': 'x' } })]) {
      await expect(sender.send(wrong)).rejects.toMatchObject({ code: 'InvalidMessage', retryable: false });
    }
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('reports throttling as a retryable error', async () => {
    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ $metadata: { httpStatusCode: 429 }, message: 'Maximum sending rate exceeded.' }));
    const error = await sesEmailSender(client, { from: FROM }).send(message()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailSendError);
    expect(error).toMatchObject({ code: 'TooManyRequestsException', retryable: true, throttled: true });
    expect((error as EmailSendError).cause).toBeInstanceOf(TooManyRequestsException);
  });

  it('reports a rejected message as not retryable', async () => {
    ses.on(SendEmailCommand).rejects(new MessageRejected({ $metadata: { httpStatusCode: 400 }, message: 'Email address is not verified.' }));
    await expect(sesEmailSender(client, { from: FROM }).send(message())).rejects.toMatchObject({ code: 'MessageRejected', retryable: false, throttled: false });
  });

  it('tells which errors are worth retrying', () => {
    const meta = { $metadata: {} };
    const cases: [unknown, boolean][] = [
      [new TooManyRequestsException({ ...meta, message: 'rate' }), true],
      [new LimitExceededException({ ...meta, message: 'Daily message quota exceeded' }), true],
      [Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }), true],
      [new InternalServiceErrorException({ ...meta, message: 'oops' }), true],
      [Object.assign(new Error('bad gateway'), { name: 'Unknown', $fault: 'server', $metadata: { httpStatusCode: 502 } }), true],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
      [new MessageRejected({ ...meta, message: 'rejected' }), false],
      [new SendingPausedException({ ...meta, message: 'paused' }), false],
      [Object.assign(new Error('bad'), { name: 'BadRequestException', $fault: 'client', $metadata: { httpStatusCode: 400 } }), false],
    ];
    for (const [error, retryable] of cases) expect(sesSendError(error).retryable, (error as Error).name).toBe(retryable);
  });

  it('refuses, without calling SES, a From that is not the configured address', async () => {
    const sender = sesEmailSender(client, { from: FROM });
    await expect(sender.send(message({ from: { name: 'Bank', address: 'security@bank.example' } }))).rejects.toMatchObject({ code: 'InvalidMessage', retryable: false });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
