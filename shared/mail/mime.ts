/**
 * MIME messages for the senders, built with nodemailer's `MailComposer` rather than by hand.
 *
 * Why nodemailer: it is the MIME library of the Node ecosystem (maintained since 2010, MIT-0, no
 * dependencies, ships its own ESM build and type definitions since v10), and `MailComposer` alone builds a
 * complete RFC 5322 message without any transport: Date, Message-ID, MIME-Version, RFC 2047 encoded words
 * for non-ASCII headers and display names, quoted-printable or base64 bodies, line folding, and CR/LF
 * stripped from header values. `mimetext` was the other candidate; it depends on Babel runtimes and
 * js-base64, is far less used, and would give nothing more here.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { EmailSendError, type Mailbox, type OutgoingEmail } from './email-sender.ts';

/** One bare address: no display name, no list, no group, no spaces or quotes. */
const BARE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** Fields built from the message itself (or by the composer), which `headers` cannot set a second time. */
const RESERVED_HEADERS = new Set(['from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding', 'return-path']);

export const isBareAddress = (s: string) => BARE_ADDRESS.test(s);

export const addressOf = (m: string | Mailbox) => (typeof m === 'string' ? m : m.address);

function invalidMessage(detail: string): EmailSendError {
  return new EmailSendError('InvalidMessage', `The email cannot be built: ${detail}`, false);
}

function checkMailbox(what: string, m: string | Mailbox) {
  if (!isBareAddress(addressOf(m))) throw invalidMessage(`${what} must be one plain address`);
}

/**
 * The message as RFC 5322 bytes (CRLF line ends, UTF-8, multipart/alternative text + html) and its
 * Message-ID. The date is the caller's clock, so tests and retries see the time they chose.
 */
export async function composeMime(message: OutgoingEmail, opts: { date?: Date } = {}): Promise<{ raw: Buffer; messageId: string }> {
  // A sign-up form is public: whatever reaches `to` must be one address, never a list an attacker made.
  if (!isBareAddress(message.to)) throw invalidMessage('the recipient must be exactly one plain address');
  checkMailbox('the sender', message.from);
  if (message.replyTo) checkMailbox('the reply-to', message.replyTo);
  for (const name of Object.keys(message.headers ?? {})) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) throw invalidMessage(`the header ${JSON.stringify(name)} cannot be set`);
  }

  const node = new MailComposer({
    from: message.from,
    to: message.to,
    replyTo: message.replyTo,
    subject: message.subject,
    date: opts.date ?? new Date(),
    text: { content: message.text, contentType: 'text/plain; charset=utf-8' },
    html: { content: message.html, contentType: 'text/html; charset=utf-8' },
    headers: message.headers,
    newline: 'win',
    // The content is given as strings: nothing may be read from files or URLs, whatever it says.
    disableFileAccess: true,
    disableUrlAccess: true,
  }).compile();
  const raw = await node.build();
  return { raw, messageId: node.messageId() };
}
