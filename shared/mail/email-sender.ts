/**
 * The port through which clientela sends mail (double opt-in confirmations, later others). The code that
 * sends a mail builds an `OutgoingEmail` and hands it to whichever sender the runtime wired: SES on AWS
 * (`ses-email-sender.ts`), `.eml` files in `DATA_DIR/outbox/` locally (`outbox-email-sender.ts`).
 */

/** An address with a display name, e.g. `{ name: 'Trattoria Da Mario', address: 'no-reply@mail.example' }`. */
export interface Mailbox {
  name: string;
  address: string;
}

export interface OutgoingEmail {
  /** Exactly one bare address (`giulia@example.it`): a list, a display name or a group is refused. */
  to: string;
  /** A bare address or a mailbox; the SES sender accepts only its configured address here. */
  from: string | Mailbox;
  subject: string;
  text: string;
  html: string;
  replyTo?: string | Mailbox;
  /**
   * Further header fields, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post`, or `Auto-Submitted`.
   * They cannot replace the fields built from the properties above (From, To, Subject, Date, ...).
   */
  headers?: Record<string, string>;
  /** The business the mail is sent for (SES tags the send with it, for per-tenant bounces and complaints). */
  tenantId: string;
}

export interface EmailSender {
  send(message: OutgoingEmail): Promise<{ messageId: string }>;
}

/**
 * A mail that was not sent. `retryable` says whether sending the same message again later may work:
 * throttling (`throttled`: SES's sending rate or daily quota; wait, up to minutes, then retry), a fault
 * on the service side, a network error. Everything else (a rejected message, an unverified sender, a
 * paused or suspended account, an invalid message) fails the same way every time until someone acts.
 */
export class EmailSendError extends Error {
  override readonly name = 'EmailSendError';
  readonly throttled: boolean;

  constructor(
    /** The provider's error name (`TooManyRequestsException`, `MessageRejected`, ...) or `InvalidMessage`. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown; throttled?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.throttled = options.throttled ?? false;
  }
}
