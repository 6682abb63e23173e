import { domainToASCII } from 'node:url';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { encodeWord, encodeWords, quoteString } from 'nodemailer/lib/mime-funcs';
import { EmailSendError, type EmailSender, type Mailbox, type OutgoingEmail } from './email-sender.ts';
import { addressOf, checkOutgoingEmail, isBareAddress } from './outgoing-email.ts';

/**
 * Sends through Amazon SES v2 as a simple message (`Content.Simple`: subject, text and HTML bodies, extra
 * headers such as `List-Unsubscribe` or `Auto-Submitted`): SES builds the MIME message itself, so a
 * function that sends mail carries no MIME composer (nodemailer's was 137 KiB of the event function's
 * bundle). The local outbox still writes the whole message with one (mime.ts), to be opened in a mail client.
 *
 * `from` is the verified identity: it is the `FromEmailAddress`, and a message whose From names another
 * address is refused before any call, because SES would reject it and DMARC alignment needs the two to
 * agree. The display name is free (`{ name: tenant.name, address: from }`). The recipient is the only
 * `Destination`. SES takes header text (the subject, display names, extra header values) as 7-bit ASCII:
 * anything else goes as RFC 2047 encoded words, written by nodemailer's MIME functions the way its composer
 * writes them for the outbox. The bodies go as UTF-8; SES sets the Date and the Message-ID.
 *
 * The SDK already retries throttling and transient faults (standard retry mode); an error that comes out
 * of here is an `EmailSendError` whose `retryable` tells whether a later attempt may work.
 */
export function sesEmailSender(client: SESv2Client, opts: { from: string; configurationSet?: string }): EmailSender {
  if (!isBareAddress(opts.from)) throw new Error(`sesEmailSender: from must be one plain address, got ${JSON.stringify(opts.from)}`);
  const from = opts.from.toLowerCase();
  return {
    async send(message: OutgoingEmail) {
      if (addressOf(message.from).toLowerCase() !== from) {
        throw new EmailSendError('InvalidMessage', `SES sends only from ${opts.from}, not from ${addressOf(message.from)}`, false);
      }
      checkOutgoingEmail(message);
      const sender = typeof message.from === 'string' ? opts.from : { name: message.from.name, address: opts.from };
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await client.send(
          new SendEmailCommand({
            FromEmailAddress: mailbox(sender),
            Destination: { ToAddresses: [asciiAddress(message.to)] },
            ReplyToAddresses: message.replyTo ? [mailbox(message.replyTo)] : undefined,
            Content: {
              Simple: {
                Subject: { Data: headerText(message.subject) },
                Body: { Text: { Data: message.text, Charset: 'UTF-8' }, Html: { Data: message.html, Charset: 'UTF-8' } },
                Headers: Object.entries(message.headers ?? {}).map(([Name, value]) => ({ Name, Value: headerText(value) })),
              },
            },
            ConfigurationSetName: opts.configurationSet,
            EmailTags: [{ Name: 'tenant', Value: message.tenantId }],
          }),
        ));
      } catch (error) {
        throw sesSendError(error);
      }
      if (!messageId) throw new EmailSendError('NoMessageId', 'SES answered without a message id', false);
      return { messageId };
    },
  };
}

/** Quoted-printable words for mostly Latin text, base64 for the rest (the choice nodemailer's composer makes). */
function wordEncoding(value: string): 'Q' | 'B' {
  // eslint-disable-next-line no-control-regex -- control characters are what it counts
  const other = value.match(/[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\uffff]/g)?.length ?? 0;
  const latin = value.match(/[A-Za-z]/g)?.length ?? 0;
  return other < latin ? 'Q' : 'B';
}

/** Unstructured header text (the subject, extra header values) in 7-bit ASCII on one line, control characters included. */
function headerText(text: string): string {
  const value = text.replace(/\r?\n|\r/g, ' ');
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value) ? encodeWord(value, wordEncoding(value), 52) : encodeWords(value, wordEncoding(value), 52, true);
}

/** An address SES can take: a domain outside ASCII in its Punycode form. */
function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

/** `Name <address>`, the name as is, quoted, or in encoded words (as nodemailer writes a display name). */
function mailbox(m: string | Mailbox): string {
  const address = asciiAddress(addressOf(m));
  if (typeof m === 'string' || !m.name) return address;
  const name = /^[\w ]*$/.test(m.name) ? m.name : /^[\x20-\x7e]*$/.test(m.name) ? quoteString(m.name) : encodeWord(m.name, wordEncoding(m.name), 52);
  return `${name} <${address}>`;
}

/** Throttling, under the names SES v2 and the AWS SDK use for it (rate and daily quota included). */
const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException']);
/** Faults on the way or at AWS: the same message may go through later. */
const TRANSIENT = new Set(['InternalServiceErrorException', 'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Which SES errors are worth retrying. Retryable: throttling (`TooManyRequestsException`,
 * `ThrottlingException`, `LimitExceededException` — the sending rate or the daily quota), service faults
 * (`InternalServiceErrorException`, any 5xx or `$fault: 'server'`), time-outs and network errors.
 * Not retryable: `MessageRejected`, `MailFromDomainNotVerifiedException`, `SendingPausedException` and
 * `AccountSuspendedException` (an operator must act), `BadRequestException`, `NotFoundException` (e.g. a
 * missing configuration set), and anything else the caller got wrong.
 */
export function sesSendError(error: unknown): EmailSendError {
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; $fault?: string; $retryable?: { throttling?: boolean }; $metadata?: { httpStatusCode?: number } };
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error');
  const throttled = THROTTLING.has(code) || e.$retryable?.throttling === true || e.$metadata?.httpStatusCode === 429;
  const retryable =
    throttled || TRANSIENT.has(code) || NETWORK.has(e.code ?? '') || !!e.$retryable || e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500;
  return new EmailSendError(code, `SES did not send the email: ${e.message ?? code}`, retryable, { cause: error, throttled });
}
