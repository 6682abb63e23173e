import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { EmailSendError, type EmailSender, type OutgoingEmail } from './email-sender.ts';
import { addressOf, composeMime, isBareAddress } from './mime.ts';

/**
 * Sends through Amazon SES v2 as a raw MIME message (`Content.Raw.Data`), so the bytes SES sends are the
 * ones `composeMime` built (and the ones the local outbox writes). `from` is the verified identity: it is
 * the `FromEmailAddress`, and a message whose From header names another address is refused before any
 * call, because SES would reject it and DMARC alignment needs the two to agree. The display name is free
 * (`{ name: tenant.name, address: from }`). The recipient is also given as the only `Destination`, so SES
 * delivers to that address whatever the headers say.
 *
 * The SDK already retries throttling and transient faults (standard retry mode); an error that comes out
 * of here is an `EmailSendError` whose `retryable` tells whether a later attempt may work.
 */
export function sesEmailSender(client: SESv2Client, opts: { from: string; configurationSet?: string; now?: () => Date }): EmailSender {
  if (!isBareAddress(opts.from)) throw new Error(`sesEmailSender: from must be one plain address, got ${JSON.stringify(opts.from)}`);
  const from = opts.from.toLowerCase();
  return {
    async send(message: OutgoingEmail) {
      if (addressOf(message.from).toLowerCase() !== from) {
        throw new EmailSendError('InvalidMessage', `SES sends only from ${opts.from}, not from ${addressOf(message.from)}`, false);
      }
      const { raw } = await composeMime(message, { date: opts.now?.() });
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await client.send(
          new SendEmailCommand({
            FromEmailAddress: opts.from,
            Destination: { ToAddresses: [message.to] },
            Content: { Raw: { Data: raw } },
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
