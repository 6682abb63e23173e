import { EmailSendError, type Mailbox, type OutgoingEmail } from './email-sender.ts';

/**
 * What every sender checks before a mail leaves, whatever it is sent through (SES or the local outbox):
 * a sign-up form is public, so whatever reaches `to` must be one address, never a list an attacker made.
 */

/** One bare address: no display name, no list, no group, no spaces or quotes. */
const BARE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** Fields built from the message itself (or by the composer or SES), which `headers` cannot set a second time. */
const RESERVED_HEADERS = new Set(['from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding', 'return-path']);

export const isBareAddress = (s: string) => BARE_ADDRESS.test(s);

export const addressOf = (m: string | Mailbox) => (typeof m === 'string' ? m : m.address);

function invalidMessage(detail: string): EmailSendError {
  return new EmailSendError('InvalidMessage', `The email cannot be built: ${detail}`, false);
}

function checkMailbox(what: string, m: string | Mailbox) {
  if (!isBareAddress(addressOf(m))) throw invalidMessage(`${what} must be one plain address`);
}

/** Throws an `InvalidMessage` EmailSendError (not retryable) naming what is wrong. */
export function checkOutgoingEmail(message: OutgoingEmail): void {
  if (!isBareAddress(message.to)) throw invalidMessage('the recipient must be exactly one plain address');
  checkMailbox('the sender', message.from);
  if (message.replyTo) checkMailbox('the reply-to', message.replyTo);
  for (const name of Object.keys(message.headers ?? {})) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) throw invalidMessage(`the header ${JSON.stringify(name)} cannot be set`);
  }
}
