/**
 * MIME messages for the local outbox (`.eml` files), built with nodemailer's `MailComposer` rather than by
 * hand. SES needs none: it is given the parts and builds the message itself (ses-email-sender.ts).
 *
 * Why nodemailer: it is the MIME library of the Node ecosystem (maintained since 2010, MIT-0, no
 * dependencies, ships its own ESM build and type definitions since v10), and `MailComposer` alone builds a
 * complete RFC 5322 message without any transport: Date, Message-ID, MIME-Version, RFC 2047 encoded words
 * for non-ASCII headers and display names, quoted-printable or base64 bodies, line folding, and CR/LF
 * stripped from header values. `mimetext` was the other candidate; it depends on Babel runtimes and
 * js-base64, is far less used, and would give nothing more here.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingEmail } from './email-sender.ts';
import { checkOutgoingEmail } from './outgoing-email.ts';

/**
 * The message as RFC 5322 bytes (CRLF line ends, UTF-8, multipart/alternative text + html) and its
 * Message-ID. The date is the caller's clock, so tests and retries see the time they chose.
 */
export async function composeMime(message: OutgoingEmail, opts: { date?: Date } = {}): Promise<{ raw: Buffer; messageId: string }> {
  checkOutgoingEmail(message);
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
